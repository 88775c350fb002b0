"""Live streams without nginx: the stream key, the publish window, the state machine with its
reconnect grace, nginx-rtmp's callbacks over HTTP, the live HLS view, watching now, the admin's
key page, the encoder's command and the rendered rtmp config."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

import pytest
from django.utils import timezone

from media import live
from media.factories import LiveStreamFactory, RecordingFactory
from media.models import LiveStream

Status = LiveStream.Status


@pytest.fixture
def stream(db, settings):
    settings.LIVE_WINDOW_MARGIN_SECONDS = 1800
    settings.LIVE_RECONNECT_GRACE_SECONDS = 180
    return LiveStreamFactory(scheduled_start=timezone.now() + timedelta(minutes=10))


def secret_of(stream_key: str) -> str:
    return stream_key.split("?key=", 1)[1]


# --- the key ----------------------------------------------------------------------------------


def test_the_key_is_shown_once_and_stored_only_as_a_hash(stream):
    key = live.issue_key(stream)
    name, secret = key.split("?key=")
    assert name == stream.stream_name
    stream.refresh_from_db()
    assert secret not in stream.key_hash and len(stream.key_hash) == 64
    assert live.key_matches(stream, secret)
    assert not live.key_matches(stream, secret + "x")
    assert not live.key_matches(stream, "")


def test_a_regenerated_key_replaces_the_old_one_and_a_revoked_key_matches_nothing(stream):
    old = secret_of(live.issue_key(stream))
    new = secret_of(live.issue_key(stream))
    assert not live.key_matches(stream, old) and live.key_matches(stream, new)
    live.revoke_key(stream)
    stream.refresh_from_db()
    assert not live.key_matches(stream, new)
    assert stream.key_revoked_at is not None and not stream.has_key
    with pytest.raises(live.PublishRefused):
        live.accept_publish(stream.stream_name, new)


# --- the publish check ------------------------------------------------------------------------


def test_publish_is_accepted_only_with_the_right_key_inside_the_window(stream):
    secret = secret_of(live.issue_key(stream))
    margin = timedelta(seconds=1800)
    with pytest.raises(live.PublishRefused):
        live.accept_publish(stream.stream_name, "wrong")
    with pytest.raises(live.PublishRefused):
        live.accept_publish(
            stream.stream_name, secret, now=stream.scheduled_start - margin - timedelta(seconds=1)
        )
    with pytest.raises(live.PublishRefused):
        live.accept_publish(
            stream.stream_name, secret, now=stream.scheduled_end + margin + timedelta(seconds=1)
        )
    with pytest.raises(live.PublishRefused):
        live.accept_publish(stream.stream_name, secret, app="hls")
    with pytest.raises(live.PublishRefused):  # the renditions' names are not for encoders
        live.accept_publish(f"{stream.stream_name}_v720", secret)
    stream.refresh_from_db()
    assert stream.status == Status.UPCOMING and stream.publish_count == 0

    accepted = live.accept_publish(stream.stream_name, secret, now=stream.scheduled_start - margin)
    assert accepted.status == Status.LIVE and accepted.publishing and accepted.publish_count == 1
    assert accepted.started_at == stream.scheduled_start - margin


def test_a_drop_and_reconnect_within_the_grace_continue_the_same_live(stream, settings):
    secret = secret_of(live.issue_key(stream))
    start = stream.scheduled_start
    live.accept_publish(stream.stream_name, secret, now=start)
    live.publish_done(stream.stream_name, now=start + timedelta(minutes=20))
    stream.refresh_from_db()
    assert stream.status == Status.LIVE and not stream.publishing
    # Within the grace the sweep leaves it alone; the encoder comes back.
    assert live.sweep_lives(now=start + timedelta(minutes=22)) == 0
    again = live.accept_publish(stream.stream_name, secret, now=start + timedelta(minutes=22))
    assert again.status == Status.LIVE and again.publish_count == 2 and again.started_at == start
    assert again.disconnected_at is None


def test_the_live_ends_after_the_grace_and_then_refuses_publishers(
    stream, settings, django_capture_on_commit_callbacks
):
    secret = secret_of(live.issue_key(stream))
    start = stream.scheduled_start
    live.accept_publish(stream.stream_name, secret, now=start)
    # While the encoder is sending (its updates come) nothing ends it, whatever the time.
    live.publish_update(stream.stream_name, now=start + timedelta(hours=5))
    assert live.sweep_lives(now=start + timedelta(hours=5, seconds=10)) == 0
    live.publish_done(stream.stream_name, now=start + timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert live.sweep_lives(now=start + timedelta(minutes=34)) == 1
    stream.refresh_from_db()
    assert stream.status == Status.ENDED
    assert stream.ended_at == start + timedelta(minutes=30)
    # The replay task ran (immediate backend) and found no recorded part.
    assert "没有录制" in stream.failure_reason
    with pytest.raises(live.PublishRefused):
        live.accept_publish(stream.stream_name, secret, now=start + timedelta(minutes=35))


def test_a_live_that_never_started_ends_when_its_window_closes(stream):
    closes = stream.scheduled_end + timedelta(seconds=1800)
    assert live.sweep_lives(now=closes - timedelta(seconds=1)) == 0
    assert live.sweep_lives(now=closes + timedelta(seconds=1)) == 1
    stream.refresh_from_db()
    assert stream.status == Status.ENDED and "未开始" in stream.failure_reason


def test_the_replay_state_follows_its_recording(stream):
    recording = RecordingFactory()
    LiveStream.objects.filter(pk=stream.pk).update(status=Status.REPLAY_PROCESSING, recording=recording)
    stream.refresh_from_db()
    assert stream.state == Status.REPLAY_PROCESSING
    assert live.promote_ready_replays() == 0
    ready = RecordingFactory(ready=True)
    LiveStream.objects.filter(pk=stream.pk).update(recording=ready)
    stream.refresh_from_db()
    assert stream.state == Status.REPLAY_READY  # shown at once
    assert live.promote_ready_replays() == 1
    stream.refresh_from_db()
    assert stream.status == Status.REPLAY_READY


def test_recorded_parts_are_in_broadcast_order(stream, settings, tmp_path):
    settings.LIVE_RECORD_ROOT = str(tmp_path)
    for stamp in ("1700000100", "1700000099", "1700000200"):
        (tmp_path / f"{stream.stream_name}-{stamp}.flv").write_bytes(b"FLV")
    (tmp_path / f"{stream.stream_name}-1700000300.flv").write_bytes(b"")  # an empty part is no part
    (tmp_path / "someoneelse-1.flv").write_bytes(b"FLV")
    names = [path.name for path in live.recorded_parts(stream)]
    assert names == [f"{stream.stream_name}-{s}.flv" for s in ("1700000099", "1700000100", "1700000200")]


# --- callbacks over HTTP ----------------------------------------------------------------------


def test_the_publish_callback_answers_2xx_or_403(client, stream):
    secret = secret_of(live.issue_key(stream))
    url = "/live/rtmp/publish"
    form = {"app": "live", "name": stream.stream_name, "key": secret, "addr": "203.0.113.9"}
    assert client.post(url, {**form, "key": "wrong"}, REMOTE_ADDR="127.0.0.1").status_code == 403
    # Only nginx-rtmp on this machine: never from elsewhere, never through the web proxy.
    assert client.post(url, form, REMOTE_ADDR="198.51.100.7").status_code == 403
    assert (
        client.post(url, form, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code
        == 403
    )
    stream.refresh_from_db()
    assert stream.status == Status.UPCOMING
    assert client.post(url, form, REMOTE_ADDR="127.0.0.1").status_code == 200
    stream.refresh_from_db()
    assert stream.status == Status.LIVE and stream.publishing
    done = client.post(
        "/live/rtmp/publish-done", {"app": "live", "name": stream.stream_name}, REMOTE_ADDR="127.0.0.1"
    )
    assert done.status_code == 200
    stream.refresh_from_db()
    assert not stream.publishing and stream.disconnected_at is not None


# --- the live HLS view and watching now -------------------------------------------------------


def write_live_hls(stream, rungs=("v480", "v360")):
    root = live.hls_root()
    for rung in (*rungs, "audio"):
        folder = root / f"{stream.stream_name}_{rung}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.m3u8").write_text(
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n#EXTINF:2.0,\n4.ts\n"
        )
        (folder / "4.ts").write_bytes(b"\x47" * 188)


def test_the_live_playlists_list_the_renditions_present_and_count_viewers(client, stream, make_user):
    LiveStream.objects.filter(pk=stream.pk).update(status=Status.LIVE, publishing=True)
    write_live_hls(stream)
    master = client.get(f"/live/hls/{stream.stream_name}.m3u8")
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl" and "no-cache" in master["Cache-Control"]
    uris = [line for line in master.content.decode().splitlines() if line and not line.startswith("#")]
    assert uris == [f"{stream.stream_name}_v480/index.m3u8", f"{stream.stream_name}_v360/index.m3u8"]
    assert "BANDWIDTH=1096000" in master.content.decode()  # 480p rung 1000k + audio 96k
    media = client.get(f"/live/hls/{stream.stream_name}_v480/index.m3u8")
    assert media.status_code == 200 and b"4.ts" in media.content
    segment = client.get(f"/live/hls/{stream.stream_name}_v480/4.ts")
    assert segment.status_code == 200 and segment["Content-Type"] == "video/mp2t"
    assert client.get(f"/live/hls/{stream.stream_name}_v480/..%2Fsecret.ts").status_code == 404
    assert client.get(f"/live/hls/{stream.stream_name}_v480/notes.txt").status_code == 404
    # The same viewer fetching again still counts once; another viewer makes two.
    assert live.watching_now(stream.pk) == 1
    other = client.__class__()
    other.force_login(make_user("viewer2"))
    other.get(f"/live/hls/{stream.stream_name}_audio/index.m3u8")
    assert live.watching_now(stream.pk) == 2
    status = client.get(f"/live/{stream.stream_name}/status/").json()
    assert status == {"state": "live", "label": "直播中", "watching": 2, "publishing": True}


@pytest.fixture(params=["shared cache", "file cache"])
def viewer_cache(request, settings, tmp_path):
    """Both ways of counting viewers: in a cache that adds atomically (Redis, here the in-process
    one) and, with the file cache, as marker files."""
    if request.param == "file cache":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                       "LOCATION": str(tmp_path / "cache")}}
    return request.param


def test_watching_now_is_per_window(db, settings, viewer_cache):
    settings.LIVE_VIEWER_WINDOW_SECONDS = 20
    live.note_viewer(7, "a", now=1000.0)
    live.note_viewer(7, "a", now=1001.0)
    live.note_viewer(7, "b", now=1005.0)
    assert live.watching_now(7, now=1010.0) == 2
    # The next window: last window's count holds until this one has more.
    live.note_viewer(7, "a", now=1021.0)
    assert live.watching_now(7, now=1022.0) == 2
    # Two windows on with nobody fetching: nobody watching.
    assert live.watching_now(7, now=1061.0) == 0


def _note_viewers_in_a_worker(count, now):
    for _ in range(5):
        for number in range(count):
            live.note_viewer(8, f"viewer-{number}", now=now)


def test_several_workers_on_the_file_cache_count_each_viewer_once(db, settings, tmp_path):
    # With the file cache, cache.add is check-then-write: four workers fetching the same players'
    # playlists once counted a third too many. Marker files are created atomically.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}
    settings.LIVE_VIEWER_WINDOW_SECONDS = 20
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_note_viewers_in_a_worker, args=(40, 1000.0)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert live.watching_now(8, now=1001.0) == 40
    # Windows before the last are cleared when a new one starts; an ended live forgets them all.
    live.note_viewer(8, "late", now=1045.0)
    assert sorted(p.name for p in (live.viewers_root() / "8").iterdir()) == ["52"]
    live.forget_viewers(8)
    assert live.watching_now(8, now=1045.0) == 0


def test_members_only_live_hls_is_for_signed_in_members(client, stream, make_user):
    LiveStream.objects.filter(pk=stream.pk).update(status=Status.LIVE, members_only=True)
    write_live_hls(stream)
    assert client.get(f"/live/hls/{stream.stream_name}.m3u8").status_code == 403
    assert client.get(f"/live/hls/{stream.stream_name}_v480/index.m3u8").status_code == 403
    assert client.get(f"/live/hls/{stream.stream_name}_v480/4.ts").status_code == 403
    assert client.get(f"/live/{stream.stream_name}/status/").status_code == 403
    client.force_login(make_user("member", role="党员"))
    assert client.get(f"/live/hls/{stream.stream_name}.m3u8").status_code == 200


def test_no_live_hls_unless_the_stream_is_live(client, stream):
    write_live_hls(stream)
    assert client.get(f"/live/hls/{stream.stream_name}.m3u8").status_code == 404
    LiveStream.objects.filter(pk=stream.pk).update(status=Status.LIVE)
    live.remove_live_hls(stream)
    assert client.get(f"/live/hls/{stream.stream_name}.m3u8").status_code == 404  # no signal yet


# --- the admin's key page ---------------------------------------------------------------------


def test_the_key_page_shows_a_new_key_once_and_revokes(client, stream, make_user):
    import re

    editor = make_user("editor", role="编辑", is_staff=True)
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(
        Permission.objects.get(codename="change_livestream"), Permission.objects.get(codename="access_admin")
    )
    url = f"/admin/media-pipeline/live/{stream.pk}/key/"
    assert client.get(url).status_code in (302, 403)
    client.force_login(editor)
    page = client.get(url)
    assert page.status_code == 200 and "生成推流码" in page.content.decode()
    issued = client.post(url, {"action": "issue"})
    assert "no-store" in issued["Cache-Control"]
    key = re.search(r"<code data-stream-key>([^<]+)</code>", issued.content.decode()).group(1)
    stream.refresh_from_db()
    assert live.key_matches(stream, secret_of(key))
    again = client.get(url).content.decode()
    assert secret_of(key) not in again and "重新生成推流码" in again
    client.post(url, {"action": "revoke"})
    stream.refresh_from_db()
    assert not stream.has_key and not live.key_matches(stream, secret_of(key))
    # A member without the permission gets nothing.
    client.force_login(make_user("member", role="党员"))
    assert client.post(url, {"action": "issue"}).status_code in (302, 403)


# --- the encoder and the rendered config ------------------------------------------------------


def test_the_encoder_makes_the_rungs_the_source_allows_plus_audio():
    from media.live_encoder import build_command, parse_ladder

    ladder = parse_ladder("720:2500,480:1000,360:600")
    hd = build_command(
        ffmpeg_binary="ffmpeg",
        source="rtmp://127.0.0.1/live/x",
        output="rtmp://127.0.0.1/hls/x",
        info={"width": 1280, "height": 720, "fps": 25.0, "has_audio": True},
        ladder=ladder,
    )
    outputs = [arg for arg in hd if arg.startswith("rtmp://127.0.0.1/hls/")]
    assert outputs == [
        "rtmp://127.0.0.1/hls/x_v720",
        "rtmp://127.0.0.1/hls/x_v480",
        "rtmp://127.0.0.1/hls/x_v360",
        "rtmp://127.0.0.1/hls/x_audio",
    ]
    assert "expr:gte(t,n_forced*2)" in hd and "50" in hd  # a keyframe every 2 s segment
    small = build_command(
        ffmpeg_binary="ffmpeg",
        source="s",
        output="o",
        info={"width": 640, "height": 360, "fps": 30.0, "has_audio": False},
        ladder=ladder,
    )
    assert [arg for arg in small if arg.startswith("o_")] == ["o_v360"]
    with pytest.raises(ValueError):
        parse_ladder("720p")


def test_render_nginx_writes_the_rtmp_block(tmp_path, settings):
    from django.core.management import call_command

    call_command(
        "render_nginx",
        "--output",
        str(tmp_path),
        "--main",
        "--ssl-certificate",
        "c.pem",
        "--ssl-certificate-key",
        "k.pem",
        "--upstream",
        "127.0.0.1:8123",
        "--rtmp-listen",
        "1935",
        "--live-ladder",
        "480:1000",
    )
    rtmp = (tmp_path / "rtmp.conf").read_text()
    assert "on_publish http://127.0.0.1:8123/live/rtmp/publish;" in rtmp
    assert "on_publish_done http://127.0.0.1:8123/live/rtmp/publish-done;" in rtmp
    assert "hls_fragment 2s;" in rtmp and "record_unique on;" in rtmp
    assert "live_encoder.py --input rtmp://127.0.0.1:1935/live/$name" in rtmp and "--ladder 480:1000" in rtmp
    main = (tmp_path / "nginx.conf").read_text()
    assert (
        "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;" in main
        and f"include {tmp_path / 'rtmp.conf'};" in main
    )
    site = (tmp_path / "dangke.conf").read_text()
    assert "location /live/rtmp/ { return 404; }" in site
    # Without --rtmp-listen there is no rtmp block at all.
    plain = tmp_path / "plain"
    call_command(
        "render_nginx",
        "--output",
        str(plain),
        "--main",
        "--ssl-certificate",
        "c",
        "--ssl-certificate-key",
        "k",
    )
    assert not (plain / "rtmp.conf").exists() and "rtmp" not in (plain / "nginx.conf").read_text()


def test_an_encoder_lost_without_publish_done_ends_the_live_once_its_updates_stop(stream, settings, client):
    settings.LIVE_UPDATE_SECONDS = 30
    secret = secret_of(live.issue_key(stream))
    start = stream.scheduled_start
    live.accept_publish(stream.stream_name, secret, now=start)
    assert live.publish_update(stream.stream_name, now=start + timedelta(minutes=10))
    # Updates keep it live while they come, publishing or not.
    assert live.sweep_lives(now=start + timedelta(minutes=10, seconds=200)) == 0
    # Silence for longer than three updates plus the grace: the encoder is gone (nginx restarted).
    assert live.sweep_lives(now=start + timedelta(minutes=10, seconds=271)) == 1
    stream.refresh_from_db()
    assert stream.status == Status.ENDED and not stream.publishing
    assert stream.ended_at == start + timedelta(minutes=10)
    # An encoder still sending into an ended live is dropped at its next update.
    form = {"app": "live", "name": stream.stream_name, "call": "update_publish"}
    assert client.post("/live/rtmp/update", form, REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.post("/live/rtmp/update", form, REMOTE_ADDR="10.1.1.1").status_code == 403


def test_updates_keep_a_live_encoder(stream, client):
    secret = secret_of(live.issue_key(stream))
    live.accept_publish(stream.stream_name, secret)
    form = {"app": "live", "name": stream.stream_name, "call": "update_publish"}
    assert client.post("/live/rtmp/update", form, REMOTE_ADDR="127.0.0.1").status_code == 200


def test_segment_links_in_a_media_playlist_are_signed_as_nginx_checks_them(settings):
    import base64
    import hashlib

    settings.LIVE_SEGMENT_SECRET = "s" * 40
    settings.LIVE_SEGMENT_LINK_SECONDS = 120
    text = "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:4\n#EXTINF:2.0,\n4.ts\n#EXTINF:2.0,\n5.ts\n"
    signed = live.sign_media_playlist(text, "/live/hls/abc_v480/index.m3u8", now=1000.0)
    lines = signed.splitlines()
    assert lines[:3] == ["#EXTM3U", "#EXT-X-MEDIA-SEQUENCE:4", "#EXTINF:2.0,"]
    assert signed.endswith("\n")
    # The expiry is the end of a 30-second window after now + 120 s: shared by every player then.
    expires = 1140
    for line, name in ((lines[3], "4.ts"), (lines[5], "5.ts")):
        # nginx: secure_link $arg_st,$arg_e; secure_link_md5 "$secure_link_expires$uri <secret>"
        digest = hashlib.md5(f"{expires}/live/hls/abc_v480/{name} {'s' * 40}".encode()).digest()  # noqa: S324 (nginx secure_link is MD5)
        token = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        assert line == f"{name}?e={expires}&st={token}"
    assert live.sign_media_playlist(text, "/live/hls/abc_v480/index.m3u8", now=1009.0) == signed


def test_the_segment_secret_comes_from_the_secret_key_unless_set(settings):
    settings.LIVE_SEGMENT_SECRET = ""
    settings.SECRET_KEY = "one"
    first = live.segment_secret()
    settings.SECRET_KEY = "two"
    assert live.segment_secret() != first and len(first) == 64
    settings.LIVE_SEGMENT_SECRET = "x" * 32
    assert live.segment_secret() == "x" * 32
