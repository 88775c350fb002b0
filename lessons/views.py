import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tabular.exports import export_response

from .models import LessonProgress
from .services import access, study_record
from .services import progress as heartbeats
from .services.live import calendar_entry
from .services.member_panels import member_panels


def _error(message, status=400):
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


def _heartbeat_payload(request) -> dict:
    """JSON from fetch (with the X-CSRFToken header), or a `payload` form field from
    navigator.sendBeacon (a FormData with csrfmiddlewaretoken): both pass Django's CSRF check."""
    raw = request.body if request.content_type == "application/json" else request.POST.get("payload", "")
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise heartbeats.HeartbeatError("请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise heartbeats.HeartbeatError("请求内容格式不正确")
    return data


@never_cache
@require_http_methods(["GET", "POST"])
def progress(request):
    """POST a heartbeat {lesson, position, ranges: [[start, end], …]} (a `duration` sent along is ignored);
    GET ?lesson=ID."""
    if not request.user.is_authenticated:
        return _error("请先登录，学习进度只为登录党员保存。", status=401)
    if request.method == "GET":
        lesson_id = request.GET.get("lesson", "")
        if not lesson_id.isdigit():
            return _error("缺少党课编号")
        row = LessonProgress.objects.filter(user=request.user, lesson_id=int(lesson_id)).first()
        return JsonResponse(_progress_json(row, int(lesson_id)))
    try:
        data = _heartbeat_payload(request)
        lesson_id = data.get("lesson")
        if not isinstance(lesson_id, int):
            raise heartbeats.HeartbeatError("缺少党课编号")
        ranges = data.get("ranges") or []
        if not isinstance(ranges, list) or len(ranges) > 500:
            raise heartbeats.HeartbeatError("播放区间格式不正确")
        lesson = access.viewable_lesson(request, lesson_id)
        if lesson is None:
            return _error("没有找到这节党课", status=404)
        row = heartbeats.record_heartbeat(
            request.user,
            lesson,
            position=data.get("position", 0),
            ranges=ranges,
            duration=data.get("duration"),
        )
    except heartbeats.HeartbeatError as exc:
        return _error(str(exc))
    # Seconds over what real time allows are dropped, not refused (the player sends them again):
    # the answer says how many of this heartbeat's new seconds were accepted.
    data = _progress_json(row, lesson_id)
    data.update(accepted_seconds=row.accepted_seconds, dropped_seconds=row.dropped_seconds)
    return JsonResponse(data)


def _progress_json(row, lesson_id) -> dict:
    if row is None:
        return {"lesson": lesson_id, "position": 0, "played_seconds": 0, "completed": False}
    return {
        "lesson": lesson_id,
        "position": row.position,
        "played_seconds": row.played_seconds,
        "duration": row.duration,
        "percent": row.percent,
        "completed": row.is_completed,
    }


@never_cache
@login_required
@require_GET
def my_learning(request):
    record = study_record.study_record(request.user)
    panels = member_panels(request)
    return render(request, "lessons/my_learning.html", {"record": record, "panels": panels})


@never_cache
@login_required
@require_GET
def my_learning_csv(request):
    table = study_record.study_record_table(request.user)
    return export_response(table, f"study-record-{timezone.localdate():%Y%m%d}", "csv")


@require_GET
def live_calendar(request, pk: int):
    """添加到日历: the live lesson as an .ics event (a lesson this visitor may open)."""
    lesson = (
        access.visible_lessons(request.user).filter(live_stream_id=pk).select_related("live_stream").first()
    )
    if lesson is None:
        raise Http404("没有找到这节直播党课")
    response = HttpResponse(
        calendar_entry(lesson, request.build_absolute_uri(lesson.url)),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="live-lesson-{pk}.ics"'
    return response
