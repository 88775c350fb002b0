from django.urls import include, path
from wagtail import hooks

from . import admin_views, services, tus
from .checks import ffmpeg_health

admin_patterns = (
    [
        path("upload/", admin_views.upload, name="upload"),
        path("status/", admin_views.status, name="status"),
        path("<int:pk>/retry/", admin_views.retry, name="retry"),
        path("<int:pk>/preview/", admin_views.preview, name="preview"),
        path("tus/", tus.collection, name="tus"),
        path("tus/<uuid:upload_id>", tus.resource, name="tus_upload"),
    ],
    "media_pipeline",
)


@hooks.register("register_admin_urls")
def register_pipeline_admin_urls():
    return [path("media-pipeline/", include(admin_patterns))]


@hooks.register("dangke_worker_periodic")
def requeue_abandoned_transcodes():
    services.sweep_expired_leases()
    services.sweep_expired_uploads()


@hooks.register("dangke_worker_periodic")
def recover_from_the_database():
    """Work whose queue message was lost (Redis restarted empty) is found again in the database:
    recordings still waiting for a transcode, files not yet where their audience says, and work
    folders that dead attempts left."""
    services.requeue_stuck_recordings()
    services.requeue_privacy_behind()
    services.sweep_stale_work_folders()


@hooks.register("dangke_health_checks")
def ffmpeg_available():
    return ffmpeg_health()
