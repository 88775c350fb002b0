"""Attendance: marking it by hand, the QR sign-in (screen, code, sign-in page) and leave decisions."""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from security.public_urls import absolute_url
from security.redirects import redirect_to_next

from ..models import Attendance, AttendanceStatus, LeaveRequest, Member, Session
from ..services import attendance as attendance_service
from ..services import scope
from .guards import managed_session
from .params import object_from_param


@login_required
@require_POST
def mark_attendance(request, pk):
    session = managed_session(request, pk)
    member = object_from_param(request.POST, "member", Member, "党员", branch=session.branch)
    if member is None:
        raise BadRequest("请选择要登记出勤的党员。")
    try:
        attendance_service.mark_attendance(session, member, request.POST.get("status", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已登记 {member.name} 的出勤。")
    return redirect(reverse("branches:session_detail", kwargs={"pk": session.pk}) + "#attendance")


@login_required
def session_qr(request, pk):
    session = managed_session(request, pk)
    return render(
        request,
        "branches/session_qr.html",
        {
            "session": session,
            "qr": _qr_payload(request, session),
            # The page polls twice per period, so a new code shows within half a period of the change.
            "refresh_seconds": max(5, settings.BRANCHES_QR_PERIOD // 2),
            "qr_period": settings.BRANCHES_QR_PERIOD,
        },
    )


@login_required
def session_qr_code(request, pk):
    session = managed_session(request, pk)
    payload = _qr_payload(request, session)
    payload["present"] = Attendance.objects.filter(
        session=session, status__in=(AttendanceStatus.PRESENT, AttendanceStatus.LATE)
    ).count()
    response = JsonResponse(payload)
    response["Cache-Control"] = "no-store"
    return response


def _qr_payload(request, session) -> dict:
    now = timezone.now()
    if not attendance_service.in_sign_in_window(session, now):
        return {"open": False, "svg": "", "url": ""}
    token = attendance_service.make_qr_token(session, now=now)
    url = absolute_url(reverse("branches:sign_in", kwargs={"token": token}), request)
    svg = segno.make(url, error="m").svg_inline(scale=6, title="签到二维码")
    return {"open": True, "svg": svg, "url": url}


@login_required
def sign_in(request, token):
    context = {"token": token}
    if request.method == "POST":
        try:
            result = attendance_service.sign_in_with_token(request.user, token)
        except attendance_service.SignInRefused as exc:
            context["error"] = str(exc)
            return render(request, "branches/sign_in.html", context, status=400)
        context["result"] = result
        context["session"] = result.attendance.session
        return render(request, "branches/sign_in.html", context)
    try:
        session_pk = attendance_service.read_qr_token(token)
    except attendance_service.SignInRefused as exc:
        context["error"] = str(exc)
        return render(request, "branches/sign_in.html", context, status=400)
    session = Session.objects.select_related("session_type", "branch").filter(pk=session_pk).first()
    member = scope.member_for(request.user)
    if session is not None and (
        member is None
        or member.branch_id != session.branch_id
        or not attendance_service.is_invited(session, member)
    ):
        # The topic and place of a meeting are for its invitees only.
        context["error"] = (
            "此会议仅限支委会成员参加，您不能签到。"
            if member is not None and member.branch_id == session.branch_id
            else "您不是本支部党员，不能签到此会议。"
        )
        return render(request, "branches/sign_in.html", context, status=403)
    context["session"] = session
    return render(request, "branches/sign_in.html", context)


@login_required
@require_POST
def leave_decide(request, pk, decision):
    leave = get_object_or_404(LeaveRequest.objects.select_related("session__branch", "member"), pk=pk)
    if not scope.can_manage_branch(request.user, leave.session.branch) or decision not in (
        "approve",
        "reject",
    ):
        raise PermissionDenied
    try:
        attendance_service.decide_leave(leave, approve=decision == "approve", by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request, f"已{'批准' if decision == 'approve' else '驳回'} {leave.member.name} 的请假。"
        )
    return redirect_to_next(request, reverse("branches:desk"))
