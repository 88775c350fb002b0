from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "lessons"
    verbose_name = "党课"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import search_documents, signal_handlers

        signal_handlers.connect()
        search_documents.register_document_types()
