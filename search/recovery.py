"""Index updates that were lost are found again from the database and queued once more.

Index updates are tasks (search.signal_handlers); a queue that goes away (Redis restarted empty, an
enqueue while it was down) loses them. Every finished `update_index_for_object` leaves an
`IndexReceipt`: the document's key, whether it was expected in the index and with which audience,
and when the task started. The periodic sweep `recover_index()` (registered in wagtail_hooks)
compares the registered pages with their receipts and queues an update for each page that

- is live and searchable but has no receipt, or a receipt older than its last publish, or one that
  dropped it, or one with another audience (a privacy change whose update was lost);
- has a receipt saying it is indexed but is no longer live, searchable or there at all.

A full rebuild (`search_reindex`) writes no receipts: the first sweep after it queues every page
once, in batches of SEARCH_RECOVERY_BATCH per run. It works through the registry only.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .registry import AUDIENCE_MEMBERS, AUDIENCE_PUBLIC, document_type_for_model, get_document_types

logger = logging.getLogger(__name__)

UPDATE_TASK = "search.tasks.update_index_for_object"


def _audience_by_path():
    """A function from a page's tree path to its audience, with every view restriction read once
    (what registry.page_audience answers page by page)."""
    from wagtail.models import PageViewRestriction

    restrictions = [(r.page.path, r.restriction_type) for r in PageViewRestriction.objects.select_related("page")]

    def audience(path: str) -> str | None:
        kinds = {kind for prefix, kind in restrictions if path.startswith(prefix)}
        if not kinds:
            return AUDIENCE_PUBLIC
        if kinds == {PageViewRestriction.LOGIN}:
            return AUDIENCE_MEMBERS
        return None

    return audience


def expected_state(obj) -> tuple[bool, str]:
    """(expected in the index, audience) for one object as it is now."""
    from wagtail.models import Page

    from .registry import page_audience

    if isinstance(obj, Page):
        if not obj.live:
            return False, ""
        audience = page_audience(obj)
        return audience is not None, audience or ""
    return True, AUDIENCE_PUBLIC


def record_receipt(app_label: str, model_name: str, pk, started_at) -> None:
    from django.apps import apps

    from .models import IndexReceipt

    model = apps.get_model(app_label, model_name)
    obj = model._default_manager.filter(pk=pk).first()
    obj = getattr(obj, "specific", obj)
    document_type = document_type_for_model(type(obj) if obj is not None else model)
    if document_type is None:
        return
    indexed, audience = expected_state(obj) if obj is not None else (False, "")
    IndexReceipt.objects.update_or_create(
        key=f"{document_type.name}:{pk}",
        defaults={"indexed": indexed, "audience": audience, "started_at": started_at or timezone.now()},
    )


def on_task_finished(sender, task_result, **kwargs):
    """django-tasks' task_finished, in the process that ran the task."""
    from django_tasks import TaskResultStatus

    if task_result.task.module_path != UPDATE_TASK or task_result.status != TaskResultStatus.SUCCESSFUL:
        return
    try:
        record_receipt(*task_result.args[:3], task_result.started_at)
    except Exception:  # a receipt is bookkeeping: never fail the finished task for it
        logger.exception("could not record the index receipt for %s", task_result.args)


def stale_objects(limit: int | None = None) -> list[tuple[str, str, str]]:
    """(app_label, model_name, pk) of objects whose index entry is missing, behind or should be gone."""
    from .models import IndexReceipt

    receipts = {r.key: r for r in IndexReceipt.objects.all()}
    audience_of = _audience_by_path()
    stale: list[tuple[str, str, str]] = []
    expected_keys = set()
    by_type = {}
    for document_type in get_document_types():
        model = document_type.model
        by_type[document_type.name] = model
        meta = model._meta
        queryset = document_type.queryset()
        is_page = hasattr(model, "path") and hasattr(model, "last_published_at")
        fields = ("pk", "path", "last_published_at") if is_page else ("pk",)
        for row in queryset.values_list(*fields):
            pk = row[0]
            audience = audience_of(row[1]) if is_page else AUDIENCE_PUBLIC
            if audience is None:
                continue  # not searchable: a receipt saying "indexed" is handled below
            key = f"{document_type.name}:{pk}"
            expected_keys.add(key)
            receipt = receipts.get(key)
            behind = (
                receipt is None
                or not receipt.indexed
                or receipt.audience != audience
                or (is_page and row[2] is not None and row[2] > receipt.started_at)
            )
            if behind:
                stale.append((meta.app_label, meta.model_name, str(pk)))
    for key, receipt in receipts.items():
        if receipt.indexed and key not in expected_keys:
            name, pk = key.split(":", 1)
            model = by_type.get(name)
            if model is not None:
                stale.append((model._meta.app_label, model._meta.model_name, pk))
    return stale[:limit] if limit else stale


def recover_index() -> int:
    """The periodic sweep: queue an update for each stale object (at most SEARCH_RECOVERY_BATCH)."""
    from .tasks import update_index_for_object

    stale = stale_objects(limit=settings.SEARCH_RECOVERY_BATCH)
    for args in stale:
        transaction.on_commit(partial(update_index_for_object.enqueue, *args))
    if stale:
        logger.info("search recovery: %d index updates queued again", len(stale))
    return len(stale)


def connect() -> None:
    from django_tasks.signals import task_finished

    task_finished.connect(on_task_finished, dispatch_uid="search.recovery.receipts")
