"""Keep the index in step: every change to a registered model (publish, unpublish, save, delete),
a page move and a privacy change enqueue a task by primary key after the transaction commits."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from .registry import dependents_for_model, document_type_for_model


def _enqueue(task, instance) -> None:
    meta = type(instance)._meta
    transaction.on_commit(partial(task.enqueue, meta.app_label, meta.model_name, str(instance.pk)))


def _enqueue_object(instance) -> None:
    from .tasks import update_index_for_object

    _enqueue(update_index_for_object, instance)


def _enqueue_dependents(instance) -> None:
    """Documents that show this object (a site's name in its routes) are built again."""
    from .tasks import update_index_for_dependents

    _enqueue(update_index_for_dependents, instance)


def _enqueue_tree(page_pk) -> None:
    from .tasks import update_index_for_page_tree

    transaction.on_commit(partial(update_index_for_page_tree.enqueue, page_pk))


def on_save_or_delete(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return
    if document_type_for_model(sender) is not None:
        _enqueue_object(instance)
    # Pages show their live content, which changes on publish and unpublish (below), not on every
    # draft saved. Deletions need nothing: a shown object is protected while documents show it.
    if kwargs.get("signal") is post_save and not isinstance(instance, Page) and dependents_for_model(sender):
        _enqueue_dependents(instance)


def on_publish_change(sender, instance, **kwargs):
    if document_type_for_model(type(instance)) is not None:
        _enqueue_object(instance)
    if dependents_for_model(type(instance)):
        _enqueue_dependents(instance)


def on_page_move(sender, instance, **kwargs):
    _enqueue_tree(instance.pk)


def on_view_restriction_change(sender, instance, **kwargs):
    _enqueue_tree(instance.page_id)


def connect() -> None:
    post_save.connect(on_save_or_delete, dispatch_uid="search.index.save")
    post_delete.connect(on_save_or_delete, dispatch_uid="search.index.delete")
    page_published.connect(on_publish_change, dispatch_uid="search.index.publish")
    page_unpublished.connect(on_publish_change, dispatch_uid="search.index.unpublish")
    post_page_move.connect(on_page_move, dispatch_uid="search.index.move")
    post_save.connect(on_view_restriction_change, sender=PageViewRestriction, dispatch_uid="search.index.privacy")
    post_delete.connect(on_view_restriction_change, sender=PageViewRestriction, dispatch_uid="search.index.privacy-del")
