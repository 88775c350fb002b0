"""Group viewing of a live lesson (集体收看直播): a session whose lessons include a lesson broadcast
live (lessons.LessonPage.live_stream, a media.LiveStream) while the session is held.

A session is a group viewing of a live when one of its lessons has a live whose scheduled window
overlaps the session's time. Choosing a lesson whose live has not ended yet requires that overlap
(the form says so in Chinese); once the live has ended the lesson is an ordinary recorded lesson
(its replay) and any time will do. Attendance credits it as 集体学习 like any other session lesson
(lessons.services.group_viewing: the replay's length once known, else the live's scheduled length).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from lessons.models import LessonPage
from media.models import LiveStream

NOT_ENDED = (LiveStream.Status.UPCOMING, LiveStream.Status.LIVE)
LABEL = "集体收看直播"


@dataclass(frozen=True)
class LiveViewing:
    lesson: LessonPage
    live: LiveStream

    @property
    def label(self) -> str:
        return f"{LABEL}：{self.lesson.title}"

    @property
    def scheduled_start(self) -> dt.datetime:
        return self.live.scheduled_start

    @property
    def scheduled_end(self) -> dt.datetime:
        return self.live.scheduled_end

    @property
    def url(self) -> str:
        return self.lesson.url


def upcoming_live_lessons():
    """Lesson pages with a live that has not ended (upcoming or on air), whatever their recording."""
    return LessonPage.objects.filter(live_stream__status__in=NOT_ENDED).select_related("live_stream")


def lesson_choice_label(page, live: LiveStream | None) -> str:
    """The label of a lesson on the secretary's form: a live not ended says so, with its start."""
    if live is None:
        return page.title
    start = timezone.localtime(live.scheduled_start)
    return f"{LABEL}：{page.title}（直播 {start:%Y-%m-%d %H:%M}）"


def _not_ended_live(page) -> LiveStream | None:
    lesson = getattr(page, "specific_deferred", page)
    if not isinstance(lesson, LessonPage) or not lesson.live_stream_id:
        return None
    live = lesson.live_stream
    return live if live.status in NOT_ENDED else None


def overlaps(live: LiveStream, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    return starts_at < live.scheduled_end and ends_at > live.scheduled_start


def window_errors(lessons, starts_at, ends_at) -> list[str]:
    """Why these lessons cannot be watched live in a session at this time (empty: they can)."""
    if not starts_at or not ends_at:
        return []
    errors = []
    for page in lessons:
        live = _not_ended_live(page)
        if live is not None and not overlaps(live, starts_at, ends_at):
            start = timezone.localtime(live.scheduled_start)
            end = timezone.localtime(live.scheduled_end)
            errors.append(
                f"“{page.title}”的直播时间为 {start:%Y-%m-%d %H:%M} 至 {end:%H:%M}，"
                "集体收看直播的会议时间必须与直播时间重合；如要观看回放，请在回放就绪后再安排。"
            )
    return errors


def live_viewings(sessions) -> dict[int, LiveViewing]:
    """For each session that is a group viewing of a live: that live (the first such lesson).
    Two queries whatever the number of sessions."""
    from ..models import SessionLesson

    sessions = {session.pk: session for session in sessions}
    if not sessions:
        return {}
    links = (
        SessionLesson.objects.filter(session_id__in=sessions)
        .values_list("session_id", "lesson_id")
        .order_by("session_id", "sort_order", "pk")
    )
    lesson_ids = {lesson_id for _, lesson_id in links}
    lessons = {
        page.pk: page
        for page in LessonPage.objects.live()
        .filter(pk__in=lesson_ids, live_stream__isnull=False)
        .select_related("live_stream")
    }
    found = {}
    for session_id, lesson_id in links:
        page = lessons.get(lesson_id)
        session = sessions[session_id]
        if session_id in found or page is None:
            continue
        if overlaps(page.live_stream, session.starts_at, session.ends_at):
            found[session_id] = LiveViewing(page, page.live_stream)
    return found


def live_viewing(session) -> LiveViewing | None:
    return live_viewings([session]).get(session.pk)


def prefill(live: LiveStream) -> dict:
    """The session form's initial values to arrange a group viewing of this live."""
    return {
        "starts_at": timezone.localtime(live.scheduled_start),
        "ends_at": timezone.localtime(live.scheduled_end),
    }
