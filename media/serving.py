"""Handing a file to the client: ranged responses from Django in development, X-Accel-Redirect or
X-Sendfile in production (PROTECTED_MEDIA_SENDFILE), after the view has checked access."""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".jpg": "image/jpeg",
}
CHUNK = 64 * 1024
URI_ATTRIBUTE_RE = re.compile(r'URI="([^"]*)"')


def content_type_for(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _file_chunks(path: Path, start: int, length: int):
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


def serve_file(request, path: Path, *, private: bool, download_name: str | None = None) -> HttpResponse:
    content_type = content_type_for(path)
    mode = settings.PROTECTED_MEDIA_SENDFILE.lower()
    if mode == "x-accel-redirect":
        resolved = path.resolve()
        private_root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
        if private_root in resolved.parents:
            prefix, relative = settings.PROTECTED_MEDIA_ACCEL_PREFIX, resolved.relative_to(private_root)
        else:  # a public recording's file, served by the same web server under MEDIA_URL
            prefix, relative = settings.MEDIA_URL, resolved.relative_to(Path(settings.MEDIA_ROOT).resolve())
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(str(relative))
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = str(path.resolve())
    else:
        response = _ranged_response(request, path, content_type)
    if download_name:
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(download_name)}"
    # Public files may become members-only at any time: caches keep them only briefly.
    response["Cache-Control"] = "private, max-age=3600" if private else f"public, max-age={settings.MEDIA_PUBLIC_MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def rewrite_playlist(text: str, url_for) -> str:
    """An HLS playlist with every URI that is not another playlist (segments, EXT-X-MAP init
    sections) replaced by url_for(uri); playlist URIs stay relative, so they come back here."""

    def replace(uri: str) -> str:
        return uri if uri.split("?")[0].endswith(".m3u8") else url_for(uri)

    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            line = replace(stripped)
        elif 'URI="' in stripped:
            line = URI_ATTRIBUTE_RE.sub(lambda match: f'URI="{replace(match.group(1))}"', line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _ranged_response(request, path: Path, content_type: str) -> HttpResponse:
    size = os.path.getsize(path)
    header = request.headers.get("Range", "")
    match = RANGE_RE.match(header.strip()) if header else None
    if not match or (not match.group(1) and not match.group(2)):
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 (closed by the response)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:  # suffix range: the last N bytes
        start = max(0, size - int(last))
        end = size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    length = end - start + 1
    response = StreamingHttpResponse(_file_chunks(path, start, length), status=206, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response
