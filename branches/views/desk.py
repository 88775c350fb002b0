"""The way in: /branches/ sends each user to their page, and the secretary's work desk."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from ..models import LeaveRequest, LeaveStatus, Member, Session, SessionStatus
from ..services import assignments, live_viewing, scope
from ..services.cadence import cadence_report, current_window
from .guards import secretary_branch_or_403


@login_required
def home(request):
    if scope.secretary_branch(request.user) is not None:
        return redirect("branches:desk")
    if scope.member_for(request.user) is not None:
        return redirect("branches:my_sessions")
    if scope.reportable_roots(request.user):
        return redirect("branches:report")
    raise PermissionDenied("您的账号尚未关联党组织。")


@login_required
def desk(request):
    branch = secretary_branch_or_403(request)
    now = timezone.now()
    sessions = Session.objects.filter(branch=branch).select_related("session_type")
    upcoming = list(
        sessions.filter(ends_at__gte=now).exclude(status=SessionStatus.CANCELLED).order_by("starts_at")[:10]
    )
    lives = live_viewing.live_viewings(upcoming)
    for session in upcoming:
        session.live_viewing = lives.get(session.pk)
    to_record = sessions.filter(
        ends_at__lt=now, status__in=(SessionStatus.PLANNED, SessionStatus.POSTPONED)
    ).order_by("-starts_at")[:10]
    pending_leave = LeaveRequest.objects.filter(
        session__branch=branch, status=LeaveStatus.PENDING
    ).select_related("member", "session")
    gaps = []
    for kind in ("quarter", "year"):
        report = cadence_report(branch, current_window(kind))
        result = report.branches[0] if report.branches else None
        gaps.append({"window": report.window, "missing": report.missing_labels(result) if result else []})
    return render(
        request,
        "branches/desk.html",
        {
            "branch": branch,
            "upcoming": upcoming,
            "to_record": to_record,
            "pending_leave": pending_leave,
            "gaps": gaps,
            "member_count": Member.objects.filter(branch=branch, is_active=True).count(),
            "assignments": assignments.branch_overview(branch),
            "year": timezone.localdate().year,
            "live_lessons": live_viewing.upcoming_live_lessons()
            .live()
            .order_by("live_stream__scheduled_start")[:5],
        },
    )
