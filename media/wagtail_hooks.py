from wagtail import hooks

from . import services
from .checks import ffmpeg_health


@hooks.register("dangke_worker_periodic")
def requeue_abandoned_transcodes():
    services.sweep_expired_leases()


@hooks.register("dangke_health_checks")
def ffmpeg_available():
    return ffmpeg_health()
