from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = "音视频"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the ffmpeg system check)
        from .signal_handlers import register_signal_handlers

        register_signal_handlers()
