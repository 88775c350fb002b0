"""Resumable uploads with the tus 1.0 protocol (https://tus.io/protocols/resumable-upload), so
standard clients (tus-js-client, Uppy) work: creation, HEAD for the offset, PATCH chunks checked
against Upload-Offset, and termination. Bytes go to the private staging area; when the last byte
arrives the file becomes a Recording's original and the pipeline takes over.

The views sit under /admin/ and need a signed-in editor who may add media. Django's CSRF check
stays on: the upload page sends the token in the X-CSRFToken header of every request."""

from __future__ import annotations

import base64
import binascii
import fcntl
import logging
import os
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from wagtailmedia import get_permission_policy

from . import services
from .models import Upload

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination"
COPY_CHUNK = 256 * 1024
MAX_FILENAME_CHARS = 200
FINISH_FAILED = "文件已全部收到，但暂时无法保存（存储服务不可用）。已收到的数据都保留着，请稍后点“继续上传”重试。"

def _tus_response(status: int, **headers) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = str(value)
    return response


def _error(status: int, message: str) -> HttpResponse:
    response = _tus_response(status)
    response.content = message.encode("utf-8")
    response["Content-Type"] = "text/plain; charset=utf-8"
    return response


def _may_upload(user) -> bool:
    return bool(user.is_authenticated and user.is_active and get_permission_policy().user_has_permission(user, "add"))


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated "key base64value" pairs (the value may be absent)."""
    metadata = {}
    for pair in filter(None, (item.strip() for item in header.split(","))):
        key, _, value = pair.partition(" ")
        try:
            metadata[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError(f"bad metadata for {key}") from exc
    return metadata


def filename_problem(filename: str) -> str | None:
    """Why an uploaded file's name cannot be used, or None. Checked when the upload is created,
    so a bad name is refused before a single byte is sent, not after the last one."""
    if not filename.strip():
        return "缺少文件名。"
    if "/" in filename or "\\" in filename:
        return "文件名里不能有“/”或“\\”。"
    if filename.strip() in {".", ".."}:
        return "文件名不能是“.”或“..”。"
    if any(unicodedata.category(char) in {"Cc", "Cf", "Cs"} for char in filename):
        return "文件名里有控制字符（例如 NUL），请改名后再上传。"
    if len(filename) > MAX_FILENAME_CHARS:
        return f"文件名太长（{len(filename)} 个字符），最多 {MAX_FILENAME_CHARS} 个。"
    return None


def _finish(upload: Upload) -> tuple[HttpResponse | None, dict]:
    """Make the complete upload a recording; (error response, headers)."""
    try:
        recording = services.finish_upload(upload)
    except Exception:
        logger.exception("tus upload %s: finishing failed, the bytes are kept", upload.pk)
        response = _error(503, FINISH_FAILED)
        response["Retry-After"] = "30"
        response["Upload-Offset"] = str(upload.length)
        return response, {}
    return None, {"Dangke_Recording_Id": recording.pk}


def _check_version(request) -> HttpResponse | None:
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        return _tus_response(412, Tus_Version=TUS_VERSION)
    return None


@never_cache
def collection(request):
    """OPTIONS (capabilities) and POST (create an upload)."""
    if request.method == "OPTIONS":
        return _tus_response(
            204, Tus_Version=TUS_VERSION, Tus_Extension=EXTENSIONS, Tus_Max_Size=settings.MEDIA_MAX_UPLOAD_SIZE
        )
    if not _may_upload(request.user):
        return _error(403, "没有上传音视频的权限。")
    if request.method != "POST":
        return _tus_response(405, Allow="OPTIONS, POST")
    if problem := _check_version(request):
        return problem
    try:
        length = int(request.headers.get("Upload-Length", ""))
    except ValueError:
        return _error(400, "缺少 Upload-Length（不支持延后告知大小）。")
    if length <= 0:
        return _error(400, "文件是空的。")
    if length > settings.MEDIA_MAX_UPLOAD_SIZE:
        return _error(413, f"文件太大，上限是 {settings.MEDIA_MAX_UPLOAD_SIZE / 1024**3:.1f} GB。")
    try:
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    except ValueError:
        return _error(400, "Upload-Metadata 格式不对。")
    filename = metadata.get("filename", "")
    if problem := filename_problem(filename):
        return _error(400, problem)
    filename = filename.strip()
    upload = Upload.objects.create(
        user=request.user,
        length=length,
        filename=filename,
        title=(metadata.get("title") or os.path.splitext(filename)[0] or "未命名录音")[:255],
        members_only=metadata.get("members_only", "") in {"1", "true", "on"},
        expires_at=timezone.now() + timedelta(seconds=settings.MEDIA_TUS_EXPIRY_SECONDS),
    )
    upload.part_path.touch()
    location = request.build_absolute_uri(reverse("media_pipeline:tus_upload", args=[upload.pk]))
    return _tus_response(201, Location=location, Upload_Offset=0)


@never_cache
def resource(request, upload_id):
    """HEAD (where to resume), PATCH (append a chunk), DELETE (give up), GET (what it became)."""
    if request.method == "OPTIONS":
        return _tus_response(204, Tus_Version=TUS_VERSION, Tus_Extension=EXTENSIONS)
    if not _may_upload(request.user):
        return _error(403, "没有上传音视频的权限。")
    upload = get_object_or_404(Upload, pk=upload_id, user=request.user)
    if request.method == "GET":
        recording = upload.recording
        return JsonResponse({
            "offset": upload.offset,
            "length": upload.length,
            "recording_id": recording.pk if recording else None,
            "edit_url": reverse("wagtailmedia:edit", args=[recording.pk]) if recording else None,
        })
    if problem := _check_version(request):
        return problem
    if request.method == "HEAD":
        headers = {}
        if upload.recording_id is None and upload.offset == upload.length:
            # Every byte arrived but the finish failed: a resuming client sends no more PATCH
            # requests, so the finish is tried again here.
            problem, headers = _finish(upload)
            if problem:
                return problem
            upload.refresh_from_db()
        return _tus_response(200, Upload_Offset=upload.offset, Upload_Length=upload.length, **headers)
    if request.method == "DELETE":
        if upload.recording_id is None:
            upload.part_path.unlink(missing_ok=True)
        upload.delete()
        return _tus_response(204)
    if request.method != "PATCH":
        return _tus_response(405, Allow="OPTIONS, HEAD, PATCH, DELETE, GET")
    return _append(request, upload)


def _append(request, upload: Upload) -> HttpResponse:
    if request.headers.get("Content-Type", "").split(";")[0].strip() != "application/offset+octet-stream":
        return _error(415, "Content-Type 必须是 application/offset+octet-stream。")
    try:
        claimed_offset = int(request.headers.get("Upload-Offset", ""))
        body_length = int(request.headers.get("Content-Length", ""))
    except ValueError:
        return _error(400, "缺少 Upload-Offset 或 Content-Length。")
    if upload.recording_id is not None:
        return _tus_response(409, Upload_Offset=upload.length)
    if body_length > settings.MEDIA_TUS_MAX_CHUNK:
        return _error(413, f"每块最多 {settings.MEDIA_TUS_MAX_CHUNK} 字节。")
    with open(upload.part_path, "ab") as part:
        # One writer per upload: a second request for the same upload waits for the first.
        fcntl.flock(part.fileno(), fcntl.LOCK_EX)
        try:
            offset = os.fstat(part.fileno()).st_size
            if claimed_offset != offset:
                return _tus_response(409, Upload_Offset=offset)
            if offset + body_length > upload.length:
                return _error(400, "数据超出了声明的文件大小。")
            remaining = body_length
            # Whatever arrives before a dropped connection is kept: the client resumes after it.
            while remaining > 0:
                data = request.read(min(COPY_CHUNK, remaining))
                if not data:
                    break
                part.write(data)
                remaining -= len(data)
            part.flush()
            offset = os.fstat(part.fileno()).st_size
        finally:
            fcntl.flock(part.fileno(), fcntl.LOCK_UN)
    Upload.objects.filter(pk=upload.pk).update(
        expires_at=timezone.now() + timedelta(seconds=settings.MEDIA_TUS_EXPIRY_SECONDS)
    )
    headers = {"Upload_Offset": offset}
    if offset == upload.length:
        problem, finished = _finish(upload)
        if problem:
            return problem
        headers.update(finished)
    return _tus_response(204, **headers)
