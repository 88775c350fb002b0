"""The Wagtail admin for live streams: a snippet (title, schedule, audience) and the stream-key page,
where the key is made, shown once, regenerated or revoked."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.snippets.views.snippets import SnippetViewSet

from . import live
from .models import LiveStream


class LiveStreamViewSet(SnippetViewSet):
    model = LiveStream
    icon = "media"
    menu_label = "直播"
    menu_name = "live-streams"
    add_to_admin_menu = True
    menu_order = 290
    list_display = ["title", "scheduled_start", "status"]
    list_filter = ["status"]
    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("scheduled_start"), FieldPanel("scheduled_end")]),
        FieldPanel("members_only"),
    ]


def _require_change(request, stream: LiveStream) -> None:
    user = request.user
    if not (user.is_authenticated and user.has_perm("media.change_livestream")):
        raise PermissionDenied


def stream_key_page(request, pk: int):
    """GET: the state and whether a key exists (never the key). POST action=issue: a new key, shown
    on this response only; action=revoke: the key stops working."""
    stream = get_object_or_404(LiveStream.objects.select_related("recording"), pk=pk)
    _require_change(request, stream)
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            new_key = live.issue_key(stream)
            messages.success(request, "已生成新的推流密钥，旧密钥已失效。请立即复制，离开本页后不再显示。")
        elif action == "revoke":
            live.revoke_key(stream)
            messages.success(request, "推流密钥已撤销，使用它的推流将被拒绝。")
            return redirect(reverse("media_pipeline:live_key", args=[stream.pk]))
    opens, closes = live.publish_window(stream)
    response = TemplateResponse(
        request,
        "media/admin/live_key.html",
        {
            "stream": stream,
            "new_key": new_key,
            "rtmp_url": settings.LIVE_RTMP_URL,
            "opens": opens,
            "closes": closes,
            "watching": live.watching_now(stream.pk),
        },
    )
    response["Cache-Control"] = "no-store"  # the one response that carries the key
    return response
