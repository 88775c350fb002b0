"""A member's own pages: my sessions and asking for leave."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ..forms import LeaveForm
from ..models import Attendance, LeaveRequest, Session
from ..models.organisations import COMMITTEE_ROLES
from ..services import attendance as attendance_service
from ..services import live_viewing, scope


@login_required
def my_sessions(request):
    member = scope.member_for(request.user)
    if member is None:
        raise PermissionDenied("您的账号尚未关联党员信息。")
    now = timezone.now()
    sessions = Session.objects.filter(branch_id=member.branch_id).select_related("session_type")
    if member.role not in COMMITTEE_ROLES:
        sessions = sessions.filter(session_type__committee_only=False)
    marks = {a.session_id: a for a in Attendance.objects.filter(member=member)}
    leaves = {lv.session_id: lv for lv in LeaveRequest.objects.filter(member=member)}
    upcoming = list(sessions.filter(ends_at__gte=now).order_by("starts_at")[:20])
    past = list(sessions.filter(ends_at__lt=now).order_by("-starts_at")[:30])
    lives = live_viewing.live_viewings(upcoming + past)
    for session in upcoming + past:
        session.live_viewing = lives.get(session.pk)
        session.my_attendance = marks.get(session.pk)
        session.my_leave = leaves.get(session.pk)
    feed = member.feed_tokens.filter(revoked_at__isnull=True).first()
    return render(
        request,
        "branches/my_sessions.html",
        {
            "member": member,
            "upcoming": upcoming,
            "past": past,
            "feed": feed,
        },
    )


@login_required
@require_POST
def leave_request(request, pk):
    session = get_object_or_404(Session, pk=pk)
    member = scope.member_for(request.user)
    if member is None or member.branch_id != session.branch_id:
        raise PermissionDenied
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            attendance_service.request_leave(session, member, form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "请假申请已提交，等待书记审批。")
    else:
        messages.error(request, "请填写请假事由。")
    return redirect("branches:session_detail", pk=session.pk)
