"""Signal handlers of branch life, connected in BranchesConfig.ready(): they only enqueue after commit."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def on_session_deleted(sender, instance, **kwargs):
    """A deleted session takes back the 集体学习 it credited (queued by pk after the commit)."""
    from .tasks import sync_group_viewing

    session_pk = instance.pk
    transaction.on_commit(lambda: sync_group_viewing.enqueue(session_pk))


def photo_deleted(sender, instance, **kwargs):
    """A deleted meeting photo's private file and its thumbnail go too (by name: the row is gone)."""
    from .tasks import delete_session_photo_file

    for name in {instance.file.name, instance.thumbnail} - {""}:
        transaction.on_commit(lambda name=name: delete_session_photo_file.enqueue(name))


def photo_saved(sender, instance, **kwargs):
    """A new or replaced meeting photo gets its thumbnail from a task (queued by pk after commit)."""
    if instance.file.name and not instance.has_fresh_thumbnail:
        from .tasks import make_photo_thumbnail

        photo_pk = instance.pk
        transaction.on_commit(lambda: make_photo_thumbnail.enqueue(photo_pk))


def connect():
    from .models import Session, SessionPhoto

    post_delete.connect(on_session_deleted, sender=Session, dispatch_uid="branches.session_deleted")
    post_delete.connect(photo_deleted, sender=SessionPhoto, dispatch_uid="branches-photo-file")
    post_save.connect(photo_saved, sender=SessionPhoto, dispatch_uid="branches-photo-thumbnail")
