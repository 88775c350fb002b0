"""One session: its page, the secretary's form to arrange or edit it, and cancel/postpone/move/close."""

from __future__ import annotations

import posixpath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from media.backends import get_storage_backend

from ..forms import LeaveForm, MoveForm, PostponeForm, SessionForm
from ..models import (
    Attendance,
    AttendanceStatus,
    LeaveRequest,
    Session,
    SessionLesson,
    SessionPhoto,
    SessionType,
)
from ..services import attendance as attendance_service
from ..services import live_viewing, planning, scope
from .guards import managed_session, secretary_branch_or_403


@login_required
def session_detail(request, pk):
    session = get_object_or_404(
        Session.objects.select_related("branch", "session_type", "organiser", "lecturer", "route"), pk=pk
    )
    if not scope.can_view_session(request.user, session):
        raise PermissionDenied
    member = scope.member_for(request.user)
    manages = scope.can_manage_branch(request.user, session.branch)
    own_member = member if member and member.branch_id == session.branch_id else None
    context = {
        "session": session,
        "manages": manages,
        "own_member": own_member,
        "my_attendance": Attendance.objects.filter(session=session, member=own_member).first()
        if own_member
        else None,
        "my_leave": LeaveRequest.objects.filter(session=session, member=own_member).first()
        if own_member
        else None,
        "leave_form": LeaveForm(),
        "lessons": [link.lesson for link in session.lesson_links.select_related("lesson")],
        "photos": session.photos.all(),
        "live_viewing": live_viewing.live_viewing(session),
        "can_see_all": manages or scope.can_report_on(request.user, session.branch),
    }
    if context["can_see_all"]:
        context["sheet"] = attendance_service.attendance_sheet(session)
        context["statuses"] = AttendanceStatus.choices
        context["leave_requests"] = session.leave_requests.select_related("member")
        if session.session_type.needs_quorum:
            context["quorum"] = attendance_service.quorum(session)
    if manages:
        context["clashes"] = planning.find_clashes(session)
        context["postpone_form"] = PostponeForm()
    return render(request, "branches/session_detail.html", context)


def _save_session_form(request, form, branch) -> Session:
    with transaction.atomic():
        session = form.save(commit=False)
        session.branch = branch
        session.save()
        lessons = list(form.cleaned_data.get("lessons") or [])
        session.lesson_links.all().delete()
        for order, lesson in enumerate(lessons):
            SessionLesson.objects.create(session=session, lesson=lesson, sort_order=order)
        Session.objects.filter(pk=session.pk).update(counts_as_party_lesson=bool(lessons))
        attendance_service.sync_group_viewing(session.pk)  # the lessons or the date may have changed
        image_file = form.cleaned_data.get("photo")
        if image_file:
            # Private to the branch: never into the (public, shared) Wagtail image library.
            SessionPhoto.objects.create(
                session=session, file=image_file, caption=form.cleaned_data.get("photo_caption", "")
            )
    return session


@login_required
def session_create(request):
    branch = secretary_branch_or_403(request)
    initial = {}
    live_pk = request.GET.get("live", "")
    if live_pk.isdigit():
        # 安排集体收看: a session of 主题党日 (or the chosen type) at the live's scheduled time.
        lesson = live_viewing.upcoming_live_lessons().live().filter(pk=int(live_pk)).first()
        if lesson is not None:
            initial.update(live_viewing.prefill(lesson.live_stream))
            initial.update(topic=f"{live_viewing.LABEL}：{lesson.title}", lessons=[lesson.pk])
            initial["session_type"] = SessionType.objects.filter(slug="theme-day").first()
    if request.GET.get("type"):
        initial["session_type"] = SessionType.objects.filter(slug=request.GET["type"]).first()
    form = SessionForm(request.POST or None, request.FILES or None, branch=branch, initial=initial)
    if request.method == "POST" and form.is_valid():
        session = _save_session_form(request, form, branch)
        for clash in planning.find_clashes(session):
            messages.warning(request, f"时间冲突：{clash.detail}")
        messages.success(request, "会议已安排。")
        return redirect("branches:session_detail", pk=session.pk)
    return render(request, "branches/session_form.html", {"form": form, "branch": branch, "creating": True})


@login_required
def session_edit(request, pk):
    session = managed_session(request, pk)
    form = SessionForm(request.POST or None, request.FILES or None, instance=session, branch=session.branch)
    if request.method == "POST" and form.is_valid():
        session = _save_session_form(request, form, session.branch)
        for clash in planning.find_clashes(session):
            messages.warning(request, f"时间冲突：{clash.detail}")
        messages.success(request, "已保存。")
        return redirect("branches:session_detail", pk=session.pk)
    return render(
        request, "branches/session_form.html", {"form": form, "branch": session.branch, "session": session}
    )


@login_required
@require_POST
def session_action(request, pk, action):
    session = managed_session(request, pk)
    try:
        if action == "cancel":
            planning.cancel_session(session)
            messages.success(request, "会议已取消，不计入组织生活次数。")
        elif action in ("postpone", "move"):
            form = (PostponeForm if action == "postpone" else MoveForm)(request.POST)
            if not form.is_valid():
                raise ValidationError("请填写新的开始时间。")
            if action == "postpone":
                planning.postpone_session(session, starts_at=form.cleaned_data["starts_at"])
                messages.success(request, "会议已延期。")
            else:
                planning.move_session(session, starts_at=form.cleaned_data["starts_at"])
                messages.success(request, "会议时间已调整。")
            for clash in planning.find_clashes(session):
                messages.warning(request, f"时间冲突：{clash.detail}")
        elif action == "close":
            attendance_service.close_session(session, by=request.user)
            messages.success(request, "已标记为已召开，未签到的党员记为缺席。")
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        attendance_service.sync_group_viewing(session.pk)  # cancelled or moved: 集体学习 follows
    return redirect("branches:session_detail", pk=session.pk)


@login_required
def session_photo(request, pk):
    """A meeting photo, for those who may see the session (checked on every request); the file
    comes from private storage (X-Accel-Redirect / X-Sendfile, or a short-lived signed S3 URL)."""
    photo = get_object_or_404(
        SessionPhoto.objects.select_related("session__branch", "session__session_type"), pk=pk
    )
    if not scope.can_view_session(request.user, photo.session):
        raise PermissionDenied
    if request.GET.get("size") == "small" and photo.has_fresh_thumbnail:
        name = photo.thumbnail  # the page's smaller copy; the original without ?size
    else:
        name = photo.file.name
    return get_storage_backend().original_response(
        request, name, f"会议照片-{photo.pk}{posixpath.splitext(name)[1]}", inline=True
    )
