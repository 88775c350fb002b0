from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = "音视频"
    default_auto_field = "django.db.models.BigAutoField"
