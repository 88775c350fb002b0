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
        "document.addEventListener('DOMContentLoaded', () => document.addEventListener('dangke:player-ready',"
        " e => { (window.readyEvents = window.readyEvents || []).push(e.detail.media.tagName); }));"
    )
    sign_in(page, live_site.url, "editor1")
    page.goto(f"{live_site.url}/admin/media-pipeline/{recording.pk}/preview/")
    player = page.locator("[data-media-player]")
    player.wait_for()
    page.wait_for_function("document.querySelector('[data-media-player]').dataset.engine === 'hls.js'")
    # A listener added by a later script on the page (as a lesson page does) still hears "ready".
    page.wait_for_function("(window.readyEvents || []).length === 1")
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


def test_the_admin_list_refreshes_progress_while_you_look(live_site, browser_page, make_user):
    from media.models import Recording

    make_user("editor2", is_superuser=True, is_staff=True)
    recording = Recording.objects.create(title="长讲座", file="x/long.mp4", status="transcoding", progress=10)
    page = browser_page
    sign_in(page, live_site.url, "editor2")
    page.goto(f"{live_site.url}/admin/media/")
    badge = page.locator(f'[data-recording-status][data-id="{recording.pk}"]')
    assert "10%" in badge.inner_text()
    Recording.objects.filter(pk=recording.pk).update(progress=64)
    page.wait_for_function(
        f"document.querySelector('[data-recording-status][data-id=\"{recording.pk}\"]').innerText.includes('64%')"
    )
    Recording.objects.filter(pk=recording.pk).update(status="failed", failure_reason="转码失败：测试原因")
    page.wait_for_function(
        f"document.querySelector('[data-recording-status][data-id=\"{recording.pk}\"]').innerText.includes('测试原因')"
    )


def test_the_admin_uploads_a_file_in_chunks_with_tus(live_site, browser_page, make_user, clips, small_ladder, settings):
    from media.models import Recording

    settings.MEDIA_TUS_MAX_CHUNK = 16 * 1024
    make_user("editor3", is_superuser=True, is_staff=True)
    page = browser_page
    sign_in(page, live_site.url, "editor3")
    page.goto(f"{live_site.url}/admin/media-pipeline/upload/")
    page.set_input_files("#upload-file", str(clips["silent"]))
    assert page.input_value("#upload-title") == "silent"
    page.fill("#upload-title", "分块上传的讲座")
    page.check("#upload-members-only")
    page.get_by_role("button", name="开始上传").click()
    page.wait_for_url("**/admin/media/edit/**", timeout=30000)
    recording = Recording.objects.get(title="分块上传的讲座")
    assert recording.members_only
    assert recording.file.size == clips["silent"].stat().st_size
    assert recording.status == Recording.Status.READY, recording.failure_reason
