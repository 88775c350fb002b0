"""The pipeline in the Wagtail admin: status in the list and edit views, live refresh, retry,
upload page, and the normal wagtailmedia upload going through probe and transcode."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from media.models import Recording

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("boss", is_superuser=True, is_staff=True))
    return client


def test_the_media_list_shows_status_progress_and_the_failure_reason(admin_client):
    Recording.objects.create(title="转码中的课", file="a/a.mp4", status="transcoding", progress=37.2)
    Recording.objects.create(title="坏课", file="a/b.mp4", status="failed", failure_reason="文件是空的。")
    html = admin_client.get(reverse("wagtailmedia:index")).content.decode()
    assert "状态" in html and "转码中" in html and "37%" in html
    assert "文件是空的。" in html
    assert "media/admin-status.js" in html
    assert reverse("media_pipeline:upload") in html


def test_status_json_for_the_live_refresh(admin_client, client):
    first = Recording.objects.create(title="一", file="a/a.mp4", status="transcoding", progress=55.55)
    second = Recording.objects.create(title="二", file="a/b.mp4", status="ready", progress=100)
    data = admin_client.get(reverse("media_pipeline:status"), {"ids": f"{first.pk},{second.pk},x"}).json()
    assert data == {"recordings": []}  # a malformed id list is ignored as a whole
    data = admin_client.get(reverse("media_pipeline:status"), {"ids": f"{first.pk},{second.pk}"}).json()
    by_id = {item["id"]: item for item in data["recordings"]}
    assert by_id[first.pk]["progress"] == 55.5 or by_id[first.pk]["progress"] == 55.6
    assert by_id[first.pk]["status_label"] == "转码中" and not by_id[first.pk]["finished"]
    assert by_id[second.pk]["finished"]


def test_status_json_needs_the_admin(client):
    response = client.get(reverse("media_pipeline:status"), {"ids": "1"})
    assert response.status_code == 302


def test_edit_view_shows_status_and_transcode_again(admin_client, clips, ingest, django_capture_on_commit_callbacks):
    recording = ingest(clips["silent"])
    html = admin_client.get(reverse("wagtailmedia:edit", args=[recording.pk])).content.decode()
    assert "转码重试" in html and "可播放" in html and "预览播放器" in html
    assert "160×90" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("media_pipeline:retry", args=[recording.pk]))
    assert response.status_code == 302
    old_key = recording.rendition_key
    recording.refresh_from_db()
    assert recording.status == Recording.Status.READY and recording.rendition_key != old_key
    preview = admin_client.get(reverse("media_pipeline:preview", args=[recording.pk])).content.decode()
    assert "data-media-player" in preview


def test_the_upload_page_uses_tus(admin_client):
    html = admin_client.get(reverse("media_pipeline:upload")).content.decode()
    assert "vendor/tus.min.js" in html and "media/admin-upload.js" in html
    assert f'data-tus-endpoint="{reverse("media_pipeline:tus")}"' in html


def test_the_normal_wagtailmedia_upload_goes_through_probe_and_transcode(
    admin_client, clips, small_ladder, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("小文件.mp4", clips["silent"].read_bytes(), content_type="video/mp4")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("wagtailmedia:add", args=["video"]),
            {"title": "后台上传", "file": upload, "collection": 1, "tags": ""},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    recording = Recording.objects.get(title="后台上传")
    assert recording.status == Recording.Status.READY, recording.failure_reason
    assert recording.duration == pytest.approx(2, abs=0.1)
    assert recording.hls_url


def test_retry_never_redirects_off_the_site(admin_client):
    recording = Recording.objects.create(title="转码中", file="a/c.mp4", status="transcoding", progress=10)
    url = reverse("media_pipeline:retry", args=[recording.pk])
    response = admin_client.post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailmedia:edit", args=[recording.pk])
    assert admin_client.post(url, {"next": "/admin/media/"})["Location"] == "/admin/media/"
