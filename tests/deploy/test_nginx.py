"""Through nginx, as in production: pages, static files, HLS byte ranges, members-only files by
X-Accel-Redirect, and the sign-in limit by the real client address (trusted proxies only)."""

import re

import pytest

from .conftest import LOGIN_ATTEMPTS

pytestmark = pytest.mark.nginx

SEGMENT = bytes(range(256)) * 64  # 16 KiB standing in for an fMP4 segment


def test_pages_and_static_files_through_nginx(stack):
    browser = stack.browser()
    home = browser.get("/")
    assert home.status == 200
    assert "党课" in home.text
    static = re.search(r'(/static/[^"\']+\.css)', home.text)
    assert static, "the home page links a stylesheet"
    css = browser.get(static.group(1))
    assert css.status == 200
    assert "immutable" in css.headers["Cache-Control"]
    assert css.headers["Content-Type"].startswith("text/css")
    # gunicorn knows it is behind HTTPS (X-Forwarded-Proto), so it does not redirect in a loop.
    assert browser.get("/accounts/login/").status == 200
    # Health through nginx, and plain HTTP moves to HTTPS except for health probes.
    assert browser.get("/healthz").headers["Content-Type"] == "application/json"
    import http.client

    plain = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    plain.request("GET", "/routes/", headers={"Host": "127.0.0.1"})
    moved = plain.getresponse()
    assert moved.status == 301
    assert moved.getheader("Location") == f"https://127.0.0.1:{stack.https_port}/routes/"
    plain.close()


def write_renditions(recording):
    folder = recording.rendition_dir()
    (folder / "hls").mkdir(parents=True)
    (folder / "hls" / "master.m3u8").write_text("#EXTM3U\n#EXT-X-VERSION:7\n")
    (folder / "hls" / "v720.m4s").write_bytes(SEGMENT)
    (folder / "storyboard.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:10.000\nstoryboard.jpg#xywh=0,0,160,90\n")
    (folder / "video.mp4").write_bytes(SEGMENT)
    return folder


def test_hls_segments_answer_byte_ranges_with_their_types(stack):
    from media.factories import RecordingFactory

    recording = RecordingFactory(ready=True)
    write_renditions(recording)
    browser = stack.browser()
    base = f"/media/recordings/{recording.pk}/{recording.rendition_key}"
    ranged = browser.get(f"{base}/hls/v720.m4s", Range="bytes=100-1123")
    assert ranged.status == 206
    assert ranged.headers["Content-Range"] == f"bytes 100-1123/{len(SEGMENT)}"
    assert ranged.body == SEGMENT[100:1124]
    assert ranged.headers["Content-Type"] == "video/iso.segment"
    assert "max-age" in ranged.headers["Cache-Control"]
    playlist = browser.get(f"{base}/hls/master.m3u8")
    assert playlist.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    assert browser.get(f"{base}/storyboard.vtt").headers["Content-Type"].startswith("text/vtt")
    # The same file through Django's view (the default link) is handed to nginx and still ranged.
    via_view = browser.get(f"/recordings/{recording.pk}/{recording.rendition_key}/hls/v720.m4s",
                           Range="bytes=0-9")
    assert via_view.status == 206 and via_view.body == SEGMENT[:10]
    assert "X-Accel-Redirect" not in via_view.headers


def test_members_only_files_are_refused_anonymously_and_served_signed_in(stack, make_user):
    from media.factories import RecordingFactory

    recording = RecordingFactory(ready=True, members_only=True)
    folder = write_renditions(recording)
    assert str(stack.var_dir / "private") in str(folder)
    path = f"/recordings/{recording.pk}/{recording.rendition_key}/video.mp4"
    anonymous = stack.browser()
    assert anonymous.get(path).status == 403
    # The private folder has no URL: the internal location answers only X-Accel-Redirect.
    relative = folder.relative_to(stack.var_dir / "private")
    assert anonymous.get(f"/protected-media/{relative}/video.mp4").status == 404
    assert anonymous.get(f"/media/recordings/{recording.pk}/{recording.rendition_key}/video.mp4").status == 404

    make_user("member1", role="党员")
    member = stack.browser()
    assert member.sign_in("member1").status == 302
    served = member.get(path)
    assert served.status == 200
    assert served.body == SEGMENT
    assert served.headers["Content-Type"] == "video/mp4"
    assert "private" in served.headers["Cache-Control"]
    assert "X-Accel-Redirect" not in served.headers
    ranged = member.get(path, Range="bytes=16-31")
    assert ranged.status == 206 and ranged.body == SEGMENT[16:32]


def test_documents_and_original_images_are_never_files_by_url(stack):
    for folder in ("documents", "original_images"):
        target = stack.var_dir / "media" / folder
        target.mkdir(parents=True, exist_ok=True)
        (target / "secret.pdf").write_bytes(b"%PDF-1.4 members only")
        assert stack.browser().get(f"/media/{folder}/secret.pdf").status == 404


def failed_sign_ins(browser, count, *, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else None
    return [browser.sign_in(f"nobody{i}", "wrong", headers=headers).status for i in range(count)]


def test_the_sign_in_limit_keys_on_the_real_client_address(stack, make_user):
    make_user("zhao", role="党员")
    load_balancer = stack.browser("127.0.0.1")  # trusted by nginx: its X-Forwarded-For counts
    # One person behind the load balancer fails LOGIN_ATTEMPTS times (different usernames): locked.
    statuses = failed_sign_ins(load_balancer, LOGIN_ATTEMPTS, forwarded="203.0.113.7")
    assert statuses[-1] == 429 and statuses[:-1] == [200] * (LOGIN_ATTEMPTS - 1)
    locked = stack.browser("127.0.0.1").sign_in("zhao", headers={"X-Forwarded-For": "203.0.113.7"})
    assert locked.status == 429
    assert "登录失败次数过多，请 10 分钟后再试" in locked.text
    # Someone else behind the same load balancer is not locked out by them.
    other = stack.browser("127.0.0.1").sign_in("zhao", headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status == 302

    # A client nginx does not trust (127.0.0.2) cannot pick its address with the header.
    stranger = stack.browser("127.0.0.2")
    failed_sign_ins(stranger, LOGIN_ATTEMPTS, forwarded="198.51.100.9")
    spoofing = stack.browser("127.0.0.2").sign_in("zhao", headers={"X-Forwarded-For": "198.51.100.10"})
    assert spoofing.status == 429  # locked as 127.0.0.2, whatever it claims
    # ... and the address it claimed was never locked.
    claimed = stack.browser("127.0.0.1").sign_in("zhao", headers={"X-Forwarded-For": "198.51.100.9"})
    assert claimed.status == 302


def test_the_admin_sign_in_is_limited_through_nginx(stack, make_user):
    make_user("editor1", role="编辑")
    browser = stack.browser("127.0.0.1")
    headers = {"X-Forwarded-For": "203.0.113.50"}
    statuses = [browser.sign_in("editor1", "wrong", path="/admin/login/", headers=headers).status
                for _ in range(LOGIN_ATTEMPTS)]
    assert statuses[-1] == 429
    refused = stack.browser("127.0.0.1").sign_in("editor1", path="/admin/login/",
                                                 headers={"X-Forwarded-For": "203.0.113.51"})
    assert refused.status == 429  # the username is locked, from any address
