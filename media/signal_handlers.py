from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save

from .models import Recording


def remember_original(sender, instance, **kwargs):
    instance._original_file_name = instance.file.name if instance.file else ""


def process_new_original(sender, instance, created, raw=False, **kwargs):
    """An original uploaded through the admin (new, or replaced in the edit form) gets probed and
    transcoded in the background. ingest_file has already probed its file and queued the job."""
    if raw:
        return
    current = instance.file.name if instance.file else ""
    changed = current and current != getattr(instance, "_original_file_name", "")
    instance._original_file_name = current
    if not changed or getattr(instance, "_skip_processing", False):
        return
    if created and instance.status == Recording.Status.QUEUED:
        return  # ingest_file
    from .services import start_processing

    start_processing(instance)


def remove_renditions(sender, instance, **kwargs):
    from .services import remove_renditions

    pk = instance.pk
    transaction.on_commit(lambda: remove_renditions(pk))


def register_signal_handlers():
    post_init.connect(remember_original, sender=Recording, dispatch_uid="media-remember-original")
    post_save.connect(process_new_original, sender=Recording, dispatch_uid="media-process-original")
    post_delete.connect(remove_renditions, sender=Recording, dispatch_uid="media-remove-renditions")
