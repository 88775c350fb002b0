from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet

from . import admin_views, live, live_admin, services, tus
from .checks import ffmpeg_health

admin_patterns = (
    [
        path("upload/", admin_views.upload, name="upload"),
        path("status/", admin_views.status, name="status"),
        path("<int:pk>/retry/", admin_views.retry, name="retry"),
        path("<int:pk>/preview/", admin_views.preview, name="preview"),
        path("tus/", tus.collection, name="tus"),
        path("tus/<uuid:upload_id>", tus.resource, name="tus_upload"),
        path("live/<int:pk>/key/", live_admin.stream_key_page, name="live_key"),
    ],
    "media_pipeline",
)


@hooks.register("insert_global_admin_css")
def pipeline_status_css():
    return format_html('<link rel="stylesheet" href="{}">', static("media/admin-status.css"))


@hooks.register("register_admin_urls")
def register_pipeline_admin_urls():
    return [path("media-pipeline/", include(admin_patterns))]


@hooks.register("dangke_periodic_jobs")
def media_periodic_jobs():
    """Run by the task workers, once across them (cms.periodic): transcodes whose worker died go back
    on the queue soon after their lease expires; abandoned uploads are cleared now and then."""
    return [
        {"name": "media.sweep_expired_leases", "every": 30, "run": services.sweep_expired_leases},
        {"name": "media.sweep_expired_uploads", "every": 600, "run": services.sweep_expired_uploads},
        # Lives whose encoder stayed away past the reconnect grace end, and their replays are queued.
        {"name": "media.sweep_lives", "every": 10, "run": live.sweep_lives},
        {"name": "media.promote_ready_replays", "every": 30, "run": live.promote_ready_replays},
    ]


@hooks.register("dangke_periodic_jobs")
def media_recovery_jobs():
    """Work whose queue message was lost (Redis restarted empty) is found again in the database:
    recordings still waiting for a transcode, files not yet where their audience says, and work
    folders that dead attempts left."""
    return [
        {"name": "media.requeue_stuck_recordings", "every": 60, "run": services.requeue_stuck_recordings},
        {"name": "media.requeue_privacy_behind", "every": 30, "run": services.requeue_privacy_behind},
        {"name": "media.sweep_stale_work_folders", "every": 3600, "run": services.sweep_stale_work_folders},
    ]


@hooks.register("dangke_health_checks")
def ffmpeg_available():
    return ffmpeg_health()


register_snippet(live_admin.LiveStreamViewSet)


@hooks.register("register_snippet_listing_buttons")
def live_stream_key_button(snippet, user, next_url=None):
    from .models import LiveStream

    if isinstance(snippet, LiveStream) and user.has_perm("media.change_livestream"):
        yield Button(
            "推流密钥", reverse("media_pipeline:live_key", args=[snippet.pk]), icon_name="key", priority=10
        )
