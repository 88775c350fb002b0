"""Captions and attachments of members-only lessons are served only to signed-in users, through
Wagtail's collection privacy; public lessons' files stay public."""

import pytest
from django.core.files.base import ContentFile
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from lessons.factories import DocumentFactory, LessonAttachmentFactory, LessonCaptionFactory
from lessons.models import Audience, ProtectedLessonDocument
from lessons.services import privacy

pytestmark = pytest.mark.django_db

CAPTION_BYTES = b"WEBVTT\n\n00:00.000 --> 00:05.000\n\xe5\x90\x8c\xe5\xbf\x97\xe4\xbb\xac\xe5\xa5\xbd\n"
ATTACHMENT_BYTES = b"%PDF-1.4 internal slides"


@pytest.fixture
def lesson_with_files(make_lesson, django_capture_on_commit_callbacks):
    """lesson_with_files(audience, caption=None, attachment=None) -> (lesson, caption_doc, attachment_doc),
    published with the privacy task run as the worker would after commit."""

    def _make(audience, *, caption=None, attachment=None, **fields):
        lesson = make_lesson(audience=audience, publish=False, **fields)
        caption = caption or DocumentFactory(title="字幕", file=ContentFile(CAPTION_BYTES, name="captions.vtt"))
        attachment = attachment or DocumentFactory(
            title="课件", file=ContentFile(ATTACHMENT_BYTES, name="slides.pdf")
        )
        LessonCaptionFactory(page=lesson, document=caption)
        LessonAttachmentFactory(page=lesson, document=attachment)
        publish(lesson, django_capture_on_commit_callbacks)
        caption.refresh_from_db()
        attachment.refresh_from_db()
        return lesson, caption, attachment

    return _make


def publish(lesson, capture, audience=None):
    with capture(execute=True):
        if audience is not None:
            lesson.audience = audience
        lesson.save_revision().publish()
    lesson.refresh_from_db()


def download(client, document):
    response = client.get(document.url)
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def restricted_collection():
    return Collection.objects.get(name=privacy.MEMBERS_ONLY_COLLECTION_NAME)


# --- through HTTP ----------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in_for_members_only_files(client, lesson_with_files):
    _lesson, caption, attachment = lesson_with_files(Audience.MEMBERS)
    for document in (caption, attachment):
        response, body = download(client, document)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert "next=" in response["Location"]
        assert body == b""


def test_signed_in_member_gets_members_only_files(client, member, lesson_with_files):
    _lesson, caption, attachment = lesson_with_files(Audience.MEMBERS)
    client.force_login(member)
    response, body = download(client, caption)
    assert response.status_code == 200
    assert body == CAPTION_BYTES
    response, body = download(client, attachment)
    assert response.status_code == 200
    assert body == ATTACHMENT_BYTES


def test_public_lessons_files_stay_downloadable_anonymously(client, lesson_with_files):
    _lesson, caption, attachment = lesson_with_files(Audience.PUBLIC)
    assert caption.collection == Collection.get_first_root_node()
    response, body = download(client, caption)
    assert response.status_code == 200
    assert body == CAPTION_BYTES
    response, body = download(client, attachment)
    assert response.status_code == 200
    assert body == ATTACHMENT_BYTES


def test_switching_public_members_public_moves_the_documents(client, lesson_with_files, django_capture_on_commit_callbacks):
    lesson, caption, attachment = lesson_with_files(Audience.PUBLIC)
    assert download(client, attachment)[0].status_code == 200

    publish(lesson, django_capture_on_commit_callbacks, Audience.MEMBERS)
    for document in (caption, attachment):
        document.refresh_from_db()
        assert document.collection == restricted_collection()
        assert download(client, document)[0].status_code == 302

    publish(lesson, django_capture_on_commit_callbacks, Audience.PUBLIC)
    for document in (caption, attachment):
        document.refresh_from_db()
        assert document.collection == Collection.get_first_root_node()
        assert download(client, document)[0].status_code == 200
    assert not ProtectedLessonDocument.objects.exists()


def test_a_document_shared_with_another_members_only_lesson_stays_protected(
    client, lesson_with_files, django_capture_on_commit_callbacks
):
    shared = DocumentFactory(title="共用课件", file=ContentFile(ATTACHMENT_BYTES, name="shared.pdf"))
    lesson, caption, _ = lesson_with_files(Audience.MEMBERS, attachment=shared)
    lesson_with_files(Audience.MEMBERS, attachment=shared)

    publish(lesson, django_capture_on_commit_callbacks, Audience.PUBLIC)
    caption.refresh_from_db()
    shared.refresh_from_db()
    assert caption.collection == Collection.get_first_root_node()
    assert download(client, caption)[0].status_code == 200
    assert shared.collection == restricted_collection()
    assert download(client, shared)[0].status_code == 302


def test_privacy_set_in_wagtails_dialog_protects_the_documents(client, lesson_with_files, django_capture_on_commit_callbacks):
    lesson, caption, attachment = lesson_with_files(Audience.PUBLIC)
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(page=lesson.get_parent(), restriction_type="login")
    attachment.refresh_from_db()
    assert download(client, attachment)[0].status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        restriction.delete()
    assert download(client, attachment)[0].status_code == 200


# --- the collection and the bookkeeping ------------------------------------------------------


def test_members_only_collection_is_created_once_with_a_login_restriction():
    first = privacy.members_only_collection()
    second = privacy.members_only_collection()
    assert first.pk == second.pk
    assert Collection.objects.filter(name=privacy.MEMBERS_ONLY_COLLECTION_NAME).count() == 1
    assert first.get_parent() == Collection.get_first_root_node()
    restrictions = CollectionViewRestriction.objects.filter(collection=first)
    assert list(restrictions.values_list("restriction_type", flat=True)) == [CollectionViewRestriction.LOGIN]

    restrictions.delete()  # removed by hand in the admin: the next use puts it back
    privacy.members_only_collection()
    assert CollectionViewRestriction.objects.filter(collection=first, restriction_type="login").count() == 1


def test_documents_go_back_to_their_original_collection(lesson_with_files, django_capture_on_commit_callbacks):
    slides = Collection.get_first_root_node().add_child(name="党课课件")
    attachment = DocumentFactory(collection=slides)
    lesson, _, _ = lesson_with_files(Audience.MEMBERS, attachment=attachment)
    attachment.refresh_from_db()
    assert attachment.collection == restricted_collection()
    assert ProtectedLessonDocument.objects.get(document=attachment).original_collection == slides

    publish(lesson, django_capture_on_commit_callbacks, Audience.PUBLIC)
    attachment.refresh_from_db()
    assert attachment.collection == slides


def test_documents_in_an_editors_own_restricted_collection_stay_there(lesson_with_files, django_capture_on_commit_callbacks):
    secret = Collection.get_first_root_node().add_child(name="支委会材料")
    CollectionViewRestriction.objects.create(collection=secret, restriction_type=CollectionViewRestriction.PASSWORD, password="x")
    attachment = DocumentFactory(collection=secret)
    lesson, _, _ = lesson_with_files(Audience.MEMBERS, attachment=attachment)
    attachment.refresh_from_db()
    assert attachment.collection == secret
    publish(lesson, django_capture_on_commit_callbacks, Audience.PUBLIC)
    attachment.refresh_from_db()
    assert attachment.collection == secret


def test_documents_an_editor_put_into_the_members_only_collection_stay_there(lesson_with_files, django_capture_on_commit_callbacks):
    attachment = DocumentFactory(collection=privacy.members_only_collection())
    lesson, _, _ = lesson_with_files(Audience.MEMBERS, attachment=attachment)
    publish(lesson, django_capture_on_commit_callbacks, Audience.PUBLIC)
    attachment.refresh_from_db()
    assert attachment.collection == restricted_collection()


def test_sync_runs_again_without_changes(lesson_with_files):
    lesson, caption, attachment = lesson_with_files(Audience.MEMBERS)
    assert privacy.sync_recording_privacy(lesson.pk) is True
    assert privacy.sync_recording_privacy(lesson.pk) is True
    assert ProtectedLessonDocument.objects.filter(document__in=[caption, attachment]).count() == 2
    assert privacy.sync_recording_privacy(10**9) is None


def test_the_privacy_task_moves_documents_when_run_by_a_worker(lesson_with_files):
    """By primary key through the real task: nothing is moved in save()."""
    from lessons.tasks import sync_recording_privacy

    lesson, caption, _ = lesson_with_files(Audience.PUBLIC)
    PageViewRestriction.objects.create(page=lesson, restriction_type="login")  # on_commit not run here
    caption.refresh_from_db()
    assert caption.collection == Collection.get_first_root_node()
    result = sync_recording_privacy.enqueue(lesson.pk)
    assert result.return_value is True
    caption.refresh_from_db()
    assert caption.collection == restricted_collection()
