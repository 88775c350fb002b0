"""A deleted session takes back the 集体学习 it credited (queued by pk after the commit)."""

from django.db import transaction
from django.db.models.signals import post_delete

from .models import Session


def on_session_deleted(sender, instance, **kwargs):
    from .tasks import sync_group_viewing

    session_pk = instance.pk
    transaction.on_commit(lambda: sync_group_viewing.enqueue(session_pk))


def connect():
    post_delete.connect(on_session_deleted, sender=Session, dispatch_uid="branches.session_deleted")
