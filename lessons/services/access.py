"""Who may open which lesson: the visible-lessons query for listings and the cached
per-lesson access check the progress heartbeat runs on every request."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from wagtail.models import PageViewRestriction

from ..models import LessonPage


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
    recording = lesson.playable_recording  # its own, or the replay of its live
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
