"""Signal handlers of branch life, connected in BranchesConfig.ready(): they only enqueue after commit."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete


def on_session_deleted(sender, instance, **kwargs):
    """A deleted session takes back the 集体学习 it credited (queued by pk after the commit)."""
    from .tasks import sync_group_viewing

    session_pk = instance.pk
    transaction.on_commit(lambda: sync_group_viewing.enqueue(session_pk))


def photo_deleted(sender, instance, **kwargs):
    """A deleted meeting photo's private file goes too (by name: the row is gone)."""
    name = instance.file.name
    if name:
        from .tasks import delete_session_photo_file

        transaction.on_commit(lambda: delete_session_photo_file.enqueue(name))


def connect():
    from .models import Session, SessionPhoto

    post_delete.connect(on_session_deleted, sender=Session, dispatch_uid="branches.session_deleted")
    post_delete.connect(photo_deleted, sender=SessionPhoto, dispatch_uid="branches-photo-file")
