"""Lessons business logic: visibility, filters, the lesson page's data, progress heartbeats, the
personal study record, audience (page privacy + private media) and the home page section."""

from __future__ import annotations

import csv
import io
import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from taggit.models import Tag
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, CollectionViewRestriction, PageViewRestriction

from . import ranges as played
from .models import (
    Audience,
    HomeDisplay,
    LessonAttachment,
    LessonCaption,
    LessonPage,
    LessonProgress,
    LessonSeriesPage,
    LessonSpeaker,
    ProtectedLessonDocument,
    SpeakerRole,
)

logger = logging.getLogger(__name__)

SPEAKER_PHOTO_FILTER = "fill-160x160"
# A saved position this close to the start or the end is not worth offering to resume
# (at most this many seconds; a tenth of the recording for very short ones).
RESUME_MARGIN = 5
# Longest duration accepted from a client when the recording's own duration is not known yet.
MAX_CLIENT_DURATION = 12 * 3600
HEARTBEAT_ATTEMPTS = 5


# --- visibility -----------------------------------------------------------------------------


def visible_lessons(user=None):
    """Live lessons this user may open: public ones for everybody, login-restricted ones for members."""
    lessons = LessonPage.objects.live()
    if user is None or not user.is_authenticated:
        return lessons.public()
    if user.is_superuser:
        return lessons
    # Signed-in users pass LOGIN restrictions; other restriction kinds (password, groups) still apply.
    other = PageViewRestriction.objects.exclude(restriction_type=PageViewRestriction.LOGIN)
    group_ids = None  # the user's groups, looked up only when a group restriction needs them
    hidden = Q()
    for restriction in other.select_related("page").prefetch_related("groups"):
        if restriction.restriction_type == PageViewRestriction.GROUPS:
            if group_ids is None:
                group_ids = set(user.groups.values_list("pk", flat=True))
            if group_ids & {g.pk for g in restriction.groups.all()}:
                continue
        hidden |= Q(path__startswith=restriction.page.path)
    return lessons.exclude(hidden) if hidden else lessons


@dataclass(frozen=True)
class LessonAccess:
    """What a progress heartbeat needs to know about a live lesson: its recording's duration and the
    view restrictions on the page and its ancestors, as (id, restriction type) pairs."""

    pk: int
    duration: float | None
    restrictions: tuple[tuple[int, str], ...] = ()

    @classmethod
    def of(cls, lesson: LessonPage) -> LessonAccess:
        restrictions = tuple(lesson.get_view_restrictions().order_by("pk").values_list("pk", "restriction_type"))
        return cls(lesson.pk, recording_duration(lesson), restrictions)

    def accepts(self, request) -> bool:
        # Wagtail's own accept_request() on stand-ins carrying the cached id and type: login and
        # password restrictions need no query, a group restriction looks its groups up by id.
        return all(
            PageViewRestriction(id=pk, restriction_type=kind).accept_request(request)
            for pk, kind in self.restrictions
        )


def _access_cache_key(lesson_id: int) -> str:
    return f"lessons:access:{lesson_id}"


def lesson_access(lesson_id: int) -> LessonAccess | None:
    """The live lesson's LessonAccess, None when there is no such live lesson.

    Every heartbeat asks this, so it is cached for LESSONS_ACCESS_CACHE_SECONDS and forgotten when
    the lesson is saved, published, unpublished, moved or deleted and when a view restriction on it
    or an ancestor changes (signal_handlers). Only live lessons are cached (ids sent at random
    must not fill the cache), and not while their recording, not probed yet, has no duration."""
    key = _access_cache_key(lesson_id)
    cached = cache.get(key)
    if cached is not None:
        duration, restrictions = cached
        return LessonAccess(lesson_id, duration, restrictions)
    lesson = LessonPage.objects.live().filter(pk=lesson_id).select_related("recording").first()
    if lesson is None:
        return None
    access = LessonAccess.of(lesson)
    if access.duration is not None or not lesson.recording_id:
        cache.set(key, (access.duration, access.restrictions), settings.LESSONS_ACCESS_CACHE_SECONDS)
    return access


def recording_duration(lesson: LessonPage) -> float | None:
    """The lesson's recording's duration in seconds, None while it is unknown (not probed yet)."""
    recording = lesson.recording if lesson.recording_id else None
    return float(recording.duration) if recording is not None and recording.duration else None


def forget_lesson_access(lesson_ids) -> None:
    """Drop cached LessonAccess now and again after the transaction commits, so that a heartbeat
    which read the old rows before the commit cannot leave them cached."""
    keys = [_access_cache_key(pk) for pk in lesson_ids]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def viewable_lesson(request, lesson_id: int) -> LessonAccess | None:
    """The live lesson's LessonAccess if this request may view it (Wagtail's own privacy rules),
    else None. The progress endpoint calls it on every heartbeat: usually no query at all."""
    access = lesson_access(lesson_id)
    if access is not None and access.accepts(request):
        return access
    return None


def is_members_only(lesson: LessonPage) -> bool:
    """True when the page or an ancestor carries any view restriction."""
    return lesson.get_view_restrictions().exists()


# --- index filters --------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonFilters:
    series: int | None = None
    role: str = ""
    topic: str = ""
    year: int | None = None

    @classmethod
    def from_query(cls, query) -> LessonFilters:
        """Unknown or malformed values are ignored rather than answered with an error page."""
        series = query.get("series", "")
        year = query.get("year", "")
        role = query.get("role", "")
        return cls(
            series=int(series) if series.isdigit() else None,
            role=role if role in SpeakerRole.values else "",
            topic=query.get("topic", "")[:100],
            year=int(year) if year.isdigit() and 1900 < int(year) < 3000 else None,
        )

    @property
    def active(self) -> bool:
        return bool(self.series or self.role or self.topic or self.year)


def filter_lessons(index_page, filters: LessonFilters, *, user):
    lessons = visible_lessons(user).descendant_of(index_page)
    if filters.series:
        lessons = lessons.filter(series_id=filters.series)
    if filters.role:
        lessons = lessons.filter(
            pk__in=LessonSpeaker.objects.filter(speaker__role=filters.role).values("page_id")
        )
    if filters.topic:
        lessons = lessons.filter(tags__slug=filters.topic)
    if filters.year:
        lessons = lessons.filter(date_given__year=filters.year)
    return (
        lessons.order_by("-date_given", "-pk")
        .select_related("series")
        .prefetch_related(
            Prefetch("lesson_speakers", queryset=LessonSpeaker.objects.select_related("speaker"))
        )
        .distinct()
    )


def lesson_filter_choices(index_page, *, user) -> dict:
    lessons = visible_lessons(user).descendant_of(index_page)
    return {
        "series": list(
            LessonSeriesPage.objects.live().child_of(index_page).order_by("title").values_list("pk", "title")
        ),
        "roles": SpeakerRole.choices,
        "topics": list(
            Tag.objects.filter(lessons_lessonpagetag_items__content_object__in=lessons)
            .distinct()
            .order_by("name")
            .values_list("slug", "name")
        ),
        "years": sorted({d.year for d in lessons.dates("date_given", "year")}, reverse=True),
    }


# --- the lesson page ------------------------------------------------------------------------


class LessonDetails:
    """The parts of a lesson page that are the same for every visitor, loaded on first use: the
    template caches their HTML per published revision, so a cache hit runs none of these queries.
    Each property is one query whatever the number of items."""

    def __init__(self, page: LessonPage):
        self.page = page

    @cached_property
    def speakers(self) -> list:
        Image = get_image_model()
        return [
            link.speaker
            for link in self.page.lesson_speakers.all()
            .select_related("speaker")
            .prefetch_related(
                Prefetch("speaker__photo", queryset=Image.objects.prefetch_renditions(SPEAKER_PHOTO_FILTER))
            )
        ]

    @cached_property
    def chapters(self) -> list:
        return list(self.page.chapters.all())

    @cached_property
    def attachments(self) -> list:
        return list(self.page.attachments.all().select_related("document"))

    @cached_property
    def tags(self) -> list:
        return list(self.page.tags.all())

    @cached_property
    def cues(self) -> list:
        return self.page.transcript_cues()


def lesson_captions(page: LessonPage) -> list[dict]:
    return [
        {"src": caption.document.url, "srclang": caption.srclang, "label": caption.label}
        for caption in page.captions.all().select_related("document")
    ]


def lesson_page_context(page: LessonPage, request) -> dict:
    """Everything the lesson template shows, in a number of queries that does not grow with the
    number of speakers, chapters, captions, attachments or related lessons."""
    previewing = getattr(request, "is_preview", False) or not page.live
    # Previews and drafts render fresh; a published lesson's details are cached per revision.
    published = page.last_published_at.isoformat() if page.last_published_at else ""
    details_cache_key = None if previewing else f"{page.pk}:{page.live_revision_id}:{published}"
    if details_cache_key is None:
        captions = lesson_captions(page)
    else:  # the captions belong to the revision too; the player is rendered outside the cached parts
        captions = cache.get_or_set(
            f"lessons:captions:{details_cache_key}", lambda: lesson_captions(page), settings.LESSONS_PAGE_CACHE_SECONDS
        )
    related = [
        link.lesson
        for link in page.related_lessons.all()
        .select_related("lesson")
        .filter(lesson__in=visible_lessons(request.user).values("pk"))
    ]
    progress = None
    if request.user.is_authenticated and page.pk:
        progress = LessonProgress.objects.filter(user=request.user, lesson=page).first()
    resume_at = None
    if progress is not None:
        duration = progress.duration or (page.recording.duration if page.recording_id else None)
        if offers_resume(progress.position, duration):
            resume_at = int(progress.position)
    start = request.GET.get("t", "")
    return {
        "details": LessonDetails(page),
        "details_cache_key": details_cache_key,
        "details_cache_seconds": settings.LESSONS_PAGE_CACHE_SECONDS,
        "captions": captions,
        "related": related,
        "progress": progress,
        "resume_at": resume_at,
        "start": int(start) if start.isdigit() else None,
        "recording": page.recording if page.recording_id else None,
    }


def offers_resume(position: float, duration: float | None) -> bool:
    margin = min(RESUME_MARGIN, duration * 0.1) if duration else RESUME_MARGIN
    if position <= margin:
        return False
    return not duration or position < duration - margin


# --- progress heartbeats --------------------------------------------------------------------


class HeartbeatError(ValueError):
    """A heartbeat the server refuses; the message is shown to nobody but logged by the client."""


def record_heartbeat(user, lesson: LessonPage | LessonAccess, *, position, ranges, duration=None) -> LessonProgress:
    """Merge the ranges a player reports into the member's progress and move the saved position.

    Safe to call concurrently (two tabs, two devices): the row is read and written under a row
    lock, and a lost race on creating the row or a deadlock is retried, so no range is lost.
    Reporting the same range twice changes nothing."""
    limit = lesson.duration if isinstance(lesson, LessonAccess) else recording_duration(lesson)
    if limit is None and duration is not None:
        try:
            limit = min(float(duration), MAX_CLIENT_DURATION)
        except (TypeError, ValueError):
            raise HeartbeatError("时长格式不正确") from None
        if not limit > 0:
            limit = None
    try:
        new_ranges = played.normalise(ranges or [], limit=limit or MAX_CLIENT_DURATION)
        position = max(0.0, float(position))
    except (TypeError, ValueError) as exc:
        raise HeartbeatError(str(exc) or "播放位置格式不正确") from None
    if position != position:  # NaN
        raise HeartbeatError("播放位置格式不正确")
    if limit:
        position = min(position, limit)

    for attempt in range(HEARTBEAT_ATTEMPTS):
        try:
            with transaction.atomic():
                return _merge_heartbeat(user, lesson.pk, position, new_ranges, limit)
        except OperationalError:  # deadlock, serialization failure, SQLite "database is locked"
            if attempt == HEARTBEAT_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (2**attempt) + random.random() * 0.01)  # noqa: S311 (jitter)
    raise AssertionError("unreachable")


def _locked_progress(user, lesson_id) -> LessonProgress:
    rows = LessonProgress.objects.select_for_update()
    try:
        return rows.get(user=user, lesson_id=lesson_id)
    except LessonProgress.DoesNotExist:
        pass
    try:
        with transaction.atomic():  # a savepoint: losing the race to create must not spoil the transaction
            return LessonProgress.objects.create(user=user, lesson_id=lesson_id)
    except IntegrityError:
        return rows.get(user=user, lesson_id=lesson_id)


def _merge_heartbeat(user, lesson_id, position, new_ranges, duration) -> LessonProgress:
    progress = _locked_progress(user, lesson_id)
    before = progress.played_seconds
    merged = played.merge(progress.played_ranges, new_ranges)
    progress.played_ranges = [list(r) for r in merged]
    progress.played_seconds = played.total(merged)
    added = progress.played_seconds - before
    if added > 0:
        year = str(timezone.localdate().year)
        by_year = dict(progress.seconds_by_year)
        by_year[year] = round(by_year.get(year, 0) + added, 3)
        progress.seconds_by_year = by_year
    progress.position = position
    if duration:
        progress.duration = duration
    if progress.completed_at is None and played.is_complete(
        progress.played_seconds, progress.duration, threshold=settings.LESSONS_COMPLETION_RATIO
    ):
        progress.completed_at = timezone.now()
    progress.save()
    return progress


# --- the personal study record --------------------------------------------------------------


def study_hours(seconds: float) -> float:
    return round(seconds / (settings.LESSONS_STUDY_HOUR_MINUTES * 60), 1)


@dataclass
class StudyRecord:
    continue_watching: list[LessonProgress]
    completed: list[LessonProgress]
    years: list[dict]  # {"year", "seconds", "minutes", "hours"}, newest first
    total_hours: float


def study_record(user) -> StudyRecord:
    rows = list(
        LessonProgress.objects.filter(user=user, lesson__in=visible_lessons(user).values("pk"))
        .select_related("lesson", "lesson__series")
        .order_by("-updated_at")
    )
    per_year: dict[str, float] = defaultdict(float)
    for row in LessonProgress.objects.filter(user=user).values_list("seconds_by_year", flat=True):
        for year, seconds in (row or {}).items():
            per_year[year] += seconds
    years = [
        {"year": int(year), "seconds": seconds, "minutes": int(seconds // 60), "hours": study_hours(seconds)}
        for year, seconds in sorted(per_year.items(), reverse=True)
    ]
    return StudyRecord(
        continue_watching=[r for r in rows if not r.is_completed and offers_resume(r.position, r.duration)],
        completed=sorted((r for r in rows if r.is_completed), key=lambda r: r.completed_at, reverse=True),
        years=years,
        total_hours=study_hours(sum(per_year.values())),
    )


CSV_HEADER = ["党课", "系列", "授课日期", "学习时长（分钟）", "进度（%）", "是否完成", "完成时间", "最近学习时间"]


def _csv_cell(value) -> str:
    """Spreadsheet formula injection: a title such as "=HYPERLINK(…)" must stay text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def study_record_csv(user) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    rows = (
        LessonProgress.objects.filter(user=user)
        .select_related("lesson", "lesson__series")
        .order_by("-updated_at")
    )
    for row in rows:
        local = timezone.localtime
        writer.writerow(
            [
                _csv_cell(row.lesson.title),
                _csv_cell(row.lesson.series.title if row.lesson.series else ""),
                row.lesson.date_given.isoformat(),
                int(row.played_seconds // 60),
                row.percent,
                "是" if row.is_completed else "否",
                local(row.completed_at).strftime("%Y-%m-%d %H:%M") if row.completed_at else "",
                local(row.updated_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return out.getvalue()


# --- audience: page privacy and private media -----------------------------------------------


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
    from media.services import mark_members_only

    from .tasks import sync_recording_privacy

    for lesson in LessonPage.objects.filter(pk__in=list(lesson_ids)).exclude(recording=None):
        mark_members_only([lesson.recording_id], is_members_only(lesson))
    for lesson_id in lesson_ids:
        transaction.on_commit(lambda pk=lesson_id: sync_recording_privacy.enqueue(pk))


def sync_recording_privacy(lesson_id: int) -> bool | None:
    """Make the lesson's recording, caption and attachment files as private as the lesson is.
    Returns whether the lesson is members-only, None when it no longer exists."""
    lesson = LessonPage.objects.filter(pk=lesson_id).select_related("recording").first()
    if lesson is None:
        return None
    members_only = is_members_only(lesson)
    if lesson.recording is not None:
        set_recording_members_only(lesson.recording, members_only)
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


# --- home page ------------------------------------------------------------------------------


def home_section_context(request) -> dict | None:
    user = request.user
    lessons = visible_lessons(user).select_related("series").order_by("-date_given", "-pk")
    latest_series = LessonSeriesPage.objects.live().filter(home_display=HomeDisplay.LATEST).first()
    latest = lessons.filter(series=latest_series).first() if latest_series else None
    showcase_series = LessonSeriesPage.objects.live().filter(home_display=HomeDisplay.SHOWCASE).first()
    showcase = list(lessons.filter(series=showcase_series)[:4]) if showcase_series else []
    continue_watching = []
    if user.is_authenticated:
        recent = (
            LessonProgress.objects.filter(
                user=user, completed_at__isnull=True, position__gt=0,
                lesson__in=visible_lessons(user).values("pk"),
            )
            .select_related("lesson")
            .order_by("-updated_at")[:10]
        )
        continue_watching = [row for row in recent if offers_resume(row.position, row.duration)][:3]
    if latest is None and not showcase and not continue_watching:
        return None
    return {
        "latest_series": latest_series,
        "latest": latest,
        "showcase_series": showcase_series,
        "showcase": showcase,
        "continue_watching": continue_watching,
    }
