"""What the player downloads and shows: hls.js only where HLS plays through Media Source Extensions
(not in the WeChat browser, which gets the MP4), and one seek bar (the browser's own)."""

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
    "Chrome/116.0.0.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35) NetType/WIFI Language/zh_CN"
)


@pytest.fixture
def ready_recording(live_site, clips, small_ladder, make_user):
    from media.services import ingest_file

    make_user("editor1", is_superuser=True, is_staff=True)
    recording = ingest_file(clips["video"], title="加载测试")
    recording.refresh_from_db()
    assert recording.is_ready, recording.failure_reason
    return recording


def open_preview(browser, live_site, recording, **context_options):
    context = browser.new_context(locale="zh-CN", **context_options)
    page = context.new_page()
    page.set_default_timeout(20000)
    scripts = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    sign_in(page, live_site.url, "editor1")
    page.goto(f"{live_site.url}/admin/media-pipeline/{recording.pk}/preview/")
    page.locator("[data-media-player] video").wait_for()
    return context, page, scripts


def test_chromium_loads_hls_js_and_shows_one_seek_bar(browser, live_site, ready_recording):
    context, page, scripts = open_preview(browser, live_site, ready_recording)
    page.wait_for_function("document.querySelector('[data-media-player]').dataset.engine === 'hls.js'")
    assert any("hls.min" in url for url in scripts)
    # The custom range is not shown next to the video's own timeline.
    assert not page.locator("[data-media-player] [data-seek]").is_visible()
    assert page.evaluate("document.querySelector('[data-media-player] video').controls")
    context.close()


def test_wechat_plays_the_mp4_without_downloading_hls_js(browser, live_site, ready_recording):
    context, page, scripts = open_preview(browser, live_site, ready_recording, user_agent=WECHAT_UA)
    page.wait_for_function("document.querySelector('[data-media-player]').dataset.engine === 'mp4'")
    page.evaluate("document.querySelector('[data-media-player] video').muted = true")
    page.evaluate("document.querySelector('[data-media-player] video').play()")
    page.wait_for_function("document.querySelector('[data-media-player] video').currentTime > 0.3")
    assert not any("hls.min" in url for url in scripts), scripts
    context.close()
