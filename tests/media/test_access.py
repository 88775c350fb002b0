"""Who gets which file: members-only files only to signed-in users, never by a public URL."""

import pytest
from django.urls import reverse

from media.services import set_members_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def recording(clips, ingest):
    return ingest(clips["video"], title="党课")


def test_members_only_files_are_refused_to_anonymous_users_and_served_to_members(
    client, recording, make_user, settings
):
    set_members_only(recording, True)
    recording.refresh_from_db()
    for url in (recording.hls_url, recording.mp4_url, recording.audio_edition_url, recording.poster_url):
        assert url.startswith("/recordings/")
        response = client.get(url)
        assert response.status_code == 403, url
    assert not any(settings.MEDIA_ROOT.rglob("*.m4a")), "no members-only file under the public root"

    client.force_login(make_user("member", role="党员"))
    response = client.get(recording.audio_edition_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mp4"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == (recording.rendition_dir() / "audio.m4a").read_bytes()


def test_public_files_are_served_with_byte_ranges(client, recording):
    path = recording.rendition_dir() / "hls" / "v180" / "media.m4s"
    url = reverse("media:rendition", args=[recording.pk, recording.rendition_key, "hls/v180/media.m4s"])
    ranged = client.get(url, HTTP_RANGE="bytes=100-199")
    assert ranged.status_code == 206
    assert ranged["Content-Range"] == f"bytes 100-199/{path.stat().st_size}"
    assert b"".join(ranged.streaming_content) == path.read_bytes()[100:200]
    suffix = client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(suffix.streaming_content) == path.read_bytes()[-10:]
    assert client.get(url, HTTP_RANGE=f"bytes={path.stat().st_size}-").status_code == 416
    playlist = client.get(recording.hls_url)
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"


def test_old_keys_and_paths_outside_the_folder_are_not_found(client, recording):
    old_url = recording.audio_edition_url
    set_members_only(recording, True)
    set_members_only(recording, False)
    assert client.get(old_url).status_code == 404
    escape = reverse("media:rendition", args=[recording.pk, recording.rendition_key, "../../../originals"])
    assert client.get(escape).status_code == 404


def test_direct_public_urls_when_a_web_server_serves_media(recording, settings):
    settings.MEDIA_PUBLIC_RENDITIONS_DIRECT = True
    assert recording.hls_url == f"/media/recordings/{recording.pk}/{recording.rendition_key}/hls/master.m3u8"
    set_members_only(recording, True)
    assert recording.hls_url.startswith("/recordings/")


def test_production_hands_members_only_files_to_the_web_server(client, recording, make_user, settings):
    set_members_only(recording, True)
    recording.refresh_from_db()
    client.force_login(make_user("member", role="党员"))
    settings.PROTECTED_MEDIA_SENDFILE = "x-accel-redirect"
    response = client.get(recording.mp4_url)
    assert response["X-Accel-Redirect"] == (
        f"/protected-media/recordings/{recording.pk}/{recording.rendition_key}/video.mp4"
    )
    assert response.content == b""
    settings.PROTECTED_MEDIA_SENDFILE = "x-sendfile"
    response = client.get(recording.mp4_url)
    assert response["X-Sendfile"] == str((recording.rendition_dir() / "video.mp4").resolve())


def test_the_original_is_for_editors_only(client, recording, make_user):
    url = recording.url
    assert url == reverse("media:original", args=[recording.pk])
    assert client.get(url).status_code == 403
    client.force_login(make_user("member", role="党员"))
    assert client.get(url).status_code == 403
    client.force_login(make_user("boss", is_superuser=True, is_staff=True))
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
