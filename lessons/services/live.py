"""A live lesson's page: what it shows in each state of its live stream (media.LiveStream), and
the calendar entry (添加到日历)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.urls import reverse
from django.utils import timezone

from media import live as live_streams
from media.models import LiveStream

from ..models import LessonPage

Status = LiveStream.Status
MESSAGES = {
    Status.UPCOMING: "直播尚未开始。",
    Status.LIVE: "正在直播。",
    Status.ENDED: "直播已结束，回放稍后上线。",
    Status.REPLAY_PROCESSING: "直播已结束，回放正在准备中，请稍后再来。",
    Status.REPLAY_READY: "回放已就绪。",
}


@dataclass(frozen=True)
class LiveView:
    stream: LiveStream
    state: str
    watching: int

    @property
    def label(self) -> str:
        return Status(self.state).label

    @property
    def message(self) -> str:
        if self.state == Status.ENDED and self.stream.failure_reason:
            return self.stream.failure_reason
        return MESSAGES[self.state]

    @property
    def is_upcoming(self) -> bool:
        return self.state == Status.UPCOMING

    @property
    def is_live(self) -> bool:
        return self.state == Status.LIVE

    @property
    def hls_url(self) -> str:
        return reverse("media:live_master", args=[self.stream.stream_name])

    @property
    def audio_url(self) -> str:
        name = f"{self.stream.stream_name}_{live_streams.AUDIO_SUFFIX}"
        return reverse("media:live_file", args=[name, "index.m3u8"])

    @property
    def status_url(self) -> str:
        return reverse("media:live_status", args=[self.stream.stream_name])

    @property
    def calendar_url(self) -> str:
        return reverse("lessons:live_calendar", args=[self.stream.pk])


def live_view(page: LessonPage) -> LiveView | None:
    """The live part of the lesson page; None when the page plays a recording (its own, or the
    ready replay: then it is an on-demand lesson like any other)."""
    if not page.live_stream_id:
        return None
    stream = page.live_stream
    state = stream.state
    if page.recording_id or state == Status.REPLAY_READY:
        return None
    watching = live_streams.watching_now(stream.pk) if state == Status.LIVE else 0
    return LiveView(stream, state, watching)


def _ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 lines are at most 75 octets; longer ones continue on a line starting with a space."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > 75:
            out.append(current.decode("utf-8"))
            current = b" "
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n".join(out)


def calendar_entry(page: LessonPage, url: str) -> str:
    """One VEVENT for the live lesson, to import into a phone's or Outlook's calendar."""
    stream = page.live_stream
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Dangke//Live lessons//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:live-{stream.pk}@dangke",
        f"DTSTAMP:{_ics_time(timezone.now())}",
        f"DTSTART:{_ics_time(stream.scheduled_start)}",
        f"DTEND:{_ics_time(stream.scheduled_end)}",
        f"SUMMARY:{_ics_text('直播党课：' + page.title)}",
        f"URL:{url}",
        f"DESCRIPTION:{_ics_text((page.summary or page.title) + chr(10) + url)}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT15M",
        f"DESCRIPTION:{_ics_text(page.title)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
