from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "搜索"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import recovery, signal_handlers

        signal_handlers.connect()
        recovery.connect()
