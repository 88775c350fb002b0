"""Podcast feed of a series: RSS 2.0 with iTunes tags, the audio edition of each public lesson."""

from __future__ import annotations

import mimetypes
from datetime import datetime, time

from django.db.models import Q
from django.http import HttpResponse
from django.templatetags.static import static
from django.utils import feedgenerator, timezone

from security.public_urls import absolute_url, page_url

from .ranges import format_timestamp
from .services.access import visible_lessons

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
COVER_FILTER = "fill-1400x1400"
DEFAULT_COVER = "lessons/img/podcast-cover.png"  # 1400×1400
AUDIO_TYPES = {".m4a": "audio/mp4", ".mp4": "audio/mp4", ".aac": "audio/aac", ".mp3": "audio/mpeg"}


def audio_type(url: str) -> str:
    path = url.split("?", 1)[0].lower()
    for suffix, mime in AUDIO_TYPES.items():
        if path.endswith(suffix):
            return mime
    return mimetypes.guess_type(path)[0] or "audio/mp4"


class PodcastFeed(feedgenerator.Rss201rev2Feed):
    def rss_attributes(self):
        attrs = super().rss_attributes()
        attrs["xmlns:itunes"] = ITUNES_NS
        return attrs

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        handler.addQuickElement("itunes:author", self.feed["itunes_author"])
        handler.addQuickElement("itunes:summary", self.feed["description"])
        handler.addQuickElement("itunes:explicit", "false")
        handler.addQuickElement("itunes:type", "episodic")
        handler.addQuickElement("itunes:category", "", {"text": self.feed["itunes_category"]})
        if self.feed.get("itunes_image"):
            handler.addQuickElement("itunes:image", "", {"href": self.feed["itunes_image"]})
            handler.startElement("image", {})
            handler.addQuickElement("url", self.feed["itunes_image"])
            handler.addQuickElement("title", self.feed["title"])
            handler.addQuickElement("link", self.feed["link"])
            handler.endElement("image")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("itunes:duration", item["itunes_duration"])
        handler.addQuickElement("itunes:author", item["itunes_author"])
        handler.addQuickElement("itunes:summary", item["description"])
        if item.get("itunes_episode"):
            handler.addQuickElement("itunes:episode", str(item["itunes_episode"]))
        handler.addQuickElement("itunes:episodeType", "full")
        if item.get("itunes_image"):
            handler.addQuickElement("itunes:image", "", {"href": item["itunes_image"]})


def podcast_episodes(series):
    """Public lessons of the series whose audio edition exists and is not members-only: their own
    recording, or the replay of their live once it is there."""
    episodes = []
    lessons = (
        visible_lessons(None)
        .filter(Q(recording__isnull=False) | Q(live_stream__recording__isnull=False), series=series)
        .select_related("recording", "live_stream__recording")
        .prefetch_related("lesson_speakers__speaker")
        .order_by("episode_number", "date_given", "pk")
    )
    for lesson in lessons:
        recording = lesson.playable_recording
        if getattr(recording, "members_only", False):
            continue
        url = getattr(recording, "audio_edition_url", None)
        if not url:
            continue
        episodes.append((lesson, recording, url))
    return episodes


def podcast_response(series, request) -> HttpResponse:
    # Podcast apps require a square cover (1400-3000 px): the series' own, or the platform's default.
    if series.cover_id:
        cover_url = absolute_url(series.cover.get_rendition(COVER_FILTER).url, request)
    else:
        cover_url = absolute_url(static(DEFAULT_COVER), request)
    feed = PodcastFeed(
        title=series.title,
        link=page_url(series, request),
        description=series.intro or series.title,
        language="zh-cn",
        feed_url=absolute_url(request.path, request),
        author_name=series.podcast_author,
        itunes_author=series.podcast_author,
        itunes_category=series.podcast_category,
        itunes_image=cover_url,
    )
    for lesson, recording, url in podcast_episodes(series):
        speakers = "、".join(link.speaker.name for link in lesson.lesson_speakers.all())
        feed.add_item(
            title=lesson.title,
            link=page_url(lesson, request),
            description=lesson.summary or lesson.title,
            unique_id=f"dangke-lesson-{lesson.pk}",
            unique_id_is_permalink=False,
            pubdate=timezone.make_aware(datetime.combine(lesson.date_given, time(9, 0))),
            enclosures=[
                feedgenerator.Enclosure(
                    absolute_url(url, request),
                    str(int(getattr(recording, "audio_edition_size", 0) or 0)),
                    audio_type(url),
                )
            ],
            itunes_duration=format_timestamp(recording.duration or 0),
            itunes_author=speakers or series.podcast_author,
            itunes_episode=lesson.episode_number,
            itunes_image=cover_url,
        )
    response = HttpResponse(content_type="application/rss+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response
