"""A lesson's audience: its page privacy and the privacy of its files (recording, captions,
attachments), made to match when it is published."""

from __future__ import annotations

import logging

from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from ..models import Audience, LessonAttachment, LessonCaption, LessonPage, ProtectedLessonDocument
from .access import is_members_only

logger = logging.getLogger(__name__)


def apply_audience(lesson: LessonPage) -> None:
    """Make the page's privacy match its audience field and queue the privacy update of its files
    (recording, captions, attachments).

    Called when a lesson is published. Only the LOGIN restriction this field controls is touched;
    a password or group restriction an editor set by hand stays."""
    restrictions = PageViewRestriction.objects.filter(
        page=lesson, restriction_type=PageViewRestriction.LOGIN
    )
    if lesson.audience == Audience.MEMBERS and not restrictions.exists():
        PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.LOGIN)
    elif lesson.audience == Audience.PUBLIC and restrictions.exists():
        restrictions.delete()
    queue_recording_privacy([lesson.pk])


def queue_recording_privacy(lesson_ids) -> None:
    """Queue the privacy update of each lesson's files (recording, captions, attachments).

    The recordings' audience flag changes here, in the caller's transaction: their files refuse
    anonymous visitors from the commit on, whatever the queue is busy with."""
    from media.live import mark_members_only as mark_live_members_only
    from media.services import mark_members_only

    from ..tasks import sync_recording_privacy

    for lesson in LessonPage.objects.filter(pk__in=list(lesson_ids)).exclude(recording=None):
        mark_members_only([lesson.recording_id], is_members_only(lesson))
    # A live lesson: its live HLS and its replay follow the page's audience too.
    live_lessons = LessonPage.objects.filter(pk__in=list(lesson_ids), recording=None).exclude(live_stream=None)
    for lesson in live_lessons.select_related("live_stream"):
        members_only = is_members_only(lesson)
        mark_live_members_only([lesson.live_stream_id], members_only)
        if lesson.live_stream.recording_id:
            mark_members_only([lesson.live_stream.recording_id], members_only)
    for lesson_id in lesson_ids:
        transaction.on_commit(lambda pk=lesson_id: sync_recording_privacy.enqueue(pk))


def sync_recording_privacy(lesson_id: int) -> bool | None:
    """Make the lesson's recording, caption and attachment files as private as the lesson is.
    Returns whether the lesson is members-only, None when it no longer exists."""
    lesson = LessonPage.objects.filter(pk=lesson_id).select_related("recording").first()
    if lesson is None:
        return None
    members_only = is_members_only(lesson)
    recording = lesson.playable_recording  # its own, or its live's replay
    if recording is not None:
        set_recording_members_only(recording, members_only)
    sync_document_privacy(lesson, members_only=members_only)
    return members_only


def set_recording_members_only(recording, value: bool) -> None:
    from media.services import set_members_only

    set_members_only(recording, value)


# --- members-only documents -------------------------------------------------------------------
# Captions and attachments are Wagtail documents, served by /documents/<id>/<name> to whoever has
# the URL. Wagtail's serve view honours collection view restrictions, so a members-only lesson's
# documents are moved into a collection that only signed-in users may download from.

MEMBERS_ONLY_COLLECTION_NAME = "仅限党员的党课资料"


def members_only_collection() -> Collection:
    """The login-restricted collection for members-only lesson files, created on first use.
    Calling it again returns the same collection (and restores its restriction if removed)."""
    with transaction.atomic():
        # Lock the root so that two workers cannot both add the collection.
        root = Collection.objects.select_for_update().get(pk=Collection.get_first_root_node().pk)
        collection = root.get_children().filter(name=MEMBERS_ONLY_COLLECTION_NAME).first()
        if collection is None:
            collection = root.add_child(name=MEMBERS_ONLY_COLLECTION_NAME)
        CollectionViewRestriction.objects.get_or_create(
            collection=collection, restriction_type=CollectionViewRestriction.LOGIN
        )
    return collection


def lesson_document_ids(lesson: LessonPage) -> set[int]:
    return set(LessonCaption.objects.filter(page=lesson).values_list("document_id", flat=True)) | set(
        LessonAttachment.objects.filter(page=lesson).values_list("document_id", flat=True)
    )


def sync_document_privacy(lesson: LessonPage, *, members_only: bool) -> None:
    document_ids = lesson_document_ids(lesson)
    if not document_ids:
        return
    if members_only:
        protect_documents(document_ids)
    else:
        release_documents(document_ids, public_lesson=lesson)


def protect_documents(document_ids) -> None:
    """Move documents into the members-only collection, remembering where each came from.
    Documents already in a collection with its own view restriction (perhaps a stricter one an
    editor chose) stay where they are."""
    collection = members_only_collection()
    Document = get_document_model()
    with transaction.atomic():
        documents = Document.objects.select_for_update(of=("self",)).filter(pk__in=document_ids).select_related("collection")
        for document in documents:
            if document.collection_id == collection.pk or document.collection.get_view_restrictions().exists():
                continue
            ProtectedLessonDocument.objects.get_or_create(
                document=document, defaults={"original_collection_id": document.collection_id}
            )
            document.collection = collection
            document.save(update_fields=["collection"])


def release_documents(document_ids, *, public_lesson: LessonPage) -> None:
    """Move documents this app protected back to their original collection (the root collection if
    that was deleted), except those another live members-only lesson still uses."""
    still_private = LessonPage.objects.live().not_public().exclude(pk=public_lesson.pk)
    shared = set(
        LessonCaption.objects.filter(page__in=still_private, document_id__in=document_ids).values_list(
            "document_id", flat=True
        )
    ) | set(
        LessonAttachment.objects.filter(page__in=still_private, document_id__in=document_ids).values_list(
            "document_id", flat=True
        )
    )
    collection = members_only_collection()
    Document = get_document_model()
    root = Collection.get_first_root_node()
    with transaction.atomic():
        protected = ProtectedLessonDocument.objects.select_for_update(of=("self",)).filter(
            document_id__in=set(document_ids) - shared
        )
        for row in protected.select_related("original_collection"):
            document = Document.objects.select_for_update().get(pk=row.document_id)
            # An editor may have moved it on since; only a document still in our collection goes back.
            if document.collection_id == collection.pk:
                document.collection = row.original_collection or root
                document.save(update_fields=["collection"])
            row.delete()
    if shared:
        logger.info("Lesson %s is public but shares documents %s with members-only lessons", public_lesson.pk, sorted(shared))
