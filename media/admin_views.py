"""Admin pages of the pipeline: large-file upload (tus), live status, "转码重试", preview."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from wagtailmedia import get_permission_policy

from security.redirects import redirect_to_next

from . import services
from .models import Recording

MAX_STATUS_IDS = 200


def _require(request, action: str, recording: Recording | None = None) -> None:
    policy = get_permission_policy()
    allowed = (
        policy.user_has_permission_for_instance(request.user, action, recording)
        if recording is not None
        else policy.user_has_permission(request.user, action)
    )
    if not allowed:
        raise PermissionDenied


def status_payload(recording: Recording) -> dict:
    return {
        "id": recording.pk,
        "status": recording.status,
        "status_label": recording.get_status_display(),
        "progress": round(recording.progress, 1),
        "failure_reason": recording.failure_reason,
        "finished": recording.status in (Recording.Status.READY, Recording.Status.FAILED),
    }


@require_GET
def status(request):
    """Status of the media items the admin page shows; the page polls it while jobs run."""
    try:
        ids = [int(value) for value in request.GET.get("ids", "").split(",") if value][:MAX_STATUS_IDS]
    except ValueError:
        ids = []
    policy = get_permission_policy()
    visible = policy.instances_user_has_any_permission_for(request.user, ["change", "delete", "choose"])
    recordings = visible.filter(pk__in=ids)
    return JsonResponse({"recordings": [status_payload(recording) for recording in recordings]})


@require_POST
def retry(request, pk: int):
    recording = get_object_or_404(Recording, pk=pk)
    _require(request, "change", recording)
    if services.retry_transcode(recording):
        messages.success(request, f"“{recording.title}”已重新排队转码。")
    else:
        messages.warning(request, f"“{recording.title}”正在转码，请等它结束后再重试。")
    return redirect_to_next(request, reverse("wagtailmedia:edit", args=[pk]))


def upload(request):
    _require(request, "add")
    return TemplateResponse(request, "media/admin/upload.html", {
        "tus_endpoint": reverse("media_pipeline:tus"),
        "max_size": services.max_upload_size(),
        "chunk_size": services.tus_chunk_size(),
    })


def preview(request, pk: int):
    recording = get_object_or_404(Recording, pk=pk)
    _require(request, "change", recording)
    return TemplateResponse(request, "media/admin/preview.html", {"recording": recording})
