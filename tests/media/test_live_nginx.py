"""A live lesson end to end on real components: nginx-rtmp on loopback asks Django on every publish
(wrong, revoked and out-of-window keys refused), the live encoder (ffmpeg from media/live_encoder.py)
makes the HLS rendition the 320x180 source allows plus audio, the playlist appears and advances
through nginx, a dropped stream that comes back continues the same live, and after the grace the
recorded parts become the replay (the full recording pipeline) and the lesson page turns on-demand."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.processes import wait_until

from .live_stack import start_live_stack, stop_live_stack

pytestmark = [pytest.mark.live, pytest.mark.slow]

MEDIA_SEQUENCE = re.compile(r"#EXT-X-MEDIA-SEQUENCE:(\d+)")


@pytest.fixture(scope="module")
def live_nginx(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        stack = start_live_stack(tmp_path_factory.mktemp("live-stack"))
    try:
        yield stack
    finally:
        stop_live_stack(stack)


@pytest.fixture
def stack(live_nginx, settings, django_db_serialized_rollback, transactional_db):
    settings.MEDIA_ROOT = live_nginx.var_dir / "media"
    settings.PRIVATE_MEDIA_ROOT = live_nginx.var_dir / "private"
    from cms.demo import ensure_site_tree

    ensure_site_tree()
    return live_nginx


def refused(stack, key, tmp_path) -> bool:
    """An encoder with this stream key is turned away at once (nginx-rtmp's on_publish got a 403)."""
    pusher = stack.push(key, seconds=5, log=tmp_path / "refused.log")
    try:
        return pusher.wait(timeout=30) != 0
    except subprocess.TimeoutExpired:
        pusher.kill()
        pusher.wait()
        return False


def playlist(browser, path):
    response = browser.get(path)
    return response.text if response.status == 200 else None


def test_a_live_lesson_from_publish_to_replay(stack, settings, tmp_path):
    from lessons.factories import LessonIndexPageFactory, LessonPageFactory, LessonSpeakerFactory
    from media import live
    from media.factories import LiveStreamFactory
    from media.models import LiveStream

    now = timezone.now()
    stream = LiveStreamFactory(title="直播：党课开讲啦", scheduled_start=now + timedelta(minutes=5))
    index = LessonIndexPageFactory(parent=__import__("wagtail.models").models.Page.objects.get(depth=2))
    lesson = LessonPageFactory(parent=index, title="党课开讲啦·直播", live_stream=stream)
    LessonSpeakerFactory(page=lesson)
    lesson.save_revision().publish()
    browser = stack.browser()

    # Wrong, revoked, and out-of-window keys are refused; the live stays upcoming.
    assert refused(stack, f"{stream.stream_name}?key=wrong", tmp_path)
    old_key = live.issue_key(stream)
    live.revoke_key(stream)
    assert refused(stack, old_key, tmp_path)
    later = LiveStreamFactory(scheduled_start=now + timedelta(days=2))
    assert refused(stack, live.issue_key(later), tmp_path)
    stream.refresh_from_db()
    assert stream.status == LiveStream.Status.UPCOMING
    page = browser.get(lesson.url)
    assert page.status == 200 and "即将开始" in page.text and "添加到日历" in page.text

    # The right key in the window: live, the playlist appears and advances through nginx.
    key = live.issue_key(stream)
    first = stack.push(key, seconds=14, log=tmp_path / "part1.log")
    master_path = f"/live/hls/{stream.stream_name}.m3u8"
    master = wait_until(
        lambda: playlist(browser, master_path), timeout=40, interval=0.5, message="the live master playlist"
    )
    stream.refresh_from_db()
    assert stream.status == LiveStream.Status.LIVE and stream.publishing
    # A 320x180 source gets one video rung at its own size (never above it), and the audio rendition.
    variants = [line for line in master.splitlines() if line and not line.startswith("#")]
    assert variants == [f"{stream.stream_name}_v180/index.m3u8"]
    media_path = f"/live/hls/{variants[0]}"
    first_list = wait_until(
        lambda: playlist(browser, media_path), timeout=20, interval=0.5, message="media playlist"
    )
    start_sequence = int(MEDIA_SEQUENCE.search(first_list).group(1))
    segments_seen = set(re.findall(r"^(\d+\.ts)\?", first_list, re.M))

    def advanced():
        text = playlist(browser, media_path)
        if not text:
            return None
        segments_seen.update(re.findall(r"^(\d+\.ts)\?", text, re.M))
        sequence = int(MEDIA_SEQUENCE.search(text).group(1))
        return (
            text
            if sequence > start_sequence
            or len(segments_seen) > len(set(re.findall(r"^(\d+\.ts)\?", first_list, re.M)))
            else None
        )

    latest = wait_until(advanced, timeout=30, interval=0.5, message="the live playlist to advance")
    # nginx serves a segment only through the signed link the playlist gave.
    signed = re.search(r"^(\d+\.ts)\?(\S+)$", latest, re.M)
    segment_path = f"/live/hls/{stream.stream_name}_v180/{signed.group(1)}"
    segment = browser.get(f"{segment_path}?{signed.group(2)}")
    assert segment.status == 200 and segment.headers["Content-Type"] == "video/mp2t"
    assert segment.body[:1] == b"\x47"  # MPEG-TS sync byte
    assert browser.get(segment_path).status == 403  # no signature: refused
    settings.LIVE_SEGMENT_SECRET = stack.segment_secret
    expires = int(re.search(r"e=(\d+)", signed.group(2)).group(1))
    assert signed.group(2) == f"e={expires}&st={live.segment_token(segment_path, expires)}"
    forged = live.segment_token(f"/live/hls/{stream.stream_name}_v180/other.ts", expires)
    assert browser.get(f"{segment_path}?e={expires}&st={forged}").status == 403  # another path's
    assert browser.get(f"{segment_path}?e={expires + 600}&st={signed.group(2).split('st=')[1]}").status == 403
    past = int(time.time()) - 5
    assert browser.get(f"{segment_path}?e={past}&st={live.segment_token(segment_path, past)}").status == 410
    assert playlist(browser, f"/live/hls/{stream.stream_name}_audio/index.m3u8")
    page = browser.get(lesson.url)
    assert "直播中" in page.text and f'data-hls="{master_path}"' in page.text
    assert "正在观看" in page.text

    # The encoder drops; it comes back within the grace: the same live goes on.
    assert first.wait(timeout=60) == 0
    wait_until(
        lambda: not LiveStream.objects.get(pk=stream.pk).publishing, timeout=20, message="publish_done"
    )
    settings.LIVE_RECONNECT_GRACE_SECONDS = 600
    assert live.sweep_lives() == 0
    second = stack.push(key, seconds=6, log=tmp_path / "part2.log")
    wait_until(
        lambda: LiveStream.objects.get(pk=stream.pk).publish_count == 2, timeout=20, message="reconnect"
    )
    assert second.wait(timeout=60) == 0
    wait_until(
        lambda: not LiveStream.objects.get(pk=stream.pk).publishing, timeout=20, message="publish_done"
    )
    stream.refresh_from_db()
    assert stream.status == LiveStream.Status.LIVE

    # Past the grace: ended, both parts concatenated and transcoded by the recording pipeline.
    settings.LIVE_RECONNECT_GRACE_SECONDS = 0
    assert live.sweep_lives(now=timezone.now() + timedelta(seconds=1)) == 1
    stream.refresh_from_db()
    assert stream.state == LiveStream.Status.REPLAY_READY, stream.failure_reason
    assert len(stream.replay_parts) == 2
    replay = stream.recording
    assert replay.is_ready and replay.renditions["hls"] and replay.renditions["audio"]
    assert replay.renditions["poster"] and replay.renditions["storyboard_vtt"]
    assert replay.duration > 12  # both parts (the encoder-side lag aside), not just the last one
    assert not live.recorded_parts(stream)  # the parts now live on as the recording's original
    page = browser.get(lesson.url)
    assert "直播中" not in page.text
    assert f"/recordings/{replay.pk}/{replay.rendition_key}/hls/master.m3u8" in page.text
    assert browser.get(master_path).status == 404  # the live playlist is gone


@pytest.fixture
def chromium_page(csp_watch):
    """A Chromium page on the stack's nginx (not the live_server), watched for CSP violations like every
    browser test's page (tests/conftest.py)."""
    import os
    import shutil

    from tests.conftest import CHROMIUM, CHROMIUM_ARGS, WatchedBrowser, _wait_for_function_without_eval

    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import Page, sync_playwright

    with sync_playwright() as playwright, pytest.MonkeyPatch.context() as patch:
        patch.setattr(Page, "wait_for_function", _wait_for_function_without_eval)
        browser = WatchedBrowser(
            playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS), csp_watch
        )
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", ignore_https_errors=True)
        page = context.new_page()
        page.set_default_timeout(30000)
        yield page
        context.close()
        browser.close()
    if csp_watch.violations:
        lines = "\n".join(f"  - {v}" for v in csp_watch.violations)
        pytest.fail(f"the Content-Security-Policy blocked something on these pages:\n{lines}", pytrace=False)


@pytest.mark.browser
def test_a_member_watches_the_live_in_chromium_and_it_counts_as_study_time(
    stack, settings, tmp_path, make_user, chromium_page
):
    from django.conf import global_settings

    from lessons.factories import LessonIndexPageFactory, LessonPageFactory, LessonSpeakerFactory
    from lessons.models import LessonProgress
    from media import live
    from media.factories import LiveStreamFactory
    from tests.conftest import sign_in

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # gunicorn checks the password
    member = make_user("live-member", role="党员")
    stream = LiveStreamFactory(scheduled_start=timezone.now())
    index = LessonIndexPageFactory(parent=__import__("wagtail.models").models.Page.objects.get(depth=2))
    lesson = LessonPageFactory(parent=index, title="党员直播", live_stream=stream, audience="members")
    LessonSpeakerFactory(page=lesson)
    lesson.save_revision().publish()
    pusher = stack.push(live.issue_key(stream), seconds=25, log=tmp_path / "push.log")
    try:
        browser = stack.browser()
        master = f"/live/hls/{stream.stream_name}.m3u8"
        assert wait_until(
            lambda: browser.get(master).status == 403,
            timeout=40,
            interval=0.5,
            message="the live to start (members only: 403 anonymously)",
        )
        page = chromium_page
        origin = f"https://127.0.0.1:{stack.https_port}"
        sign_in(page, origin, "live-member")
        # The page opens before the encoder's first segments: the player retries until the signal comes.
        page.goto(origin + lesson.url)
        page.wait_for_function("document.querySelector('[data-media-player][data-live]')")
        page.wait_for_function("document.querySelector('[data-media-player]').dataset.engine === 'hls.js'")
        page.evaluate("document.querySelector('[data-media-player] video').muted = true")
        page.evaluate("void document.querySelector('[data-media-player] video').play().catch(() => {})")
        page.wait_for_function(
            "(() => { const v = document.querySelector('[data-media-player] video');"
            " window.firstTime = window.firstTime ?? v.currentTime; return v.currentTime > window.firstTime + 2; })()"
        )
        # Pausing sends the heartbeat: the seconds watched live are in the study record.
        page.evaluate("document.querySelector('[data-media-player] video').pause()")
        wait_until(
            lambda: LessonProgress.objects.filter(user=member, lesson=lesson, played_seconds__gt=1).exists(),
            timeout=20,
            message="the live heartbeat",
        )
        # Listen mode loads the audio-only rendition into the same player.
        page.get_by_role("button", name="只听声音").click()
        assert page.get_by_role("button", name="返回视频").get_attribute("aria-pressed") == "true"
        page.evaluate("void document.querySelector('[data-media-player] video').play().catch(() => {})")
        page.wait_for_function(
            "(() => { const v = document.querySelector('[data-media-player] video');"
            " window.audioTime = window.audioTime ?? v.currentTime; return v.currentTime > window.audioTime + 1; })()"
        )
        assert "_audio/index.m3u8" in page.evaluate(
            "performance.getEntriesByType('resource').map(e => e.name).join(' ')"
        )
    finally:
        pusher.kill()
        pusher.wait()
