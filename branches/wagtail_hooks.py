from __future__ import annotations

import types

from django.urls import reverse
from django.utils import timezone
from wagtail import hooks

from .models import Session, SessionStatus
from .models.organisations import COMMITTEE_ROLES
from .services import scope
from .viewsets import BranchLifeViewSetGroup


@hooks.register("register_admin_viewset")
def register_branch_life_viewsets():
    return BranchLifeViewSetGroup()


@hooks.register("register_log_actions")
def branch_log_entries(actions):
    """Branch data's admin history in its own table, listed to each user within their scope
    (models.audit): every model of this app, including a viewset added later."""
    from django.apps import apps

    from .models import BranchLogEntry

    for model in apps.get_app_config("branches").get_models():
        if model is not BranchLogEntry:
            actions.register_model(model, BranchLogEntry)


@hooks.register("dangke_home_sections", order=30)
def branch_sessions_section(request):
    member = scope.member_for(request.user)
    if member is None:
        return None
    sessions = (
        Session.objects.filter(branch_id=member.branch_id, ends_at__gte=timezone.now())
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("session_type")
        .order_by("starts_at")
    )
    if member.role not in COMMITTEE_ROLES:
        sessions = sessions.filter(session_type__committee_only=False)
    return {
        "template": "branches/home_section.html",
        "context": {
            "branch": member.branch,
            "sessions": list(sessions[:4]),
            "more_url": reverse("branches:my_sessions"),
        },
    }


def my_assignments_panel(request, *, more_url=None):
    from .services.assignments import member_assignments

    items = member_assignments(request.user)
    if not items:
        return None
    return {
        "template": "branches/_my_assignments.html",
        "context": {"assignments": items, "more_url": more_url},
    }


@hooks.register("dangke_home_sections", order=5)
def assignments_home_section(request):
    # Before every other section: a member's open study assignments come first on the home page.
    panel = my_assignments_panel(request, more_url=reverse("lessons:my_learning"))
    # The home page hands its sections to templates as `section`, 我的学习 as `panel`.
    return (
        None if panel is None else {"template": "branches/home_assignments.html", "context": panel["context"]}
    )


@hooks.register("dangke_member_panels", order=10)
def assignments_member_panel(request):
    return my_assignments_panel(request)


@hooks.register("dangke_user_menu_items")
def branch_menu_items(request):
    items = []
    if scope.secretary_branch(request.user) is not None:
        items.append(("支部工作台", reverse("branches:desk")))
    if scope.member_for(request.user) is not None:
        items.append(("我的会议", reverse("branches:my_sessions")))
    if request.user.is_superuser or scope.managed_paths(request.user):
        items.append(("组织生活落实情况", reverse("branches:report")))
    if request.user.is_superuser or scope.managed_paths(request.user) or scope.secretary_branch(request.user):
        items.append(("学习任务", reverse("branches:assignments")))
    return items


def queue_session_reminders():
    from .services.reminders import queue_due_reminders

    queue_due_reminders()


def queue_assignment_reminders():
    from .services.assignments import queue_due_reminders

    queue_due_reminders()


def freeze_assignment_rosters():
    from .services.assignments import freeze_due_rosters

    freeze_due_rosters()


def queue_missing_thumbnails():
    from .services.photos import photos_without_thumbnail
    from .tasks import make_photo_thumbnail

    for photo_pk in photos_without_thumbnail():
        make_photo_thumbnail.enqueue(photo_pk)


@hooks.register("dangke_periodic_jobs")
def branch_periodic_jobs():
    # Reminders are claimed per session and member, so a run that overlaps another sends nothing twice.
    return [
        {"name": "branches.queue_session_reminders", "every": 300, "run": queue_session_reminders},
        {"name": "branches.queue_assignment_reminders", "every": 300, "run": queue_assignment_reminders},
        {"name": "branches.freeze_assignment_rosters", "every": 300, "run": freeze_assignment_rosters},
        # Photos from before thumbnails, or whose thumbnail task was lost with a queue.
        {"name": "branches.queue_missing_thumbnails", "every": 600, "run": queue_missing_thumbnails},
    ]


@hooks.register("dangke_demo_content", order=40)
def branch_demo_content(*, home_page, stdout):
    from .demo import load_branch_demo

    load_branch_demo(stdout=stdout)


@hooks.register("dangke_health_checks")
def session_types_present():
    from .models import SessionType

    count = SessionType.objects.filter(required=True).count()
    return types.SimpleNamespace(name="branches", ok=count > 0, detail=f"{count} required session types")
