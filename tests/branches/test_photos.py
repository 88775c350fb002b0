"""Meeting photos are private to the branch (#20): stored where no public URL reaches, outside the
Wagtail image library, served by a checking view to the branch's members (committee-only meetings:
the invitees) and its organisation departments only."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from branches.factories import MemberFactory, SessionFactory, session_type
from branches.models import Role, SessionPhoto

pytestmark = pytest.mark.django_db


def png_bytes(colour="red", size=(40, 30)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def upload_photo(client, session, caption="会议现场", content=None):
    import datetime as dt

    start = timezone.localtime(session.starts_at)
    response = client.post(
        reverse("branches:session_edit", kwargs={"pk": session.pk}),
        {
            "session_type": session.session_type_id,
            "topic": session.topic,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "photo_caption": caption,
            "photo": SimpleUploadedFile("scene.png", content or png_bytes(), content_type="image/png"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return session.photos.get()


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def photo(client, people, tree):
    session = SessionFactory(branch=tree.a, topic="学习会")
    client.force_login(people.secretary_user)
    photo = upload_photo(client, session)
    client.logout()
    return photo


def test_an_uploaded_photo_is_private_and_not_in_the_image_library(photo, settings):
    assert not get_image_model().objects.exists()
    path = Path(photo.file.path).resolve()
    assert Path(settings.PRIVATE_MEDIA_ROOT).resolve() in path.parents
    assert Path(settings.MEDIA_ROOT).resolve() not in path.parents
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.png")) if Path(settings.MEDIA_ROOT).exists() else True
    assert path.read_bytes() == png_bytes()


def test_the_branch_and_its_department_see_the_photo(client, people, photo, tree):
    people.dept_user.is_staff = False
    url = reverse("branches:session_photo", kwargs={"pk": photo.pk})
    for user in (people.member_user, people.secretary_user, people.dept_user):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert body(response) == png_bytes()
        assert response["Cache-Control"].startswith("private")
        assert "attachment" not in response.get("Content-Disposition", "")
    client.force_login(people.member_user)
    html = client.get(reverse("branches:session_detail", kwargs={"pk": photo.session_id})).content.decode()
    assert url in html and 'alt="会议现场"' in html


def test_anonymous_and_other_branches_are_refused(client, people, photo, tree, make_user):
    from branches.models import OrganisationManager

    url = reverse("branches:session_photo", kwargs={"pk": photo.pk})
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    other_dept = make_user("dept_d2")
    OrganisationManager.objects.create(user=other_dept, organisation=tree.district2)
    other_secretary = make_user("sec_b", role="支部书记")
    MemberFactory(branch=tree.b, role=Role.SECRETARY, user=other_secretary)
    editor = make_user("editor", role="编辑", is_staff=True)
    for user in (people.other_user, people.outsider, other_dept, other_secretary, editor):
        client.force_login(user)
        assert client.get(url).status_code == 403, user.username


def test_a_committee_only_meetings_photo_is_for_its_invitees(client, people, tree):
    meeting = SessionFactory(branch=tree.a, session_type=session_type("committee-meeting"), topic="支委会")
    client.force_login(people.secretary_user)
    photo = upload_photo(client, meeting)
    url = reverse("branches:session_photo", kwargs={"pk": photo.pk})
    assert client.get(url).status_code == 200
    committee_user = people.member_user
    client.force_login(committee_user)
    assert client.get(url).status_code == 403
    people.member.role = Role.COMMITTEE_MEMBER
    people.member.save()
    assert client.get(url).status_code == 200


def test_x_accel_redirect_points_into_the_private_location(client, people, photo, settings):
    settings.PROTECTED_MEDIA_SENDFILE = "x-accel-redirect"
    client.force_login(people.member_user)
    response = client.get(reverse("branches:session_photo", kwargs={"pk": photo.pk}))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"].startswith(settings.PROTECTED_MEDIA_ACCEL_PREFIX.rstrip("/") + "/")
    assert response["X-Accel-Redirect"].endswith(Path(photo.file.name).name)


def test_an_editor_sees_no_meeting_photo_in_the_wagtail_image_library(client, people, photo, make_user):
    admin = make_user("boss", is_superuser=True, is_staff=True)
    client.force_login(admin)
    html = client.get("/admin/images/").content.decode()
    assert Path(photo.file.name).name not in html
    assert SessionPhoto.objects.count() == 1


def test_deleting_a_photo_removes_its_private_file(photo, django_capture_on_commit_callbacks):
    path = Path(photo.file.path)
    assert path.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert not path.exists()


def test_the_session_page_shows_a_smaller_copy_that_links_to_the_original(
    client, people, tree, django_capture_on_commit_callbacks
):
    session = SessionFactory(branch=tree.a, topic="学习会")
    client.force_login(people.secretary_user)
    original = png_bytes("navy", size=(2400, 1600))
    with django_capture_on_commit_callbacks(execute=True):
        photo = upload_photo(client, session, content=original)
    photo.refresh_from_db()
    assert photo.thumbnail.endswith(".small.jpg") and photo.has_fresh_thumbnail
    url = reverse("branches:session_photo", kwargs={"pk": photo.pk})
    client.force_login(people.member_user)
    small = body(client.get(url, {"size": "small"}))
    with PILImage.open(io.BytesIO(small)) as image:
        assert image.format == "JPEG" and image.size == (800, 533)
    assert len(small) < len(original)
    assert body(client.get(url)) == original
    html = client.get(reverse("branches:session_detail", kwargs={"pk": session.pk})).content.decode()
    assert f'href="{url}"' in html and f'src="{url}?size=small"' in html
    # The smaller copy is as private as the photo.
    client.force_login(people.other_user)
    assert client.get(url, {"size": "small"}).status_code == 403
    # Deleting the photo removes both files.
    paths = [Path(settings_path(photo.file.name)), Path(settings_path(photo.thumbnail))]
    assert all(p.is_file() for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    assert not any(p.exists() for p in paths)


def settings_path(name):
    from media.storage import originals_storage

    return originals_storage.path(name)


def photo_without_thumbnail(tree, name, content) -> SessionPhoto:
    """A stored photo whose thumbnail task never ran (written without the save signal), as photos
    from before thumbnails, or whose task was lost, are."""
    from django.core.files.base import ContentFile

    photo = SessionPhoto(session=SessionFactory(branch=tree.a))
    photo.file.save(name, ContentFile(content), save=False)
    SessionPhoto.objects.bulk_create([photo])
    return SessionPhoto.objects.get()


def test_a_photo_camera_held_sideways_is_made_upright(people, tree):
    from branches.services import photos

    buffer = io.BytesIO()
    exif = PILImage.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    PILImage.new("RGB", (1200, 900), "white").save(buffer, "JPEG", exif=exif)
    photo = photo_without_thumbnail(tree, "sideways.jpg", buffer.getvalue())
    assert photos.photos_without_thumbnail() == [photo.pk]  # the sweep finds it
    name = photos.make_thumbnail(photo.pk)
    with PILImage.open(settings_path(name)) as image:
        assert image.size == (800, 1067)  # portrait: 900 × 1200 upright, then 800 wide
    assert photos.photos_without_thumbnail() == []


def test_the_sweep_queues_photos_without_a_thumbnail(people, tree):
    from branches.wagtail_hooks import queue_missing_thumbnails

    photo_without_thumbnail(tree, "old.png", png_bytes(size=(1000, 500)))
    queue_missing_thumbnails()  # the immediate task backend runs the task at once
    stored = SessionPhoto.objects.get()
    assert stored.has_fresh_thumbnail and stored.thumbnail != stored.file.name


def test_a_file_pillow_cannot_read_is_its_own_thumbnail(people, tree):
    from branches.services import photos

    stored = photo_without_thumbnail(tree, "broken.png", b"not an image at all")
    assert photos.make_thumbnail(stored.pk) == stored.file.name
    assert photos.photos_without_thumbnail() == []  # not tried again and again


def _admin_photo_post(client, session, tree, upload):
    start = timezone.localtime(session.starts_at)
    return client.post(
        f"/admin/branches/sessions/edit/{session.pk}/",
        {
            "branch": tree.a.pk,
            "session_type": session.session_type_id,
            "topic": "改过的议题",
            "starts_at": start.strftime("%Y-%m-%d %H:%M"),
            "ends_at": timezone.localtime(session.ends_at).strftime("%Y-%m-%d %H:%M"),
            "status": session.status,
            "lesson_links-TOTAL_FORMS": 0,
            "lesson_links-INITIAL_FORMS": 0,
            "photos-TOTAL_FORMS": 1,
            "photos-INITIAL_FORMS": 0,
            "photos-0-ORDER": 1,
            "photos-0-DELETE": "",
            "photos-0-file": upload,
            "photos-0-caption": "后台上传",
        },
    )


def test_a_photo_added_in_the_wagtail_admin_is_private_too(client, people, tree, settings):
    session = SessionFactory(branch=tree.a, topic="学习会")
    client.force_login(people.secretary_user)
    upload = SimpleUploadedFile("admin.png", png_bytes("blue"), content_type="image/png")
    response = _admin_photo_post(client, session, tree, upload)
    assert response.status_code == 302, response.content.decode()[:3000]
    photo = session.photos.get()
    assert photo.caption == "后台上传"
    assert Path(settings.PRIVATE_MEDIA_ROOT).resolve() in Path(photo.file.path).resolve().parents
    assert not get_image_model().objects.exists()


@pytest.mark.parametrize(
    "upload, setting, expected",
    [
        # Larger than the limit the 支部工作台 form applies.
        (lambda: SimpleUploadedFile("big.png", png_bytes(), content_type="image/png"), {"WAGTAILIMAGES_MAX_UPLOAD_SIZE": 20}, "文件过大"),
        # More pixels than allowed.
        (lambda: SimpleUploadedFile("wide.png", png_bytes(), content_type="image/png"), {"WAGTAILIMAGES_MAX_IMAGE_PIXELS": 100}, "像素过多"),
        # A format the image library does not take, however real the image.
        (lambda: SimpleUploadedFile("scan.tiff", _tiff_bytes(), content_type="image/tiff"), {}, "不支持的图片格式"),
    ],
    ids=["too large", "too many pixels", "format not allowed"],
)
def test_the_wagtail_admin_applies_the_workbench_photo_limits(client, people, tree, settings, upload, setting,
                                                              expected):
    for name, value in setting.items():
        setattr(settings, name, value)
    session = SessionFactory(branch=tree.a, topic="学习会")
    client.force_login(people.secretary_user)
    response = _admin_photo_post(client, session, tree, upload())
    assert response.status_code == 200  # the form again, with the error and what was typed
    html = response.content.decode()
    assert "改过的议题" in html and "后台上传" in html
    errors = " ".join(re.findall(r'<p class="error-message">(.*?)</p>', html, re.S))
    assert expected in errors
    assert not session.photos.exists()
    assert not any(Path(settings.PRIVATE_MEDIA_ROOT).rglob("branch-photos/*/*"))


def _tiff_bytes():
    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "green").save(buffer, "TIFF")
    return buffer.getvalue()
