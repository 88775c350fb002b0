"""A person presses play: hls.js plays the transcoded clip in headless Chromium, the listen-mode
switch keeps the position, and dangke:player-ready reports the element now playing."""

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_hls_js_plays_a_transcoded_clip_and_listen_mode_keeps_the_position(
    live_site, browser_page, clips, small_ladder, make_user
):
    from media.services import ingest_file

    make_user("editor1", is_superuser=True, is_staff=True)
    recording = ingest_file(clips["video"], title="浏览器播放测试")
    recording.refresh_from_db()
    assert recording.is_ready, recording.failure_reason

    page = browser_page
    page.add_init_script(
        "document.addEventListener('dangke:player-ready', e => {"
        " (window.readyEvents = window.readyEvents || []).push(e.detail.media.tagName); });"
    )
    sign_in(page, live_site.url, "editor1")
    page.goto(f"{live_site.url}/admin/media-pipeline/{recording.pk}/preview/")
    player = page.locator("[data-media-player]")
    player.wait_for()
    page.wait_for_function("document.querySelector('[data-media-player]').dataset.engine === 'hls.js'")
    page.evaluate("document.querySelector('[data-media-player] video').muted = true")
    page.evaluate("document.querySelector('[data-media-player] video').play()")
    page.wait_for_function("document.querySelector('[data-media-player] video').currentTime > 0.5")
    assert page.evaluate("window.readyEvents") == ["VIDEO"]

    page.get_by_role("button", name="只听声音").click()
    assert page.evaluate("window.readyEvents") == ["VIDEO", "AUDIO"]
    page.wait_for_function(
        "(() => { const c = document.querySelector('[data-media-player]');"
        " return c.dangkePlayer.media.tagName === 'AUDIO' && c.dangkePlayer.media.currentTime > 0.5; })()"
    )
    assert page.get_by_role("button", name="返回视频").get_attribute("aria-pressed") == "true"

    page.evaluate("document.querySelector('[data-media-player]').dangkePlayer.seek(2)")
    page.wait_for_function("document.querySelector('[data-media-player]').dangkePlayer.media.currentTime >= 2")
    page.select_option("[data-speed]", "1.5")
    assert page.evaluate("document.querySelector('[data-media-player]').dangkePlayer.media.playbackRate") == 1.5
