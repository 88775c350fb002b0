"""A live lesson's page in each state of its live (upcoming with countdown and calendar entry, live
with the player and the number watching, ended, replay being prepared, replay ready = on-demand),
the .ics, members-only lives, and live watching counted as study time by the same heartbeats."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from lessons.models import LessonProgress
from media import live
from media.factories import LiveStreamFactory, RecordingFactory
from media.models import LiveStream

pytestmark = pytest.mark.django_db
Status = LiveStream.Status


@pytest.fixture
def stream(db):
    return LiveStreamFactory(title="党课开讲啦·直播", scheduled_start=timezone.now() + timedelta(days=1))


@pytest.fixture
def lesson(make_lesson, stream):
    return make_lesson(title="直播党课：红色记忆", live_stream=stream)


def set_state(stream, status, **fields):
    LiveStream.objects.filter(pk=stream.pk).update(status=status, **fields)


def test_upcoming_shows_the_start_a_countdown_and_add_to_calendar(client, lesson, stream):
    page = client.get(lesson.url).content.decode()
    assert 'data-live-state="upcoming"' in page and "即将开始" in page
    assert "data-live-countdown" in page
    assert f'href="/lessons/live/{stream.pk}.ics"' in page and "添加到日历" in page
    assert "lessons/js/live-lesson.js" in page
    assert "data-hls" not in page  # no player before the live


def test_live_shows_the_live_player_and_the_number_watching(client, lesson, stream):
    set_state(stream, Status.LIVE, publishing=True)
    live.note_viewer(stream.pk, "someone")
    live.note_viewer(stream.pk, "someone else")
    page = client.get(lesson.url).content.decode()
    assert 'data-live-state="live"' in page and "直播中" in page
    assert f'data-hls="/live/hls/{stream.stream_name}.m3u8"' in page
    assert f'data-audio-hls="/live/hls/{stream.stream_name}_audio/index.m3u8"' in page
    assert "media-player--live" in page
    assert "<span data-live-watching>2</span>" in page
    assert "media/player.js" in page and "<script>" not in page  # no inline script (CSP)


@pytest.mark.parametrize(
    ("status", "text"),
    [(Status.ENDED, "直播已结束"), (Status.REPLAY_PROCESSING, "回放正在准备中")],
)
def test_after_the_live_the_page_says_what_comes_next(client, lesson, stream, status, text):
    set_state(stream, status, recording=RecordingFactory() if status == Status.REPLAY_PROCESSING else None)
    page = client.get(lesson.url).content.decode()
    assert text in page
    assert "data-hls" not in page


def test_a_ready_replay_makes_the_page_an_on_demand_lesson(client, lesson, stream, member, unmetered):
    replay = RecordingFactory(ready=True, duration=120)
    set_state(stream, Status.REPLAY_PROCESSING, recording=replay)
    page = client.get(lesson.url).content.decode()
    assert "data-live-lesson" not in page
    assert f"/recordings/{replay.pk}/{replay.rendition_key}/hls/master.m3u8" in page
    assert "lessons/js/live-lesson.js" not in page
    # Heartbeats now count against the replay's duration.
    client.force_login(member)
    response = client.post(
        "/api/v1/progress/",
        data=json.dumps({"lesson": lesson.pk, "position": 60, "ranges": [[0, 500]]}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["played_seconds"] == 120


def test_live_watching_counts_as_study_time(client, lesson, stream, member):
    set_state(stream, Status.LIVE, publishing=True)
    client.force_login(member)

    def beat(ranges, position):
        body = {"lesson": lesson.pk, "position": position, "ranges": ranges, "duration": None}
        return client.post("/api/v1/progress/", data=json.dumps(body), content_type="application/json")

    assert beat([], 0).status_code == 200  # the player's start heartbeat
    # 30 s of real time pass while the member watches (the server allows what real time allows).
    LessonProgress.objects.filter(user=member, lesson=lesson).update(
        last_heartbeat_at=timezone.now() - timedelta(seconds=30)
    )
    response = beat([[0, 30]], 30)
    assert response.status_code == 200
    assert response.json()["played_seconds"] == 30


def test_the_calendar_entry(client, lesson, stream):
    response = client.get(f"/lessons/live/{stream.pk}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    start = stream.scheduled_start.astimezone(UTC)
    assert "BEGIN:VEVENT" in text and f"UID:live-{stream.pk}@dangke" in text
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in text
    assert "SUMMARY:直播党课：直播党课：红色记忆" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert f"http://testserver{lesson.url}" in text.replace("\r\n ", "")
    assert client.get("/lessons/live/999999.ics").status_code == 404


def test_members_only_live_lesson(client, make_lesson, stream, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        lesson = make_lesson(title="党员直播", live_stream=stream, audience="members")
    stream.refresh_from_db()
    assert stream.members_only  # the live HLS refuses anonymous viewers from now on
    response = client.get(lesson.url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(f"/lessons/live/{stream.pk}.ics").status_code == 404
    client.force_login(member)
    assert client.get(lesson.url).status_code == 200
    assert client.get(f"/lessons/live/{stream.pk}.ics").status_code == 200
