"""The admin history of branch data in its own log table, so that Wagtail's site history report
(and its export) lists a user only the entries of organisations, members and sessions within their
part of the tree: Wagtail's own log (ModelLogEntry) filters by model permission only, so any
secretary would read every branch's member names there."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from wagtail.models.audit_log import BaseLogEntry, ModelLogEntryManager

ACTIONS = ("add", "change", "delete", "view")


def tree_scoped_models() -> list:
    """Models whose registered permission policy is tree-scoped (branches.viewsets)."""
    from django.apps import apps
    from wagtail.permissions import policy_registry

    scoped = []
    for model in apps.get_app_config("branches").get_models():
        policy = policy_registry.get_by_type(model)
        if policy is not None and hasattr(policy, "scoped_queryset"):
            scoped.append((model, policy))
    return scoped


class BranchLogEntryManager(ModelLogEntryManager):
    def viewable_by_user(self, user):
        """Entries of models the user has a permission for (as Wagtail's log), and of tree-scoped
        models only for instances within the user's part of the tree. (Not Wagtail's
        viewable_by_user: it caches the allowed content types on the user across log tables.)"""
        if user.is_superuser:
            return self.all()
        from django.apps import apps

        scoped = dict(tree_scoped_models())
        visible = Q(pk__in=[])
        for model in apps.get_app_config("branches").get_models():
            opts = model._meta
            if not any(user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}") for action in ACTIONS):
                continue
            content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
            if model in scoped:
                ids = (
                    scoped[model]
                    .scoped_queryset(user)
                    .annotate(log_id=Cast("pk", CharField()))
                    .values("log_id")
                )
                visible |= Q(content_type=content_type, object_id__in=ids)
            else:
                visible |= Q(content_type=content_type)
        return self.filter(visible)


class BranchLogEntry(BaseLogEntry):
    """Wagtail's ModelLogEntry, for the models of this app (registered in wagtail_hooks)."""

    object_id = models.CharField(max_length=255, blank=False, db_index=True)

    objects = BranchLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        ordering = ["-timestamp", "-id"]
        verbose_name = "组织生活操作记录"
        verbose_name_plural = "组织生活操作记录"
