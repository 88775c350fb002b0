"""The lesson page's data: details cached per published revision, captions, related lessons and
where to resume."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch
from wagtail import hooks
from wagtail.images import get_image_model

from ..models import LessonPage, LessonProgress
from .access import visible_lessons
from .live import live_view
from .progress import offers_resume

SPEAKER_PHOTO_FILTER = "fill-160x160"


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

    @cached_property
    def transcript_paragraphs(self) -> list[str]:
        return self.page.transcript_paragraphs()


def lesson_captions(page: LessonPage) -> list[dict]:
    return [
        {"src": caption.document.url, "srclang": caption.srclang, "label": caption.label}
        for caption in page.captions.all().select_related("document")
    ]


def lesson_places(page: LessonPage, request) -> list[dict]:
    """Places the lesson is about, from the apps that know them (the routes app's 红色基地 that link
    this lesson), through the `dangke_lesson_places` hook: ``fn(lesson, request) -> [{"title", "url",
    "kind"}]``. The lessons app imports none of them."""
    places: list[dict] = []
    for fn in hooks.get_hooks("dangke_lesson_places"):
        places.extend(fn(page, request))
    return places


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
            f"lessons:captions:{details_cache_key}",
            lambda: lesson_captions(page),
            settings.LESSONS_PAGE_CACHE_SECONDS,
        )
    # Filtered in Python: in a preview the related rows are the editor's unsaved, in-memory ones
    # (modelcluster), which cannot take a subquery.
    links = list(page.related_lessons.all().select_related("lesson"))
    visible = set(
        visible_lessons(request.user)
        .filter(pk__in=[link.lesson_id for link in links])
        .values_list("pk", flat=True)
    )
    related = [link.lesson for link in links if link.lesson_id in visible]
    progress = None
    if request.user.is_authenticated and page.pk:
        progress = LessonProgress.objects.filter(user=request.user, lesson=page).first()
    recording = page.playable_recording  # its own, or its live's replay
    resume_at = None
    if progress is not None:
        duration = progress.duration or (recording.duration if recording is not None else None)
        if offers_resume(progress.position, duration):
            resume_at = int(progress.position)
    start = request.GET.get("t", "")
    return {
        "details": LessonDetails(page),
        "details_cache_key": details_cache_key,
        "details_cache_seconds": settings.LESSONS_PAGE_CACHE_SECONDS,
        "captions": captions,
        "related": related,
        "places": lesson_places(page, request),
        "progress": progress,
        "resume_at": resume_at,
        "start": int(start) if start.isdigit() else None,
        "recording": recording,
        "live": live_view(page),
    }
