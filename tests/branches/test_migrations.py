"""Data migrations of branches: 0006 moves meeting photos out of the public Wagtail image library (#20),
0008 moves branch log entries to their own table."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# serialized_rollback: the data of data migrations (groups, session types) is back for later tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _png():
    import io

    from PIL import Image as PILImage

    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "blue").save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
BEFORE = [("branches", "0005_assignment_permissions")]
AFTER = [("branches", "0007_sessionphoto_file_required")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def latest_schema_afterwards(transactional_db):
    """Whatever a test migrated back to, the tests after it get every migration again (a fixed
    target here once left later migrations' columns missing for the rest of the run)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_library_photos_become_private_and_their_public_files_go(settings):
    apps = migrate(BEFORE)
    try:
        Organisation = apps.get_model("branches", "Organisation")
        SessionType = apps.get_model("branches", "SessionType")
        Session = apps.get_model("branches", "Session")
        SessionPhoto = apps.get_model("branches", "SessionPhoto")
        from wagtail.images import get_image_model
        from wagtail.models import Collection

        Image = get_image_model()  # the real model: the historical one lacks get_upload_to()
        import datetime as dt

        from django.utils import timezone

        branch = Organisation.objects.create(path="0009", depth=1, name="甲支部", code="MIG", kind="branch")
        start = timezone.now()
        session = Session.objects.create(
            branch=branch,
            session_type=SessionType.objects.first(),
            topic="迁移前的会议",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            status="held",
        )
        root = Collection.get_first_root_node()
        image = Image.objects.create(
            title="会议现场",
            file=ContentFile(PNG, name="scene.png"),
            width=40,
            height=30,
            collection=root,
        )
        public_path = Path(settings.MEDIA_ROOT) / image.file.name
        assert public_path.is_file()
        SessionPhoto.objects.create(session=session, image_id=image.pk, caption="会议现场", sort_order=0)
    finally:
        apps = migrate(AFTER)
    photo = apps.get_model("branches", "SessionPhoto").objects.get()
    assert photo.caption == "会议现场"
    private_path = (Path(settings.PRIVATE_MEDIA_ROOT) / "originals" / photo.file.name).resolve()
    assert private_path.read_bytes() == PNG
    assert photo.file.name.startswith(f"branch-photos/{photo.session.branch_id}/")
    assert not public_path.exists()
    assert not apps.get_model("wagtailimages", "Image").objects.exists()


def test_branch_log_entries_move_to_their_own_table():
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    from branches.factories import MemberFactory, organisation
    from branches.models import BranchLogEntry, Member

    other = MemberFactory(branch=organisation("B", name="乙支部"), name="乙党员")
    migrate([("branches", "0007_sessionphoto_file_required")])
    try:
        ModelLogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(Member),
            label="乙党员",
            action="wagtail.edit",
            object_id=str(other.pk),
            timestamp=timezone.now(),
        )
        ModelLogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(ModelLogEntry),
            label="别的",
            action="wagtail.edit",
            object_id="1",
            timestamp=timezone.now(),
        )
    finally:
        migrate([("branches", "0008_branch_log_entries")])
    moved = BranchLogEntry.objects.get()
    assert moved.label == "乙党员" and moved.object_id == str(other.pk)
    assert list(ModelLogEntry.objects.values_list("label", flat=True)) == ["别的"]
