"""Resumable uploads (tus 1.0) through the Django test client, as tus-js-client talks to us."""

import base64

import pytest
from django.urls import reverse

from media.models import Recording, Upload

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def metadata(**values):
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


@pytest.fixture
def editor(client, make_user):
    user = make_user("uploader", is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


def create(client, length, **meta):
    return client.post(
        reverse("media_pipeline:tus"), HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=metadata(**meta), **TUS,
    )


def patch(client, url, offset, data):
    return client.generic(
        "PATCH", url, data, content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset), **TUS,
    )


def test_an_interrupted_upload_resumes_where_it_stopped_and_becomes_a_recording(
    client, editor, clips, small_ladder, django_capture_on_commit_callbacks, settings
):
    data = clips["video"].read_bytes()
    options = client.options(reverse("media_pipeline:tus"))
    assert options.status_code == 204 and options["Tus-Version"] == "1.0.0"
    assert "creation" in options["Tus-Extension"]

    created = create(client, len(data), filename="第一讲 录像.mp4", title="第一讲", members_only="1")
    assert created.status_code == 201
    url = created["Location"]
    assert url.startswith("http://testserver/admin/media-pipeline/tus/")
    upload = Upload.objects.get()
    assert str(upload.part_path).startswith(str(settings.PRIVATE_MEDIA_ROOT))

    first = patch(client, url, 0, data[:10000])
    assert first.status_code == 204 and first["Upload-Offset"] == "10000"

    # The connection dropped; the client does not know how much arrived and asks.
    head = client.head(url, **TUS)
    assert head.status_code == 200
    assert (head["Upload-Offset"], head["Upload-Length"]) == ("10000", str(len(data)))
    assert "no-store" in head["Cache-Control"]

    # A chunk sent for the wrong offset is refused and changes nothing.
    stale = patch(client, url, 5000, data[5000:20000])
    assert stale.status_code == 409
    assert client.head(url, **TUS)["Upload-Offset"] == "10000"

    second = patch(client, url, 10000, data[10000:30000])
    assert second["Upload-Offset"] == "30000"
    with django_capture_on_commit_callbacks(execute=True):
        last = patch(client, url, 30000, data[30000:])
    assert last.status_code == 204 and last["Upload-Offset"] == str(len(data))

    recording = Recording.objects.get()
    assert recording.title == "第一讲" and recording.members_only and recording.uploaded_by_user == editor
    assert recording.status == Recording.Status.READY, recording.failure_reason
    with open(recording.file.path, "rb") as handle:
        assert handle.read() == data
    assert not upload.part_path.exists()
    info = client.get(url).json()
    assert info["recording_id"] == recording.pk
    assert info["edit_url"] == reverse("wagtailmedia:edit", args=[recording.pk])


def test_protocol_errors(client, editor):
    assert client.post(reverse("media_pipeline:tus"), HTTP_UPLOAD_LENGTH="10").status_code == 412
    assert create(client, 0, filename="a.mp4").status_code == 400
    url = create(client, 10, filename="a.mp4")["Location"]
    wrong_type = client.generic("PATCH", url, b"12345", content_type="text/plain", HTTP_UPLOAD_OFFSET="0", **TUS)
    assert wrong_type.status_code == 415
    too_much = patch(client, url, 0, b"x" * 11)
    assert too_much.status_code == 400
    assert client.head(url, **TUS)["Upload-Offset"] == "0"
    assert client.delete(url, **TUS).status_code == 204
    assert client.head(url, **TUS).status_code == 404


def test_too_large_uploads_are_refused_up_front(client, editor, settings):
    settings.MEDIA_MAX_UPLOAD_SIZE = 1000
    assert create(client, 1001, filename="big.mp4").status_code == 413


def test_members_cannot_upload_and_others_cannot_touch_an_upload(client, make_user, editor):
    url = create(client, 10, filename="a.mp4")["Location"]
    member = make_user("member1", role="党员")
    client.force_login(member)
    assert create(client, 10, filename="b.mp4").status_code in (302, 403)
    other_editor = make_user("editor2", is_superuser=True, is_staff=True)
    client.force_login(other_editor)
    assert client.head(url, **TUS).status_code == 404


def test_expired_unfinished_uploads_are_swept(client, editor):
    from datetime import timedelta

    from django.utils import timezone

    from media.services import sweep_expired_uploads

    create(client, 10, filename="a.mp4")
    upload = Upload.objects.get()
    Upload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert sweep_expired_uploads() == 1
    assert not upload.part_path.exists()
    assert not Upload.objects.exists()


@pytest.mark.parametrize("filename, words", [
    ("..", "不能是"), (".", "不能是"), ("/", "不能有"), ("a/b.mp4", "不能有"), ("..\\x.mp4", "不能有"),
    ("", "缺少文件名"), ("   ", "缺少文件名"), ("讲座\x00.mp4", "控制字符"), ("x" * 201 + ".mp4", "太长"),
])
def test_bad_file_names_are_refused_before_any_byte_is_sent(client, editor, filename, words):
    response = create(client, 1000, filename=filename)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Upload.objects.exists()


def test_a_missing_file_name_is_refused(client, editor):
    response = client.post(reverse("media_pipeline:tus"), HTTP_UPLOAD_LENGTH="10", **TUS)
    assert response.status_code == 400 and "缺少文件名" in response.content.decode()


def test_a_name_that_got_in_before_validation_never_blocks_the_last_byte(client, editor, clips, small_ladder, django_capture_on_commit_callbacks):
    data = clips["silent"].read_bytes()
    url = create(client, len(data), filename="ok.mp4")["Location"]
    Upload.objects.update(filename="..")  # an upload created before names were checked
    with django_capture_on_commit_callbacks(execute=True):
        last = patch(client, url, 0, data)
    assert last.status_code == 204
    recording = Recording.objects.get()
    assert recording.file.name.endswith("/upload")
    assert recording.status == Recording.Status.READY, recording.failure_reason


def test_a_finish_that_fails_keeps_every_byte_and_is_tried_again_on_resume(
    client, editor, clips, small_ladder, monkeypatch, django_capture_on_commit_callbacks
):
    from media.backends import get_storage_backend

    data = clips["silent"].read_bytes()
    url = create(client, len(data), filename="讲座.mp4")["Location"]
    backend = get_storage_backend()
    real_store = backend.store_original

    def storage_down(local_path, name):
        raise OSError("storage unavailable")

    monkeypatch.setattr(backend, "store_original", storage_down)
    last = patch(client, url, 0, data)
    assert last.status_code == 503
    assert "已收到的数据都保留着" in last.content.decode()
    upload = Upload.objects.get()
    assert upload.part_path.read_bytes() == data and not Recording.objects.exists()

    # The client resumes: HEAD says every byte is there, and the finish runs again.
    monkeypatch.setattr(backend, "store_original", real_store)
    with django_capture_on_commit_callbacks(execute=True):
        head = client.head(url, **TUS)
    assert head.status_code == 200 and head["Upload-Offset"] == str(len(data))
    recording = Recording.objects.get()
    assert head["Dangke-Recording-Id"] == str(recording.pk)
    assert recording.status == Recording.Status.READY, recording.failure_reason
    # Asked again, the upload reports itself complete and makes no second recording.
    assert client.head(url, **TUS)["Upload-Offset"] == str(len(data))
    assert Recording.objects.count() == 1
