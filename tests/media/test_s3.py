"""The pipeline on S3-compatible storage, against a real S3 API server (moto) on loopback:
upload → transcode → objects with the right headers → public URLs over HTTP → members-only files
through signed URLs only → a failed upload keeps the original and a retry succeeds."""

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import m3u8
import pytest

from media.models import Recording
from media.services import retry_transcode, set_members_only

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

EXPECTED_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
}


def fetch(url, headers=None):
    """(status, headers, body) of a plain HTTP GET, as a browser or a CDN would send it."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def unsigned(url):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def test_the_full_path_on_s3(s3, clips, ingest, client, make_user, settings):
    settings.MEDIA_PUBLIC_MAX_AGE = 240
    recording = ingest(clips["video"], title="党课")
    assert recording.status == Recording.Status.READY, recording.failure_reason
    key = recording.rendition_key
    prefix = f"recordings/{recording.pk}/{key}/"

    # Every rendition is in the public bucket with its MIME type and a short cache lifetime.
    objects = s3.keys(s3.bucket, prefix)
    names = {name[len(prefix):] for name in objects}
    assert {"hls/master.m3u8", "hls/v180/index.m3u8", "hls/v180/media.m4s", "hls/audio/media.m4s",
            "video.mp4", "audio.m4a", "poster.jpg", "storyboard.jpg", "storyboard.vtt"} <= names
    for name in objects:
        head = s3.head(s3.bucket, name)
        suffix = "." + name.rsplit(".", 1)[1]
        assert head["ContentType"] == EXPECTED_TYPES[suffix], name
        assert head["CacheControl"] == "public, max-age=240", name
    # The original is in the private bucket; nothing of it (nor any rendition) on the local disk.
    assert s3.keys(s3.private_bucket, "private/originals/") == [f"private/originals/{recording.file.name}"]
    assert not list(settings.MEDIA_ROOT.rglob("*.m3u8")) if settings.MEDIA_ROOT.exists() else True
    assert not (settings.PRIVATE_MEDIA_ROOT / "work").exists() or not any((settings.PRIVATE_MEDIA_ROOT / "work").iterdir())

    # The page links the storage URLs; they answer over HTTP with ranges, as a CDN origin must.
    assert recording.hls_url == f"{s3.endpoint}/{s3.bucket}/{prefix}hls/master.m3u8"
    status, headers, body = fetch(recording.hls_url)
    assert status == 200 and headers["Content-Type"] == "application/vnd.apple.mpegurl"
    master = m3u8.loads(body.decode(), uri=recording.hls_url)
    variant_url = master.playlists[0].absolute_uri
    status, _, body = fetch(variant_url)
    assert status == 200
    segment = m3u8.loads(body.decode(), uri=variant_url).segments[0]
    status, headers, body = fetch(segment.absolute_uri, {"Range": "bytes=0-99"})
    assert status == 206 and len(body) == 100
    old_public_url = recording.mp4_url
    assert fetch(old_public_url)[0] == 200
    # Nothing outside `recordings/` of the public bucket is readable without a signature.
    assert fetch(f"{s3.endpoint}/{s3.private_bucket}/private/originals/{recording.file.name}")[0] == 403

    # Members-only: the files move to the private bucket under a new key; the old URLs die.
    set_members_only(recording, True)
    recording.refresh_from_db()
    assert recording.files_private and recording.rendition_key != key
    assert s3.keys(s3.bucket, f"recordings/{recording.pk}/") == []
    private_prefix = f"private/recordings/{recording.pk}/{recording.rendition_key}/"
    moved = s3.keys(s3.private_bucket, private_prefix)
    assert {name[len(private_prefix):] for name in moved} == names
    for name in moved:
        head = s3.head(s3.private_bucket, name)
        assert head["ContentType"] == EXPECTED_TYPES["." + name.rsplit(".", 1)[1]], name
        assert head["CacheControl"].startswith("private"), name
    assert fetch(old_public_url)[0] in (403, 404)

    # Anonymous visitors get no file and no signed URL; members get a short-lived signed URL.
    for url in (recording.hls_url, recording.mp4_url, recording.audio_edition_url, recording.poster_url,
                recording.storyboard_vtt_url, recording.storyboard_sprite_url):
        assert url.startswith("/recordings/"), url
        assert client.get(url).status_code == 403, url
    client.force_login(make_user("member", role="党员"))
    redirect = client.get(recording.mp4_url)
    assert redirect.status_code == 302
    signed = redirect["Location"]
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=" in signed
    assert redirect["Cache-Control"] == "private, no-store"
    status, headers, body = fetch(signed, {"Range": "bytes=0-9"})
    assert status == 206 and headers["Content-Type"] == "video/mp4"
    assert fetch(unsigned(signed))[0] == 403

    # Playlists come from the view with every segment signed inside; the variant URIs stay ours.
    master_response = client.get(recording.hls_url)
    assert master_response.status_code == 200
    assert master_response["Cache-Control"] == "private, no-store"
    master = m3u8.loads(master_response.content.decode())
    assert all(not p.uri.startswith("http") for p in master.playlists)
    variant_path = recording.hls_url.rsplit("/", 1)[0] + "/" + master.playlists[0].uri
    variant = m3u8.loads(client.get(variant_path).content.decode())
    segment_url = variant.segments[0].uri
    assert segment_url.startswith(f"{s3.endpoint}/{s3.private_bucket}/{private_prefix}") and "X-Amz-Signature=" in segment_url
    assert variant.segment_map[0].uri == segment_url  # the init section (EXT-X-MAP) is signed too
    status, _, body = fetch(segment_url, {"Range": "bytes=0-99"})
    assert status == 206 and len(body) == 100
    assert fetch(unsigned(segment_url))[0] == 403

    # And back to public: files return to the public bucket under yet another key.
    set_members_only(recording, False)
    recording.refresh_from_db()
    assert not recording.files_private
    assert s3.keys(s3.private_bucket, f"private/recordings/{recording.pk}/") == []
    assert fetch(recording.mp4_url)[0] == 200
    assert fetch(signed)[0] in (403, 404)


def test_a_failed_upload_keeps_the_original_removes_its_leftovers_and_a_retry_succeeds(
    s3, clips, ingest, django_capture_on_commit_callbacks
):
    # The storage refuses the poster (a policy denying writes to *.jpg): some files are stored
    # before the upload fails, like a connection that breaks half-way.
    s3.public_read_policy([{
        "Sid": "BrokenHalfWay", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{s3.bucket}/recordings/*.jpg",
    }])
    recording = ingest(clips["silent"], title="上传失败")
    assert recording.status == Recording.Status.FAILED
    assert "保存转码结果失败" in recording.failure_reason and "原文件已保留" in recording.failure_reason
    assert recording.rendition_key == "" and recording.hls_url is None
    assert s3.keys(s3.bucket, "recordings/") == [], "half an upload is removed, never served"
    assert s3.keys(s3.private_bucket, "private/originals/") == [f"private/originals/{recording.file.name}"]

    s3.public_read_policy()
    with django_capture_on_commit_callbacks(execute=True):
        assert retry_transcode(recording)
    recording.refresh_from_db()
    assert recording.status == Recording.Status.READY, recording.failure_reason
    assert f"recordings/{recording.pk}/{recording.rendition_key}/poster.jpg" in s3.keys(s3.bucket, "recordings/")
    assert fetch(recording.poster_url)[0] == 200


def test_a_switch_to_members_only_counts_before_the_files_move(s3, clips, ingest, client, django_capture_on_commit_callbacks):
    from media.services import mark_members_only, requeue_privacy_behind, sync_files_privacy

    recording = ingest(clips["silent"], title="即将仅限党员")
    old_urls = [recording.hls_url, recording.mp4_url, recording.poster_url]
    view_urls = [f"/recordings/{recording.pk}/{recording.rendition_key}/{name}" for name in ("hls/master.m3u8", "video.mp4", "poster.jpg")]
    assert mark_members_only([recording.pk], True) == [recording.pk]  # the queue is "busy": nothing runs
    recording.refresh_from_db()
    assert recording.members_only and not recording.files_private
    # The site links the checking view only, and it refuses anonymous visitors at once.
    assert recording.hls_url == view_urls[0]
    for url in view_urls:
        assert client.get(url).status_code == 403
    # The old storage URLs last until the privacy queue has moved the files (seconds, on its own
    # queue), and caches hold them at most MEDIA_PUBLIC_MAX_AGE.
    assert sync_files_privacy(recording.pk) is True
    for url in old_urls:
        assert fetch(url)[0] in (403, 404), url
    assert requeue_privacy_behind() == 0


def test_a_tus_upload_ends_up_in_the_private_bucket(s3, client, make_user, clips, small_ladder, django_capture_on_commit_callbacks):
    import base64

    from django.urls import reverse

    from media.models import Upload

    client.force_login(make_user("uploader", is_superuser=True, is_staff=True))
    data = clips["silent"].read_bytes()
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in {"filename": "讲座.mp4", "title": "讲座"}.items())
    created = client.post(reverse("media_pipeline:tus"), HTTP_UPLOAD_LENGTH=str(len(data)),
                          HTTP_UPLOAD_METADATA=meta, HTTP_TUS_RESUMABLE="1.0.0")
    upload = Upload.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.generic("PATCH", created["Location"], data, content_type="application/offset+octet-stream",
                              HTTP_UPLOAD_OFFSET="0", HTTP_TUS_RESUMABLE="1.0.0")
    assert done.status_code == 204
    recording = Recording.objects.get()
    assert recording.status == Recording.Status.READY, recording.failure_reason
    original_key = f"private/originals/{recording.file.name}"
    assert s3.keys(s3.private_bucket, "private/originals/") == [original_key]
    body = s3.client.get_object(Bucket=s3.private_bucket, Key=original_key)["Body"].read()
    assert body == data
    assert not upload.part_path.exists(), "the staged bytes are gone from the web node"


def test_members_only_documents_on_s3_have_no_public_url(s3, settings):
    """Wagtail documents (captions, attachments) on the default S3 storage are served by Wagtail's
    checking view; their objects are not readable from the bucket without a signature."""
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": s3.bucket, "endpoint_url": s3.endpoint, "region_name": "us-east-1",
            "access_key": "dangke-test", "secret_key": "dangke-test-secret", "addressing_style": "path",
            "default_acl": None, "querystring_auth": False, "file_overwrite": False,
        }},
    }
    Document = get_document_model()
    document = Document(title="讲稿")
    document.file.save("讲稿.pdf", ContentFile(b"%PDF-1.4 members only"), save=True)
    assert document.url.startswith("/documents/")
    assert json.dumps(s3.keys(s3.bucket, "documents/")).count("documents/") == 1
    assert fetch(document.file.url)[0] == 403
