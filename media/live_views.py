"""Live streams over HTTP: nginx-rtmp's publish callbacks (loopback only) and the live HLS
(playlists checked and counted here; segments too when no nginx serves them)."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from security.client_ip import client_ip

from . import live
from .models import LiveStream
from .services import user_may_access
from .serving import serve_file

logger = logging.getLogger(__name__)

SEGMENT_RE = re.compile(r"^\d{1,12}\.ts$")


def _from_nginx_rtmp(request) -> bool:
    """A callback straight from nginx-rtmp on this machine: a loopback address and no proxy headers
    (everything that comes through the public nginx carries X-Forwarded-For)."""
    meta = request.META
    if meta.get("HTTP_X_FORWARDED_FOR") or meta.get("HTTP_X_REAL_IP"):
        return False
    return meta.get("REMOTE_ADDR", "") in settings.LIVE_CALLBACK_ALLOWED


@csrf_exempt
@require_POST
def rtmp_publish(request):
    """nginx-rtmp `on_publish`: 2xx lets the encoder send, anything else drops it. The stream key
    'NAME?key=SECRET' arrives as name=NAME and key=SECRET."""
    if not _from_nginx_rtmp(request):
        raise PermissionDenied("只接受本机 nginx-rtmp 的回调。")
    name, secret = request.POST.get("name", ""), request.POST.get("key", "")
    try:
        stream = live.accept_publish(name, secret, app=request.POST.get("app", ""))
    except live.PublishRefused as exc:
        logger.warning("publish refused from %s: %s", request.POST.get("addr", "?"), exc)
        return HttpResponseForbidden("refused")
    return HttpResponse(f"live {stream.pk}", content_type="text/plain")


@csrf_exempt
@require_POST
def rtmp_publish_done(request):
    """nginx-rtmp `on_publish_done`: the encoder stopped or its connection dropped."""
    if not _from_nginx_rtmp(request):
        raise PermissionDenied("只接受本机 nginx-rtmp 的回调。")
    if request.POST.get("app", "") == settings.LIVE_RTMP_APPLICATION:
        live.publish_done(request.POST.get("name", ""))
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def rtmp_update(request):
    """nginx-rtmp `on_update` (every LIVE_UPDATE_SECONDS while publishing): 2xx keeps the encoder,
    anything else drops it (the live has ended meanwhile)."""
    if not _from_nginx_rtmp(request):
        raise PermissionDenied("只接受本机 nginx-rtmp 的回调。")
    if request.POST.get("app", "") != settings.LIVE_RTMP_APPLICATION or request.POST.get("call") == "play":
        return HttpResponse("ok", content_type="text/plain")
    if live.publish_update(request.POST.get("name", "")):
        return HttpResponse("ok", content_type="text/plain")
    return HttpResponseForbidden("not live")


def _viewer_id(request) -> str:
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        return f"s{session.session_key}"
    return f"a{client_ip(request)}|{request.headers.get('User-Agent', '')[:200]}"


def _playable_live(request, name: str) -> LiveStream:
    stream = get_object_or_404(LiveStream, stream_name=name, status=LiveStream.Status.LIVE)
    if not user_may_access(stream, request.user):
        raise PermissionDenied("请先登录党员账号后再观看直播。")
    return stream


def _playlist_response(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/vnd.apple.mpegurl")
    # A live playlist changes every segment: a cache may keep it no longer than a segment.
    response["Cache-Control"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_safe
def live_master(request, name: str):
    """The live master playlist (written from the renditions the encoder makes)."""
    stream = _playable_live(request, name)
    text = live.master_playlist(stream)
    if text is None:
        raise Http404("直播信号尚未到达，请稍候。")
    live.note_viewer(stream.pk, _viewer_id(request))
    return _playlist_response(text)


@require_safe
def live_file(request, stream: str, filename: str):
    """A rendition's media playlist (checked and counted on every fetch), or one of its segments
    (when nginx does not serve them itself)."""
    match = live.STREAM_RE.match(stream)
    if not match or not match.group("suffix"):
        raise Http404("文件不存在")
    live_stream = _playable_live(request, match.group("name"))
    path = live.hls_root() / stream / filename
    if filename == "index.m3u8":
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise Http404("直播信号尚未到达，请稍候。") from None
        live.note_viewer(live_stream.pk, _viewer_id(request))
        return _playlist_response(live.sign_media_playlist(text, request.path))
    if not SEGMENT_RE.match(filename) or not path.is_file():
        raise Http404("文件不存在")
    response = serve_file(request, path, private=True)
    response["Content-Type"] = "video/mp2t"
    response["Cache-Control"] = "private, max-age=60"
    return response


@never_cache
@require_safe
def live_status(request, name: str):
    """The state and the number watching, for the page to follow (polled every 15 s or so)."""
    stream = get_object_or_404(LiveStream.objects.select_related("recording"), stream_name=name)
    if not user_may_access(stream, request.user):
        raise PermissionDenied("请先登录党员账号后再观看直播。")
    state = stream.state
    return JsonResponse(
        {
            "state": state,
            "label": LiveStream.Status(state).label,
            "watching": live.watching_now(stream.pk) if state == LiveStream.Status.LIVE else 0,
            "publishing": stream.publishing,
        },
        json_dumps_params={"ensure_ascii": False},
    )
