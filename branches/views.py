"""Front-end pages of branch life: the secretary's work desk, "my sessions", sign-in, the register,
the cadence checker, calendar feeds. Every view checks scope on the server (services.scope)."""

from __future__ import annotations

import csv
import datetime as dt

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from wagtail.images import get_image_model
from wagtail.models import Collection, Page

from .forms import LeaveForm, MoveForm, PlanYearForm, PostponeForm, ReportForm, SessionForm
from .models import (
    Attendance,
    AttendanceStatus,
    LeaveRequest,
    LeaveStatus,
    Member,
    Organisation,
    Session,
    SessionLesson,
    SessionPhoto,
    SessionStatus,
    SessionType,
)
from .models.organisations import COMMITTEE_ROLES
from .services import attendance as attendance_service
from .services import calendars, planning, register, scope
from .services.cadence import cadence_report, current_window, period_label, window_for


def _secretary_branch_or_403(request) -> Organisation:
    branch = scope.secretary_branch(request.user)
    if branch is None:
        raise PermissionDenied("只有支部书记可以使用支部工作台。")
    return branch


def _managed_session(request, pk) -> Session:
    session = get_object_or_404(Session.objects.select_related("branch", "session_type"), pk=pk)
    if not scope.can_manage_branch(request.user, session.branch):
        raise PermissionDenied
    return session


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
    branch = _secretary_branch_or_403(request)
    now = timezone.now()
    sessions = Session.objects.filter(branch=branch).select_related("session_type")
    upcoming = (
        sessions.filter(ends_at__gte=now).exclude(status=SessionStatus.CANCELLED).order_by("starts_at")[:10]
    )
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
            "year": timezone.localdate().year,
        },
    )


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
    for session in upcoming + past:
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
def session_detail(request, pk):
    session = get_object_or_404(
        Session.objects.select_related("branch", "session_type", "organiser", "lecturer", "route"), pk=pk
    )
    if not scope.can_view_branch(request.user, session.branch):
        raise PermissionDenied
    member = scope.member_for(request.user)
    manages = scope.can_manage_branch(request.user, session.branch)
    own_member = member if member and member.branch_id == session.branch_id else None
    if (
        own_member
        and session.session_type.committee_only
        and own_member.role not in COMMITTEE_ROLES
        and not manages
    ):
        raise PermissionDenied
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
        "photos": session.photos.select_related("image"),
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
        image_file = form.cleaned_data.get("photo")
        if image_file:
            image = get_image_model().objects.create(
                title=form.cleaned_data.get("photo_caption") or session.topic,
                file=image_file,
                collection=Collection.get_first_root_node(),
                uploaded_by_user=request.user,
            )
            SessionPhoto.objects.create(
                session=session, image=image, caption=form.cleaned_data.get("photo_caption", "")
            )
    return session


@login_required
def session_create(request):
    branch = _secretary_branch_or_403(request)
    initial = {}
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
    session = _managed_session(request, pk)
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
    session = _managed_session(request, pk)
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
    return redirect("branches:session_detail", pk=session.pk)


@login_required
@require_POST
def mark_attendance(request, pk):
    session = _managed_session(request, pk)
    member = get_object_or_404(Member, pk=request.POST.get("member"), branch=session.branch)
    try:
        attendance_service.mark_attendance(session, member, request.POST.get("status", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已登记 {member.name} 的出勤。")
    return redirect(reverse("branches:session_detail", kwargs={"pk": session.pk}) + "#attendance")


@login_required
def session_qr(request, pk):
    session = _managed_session(request, pk)
    return render(
        request,
        "branches/session_qr.html",
        {
            "session": session,
            "qr": _qr_payload(request, session),
            "refresh_seconds": max(5, settings.BRANCHES_QR_PERIOD // 2),
        },
    )


@login_required
def session_qr_code(request, pk):
    session = _managed_session(request, pk)
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
    url = request.build_absolute_uri(reverse("branches:sign_in", kwargs={"token": token}))
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
    context["session"] = (
        Session.objects.select_related("session_type", "branch").filter(pk=session_pk).first()
    )
    return render(request, "branches/sign_in.html", context)


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
    return redirect(request.POST.get("next") or reverse("branches:desk"))


@login_required
def plan_year(request):
    branch = _secretary_branch_or_403(request)
    form = PlanYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = planning.plan_year(
                branch=branch,
                session_type=data["session_type"],
                year=data["year"],
                rule=data["rule"] or None,
                start_time=data["start_time"],
                place=data["place"],
                organiser=scope.member_for(request.user),
            )
        except ValidationError as exc:
            form.add_error("rule", "；".join(exc.messages))
        else:
            count = series.sessions.count()
            messages.success(
                request, f"已按规则安排 {data['year']} 年{data['session_type'].name} {count} 次。"
            )
            return redirect("branches:desk")
    return render(
        request,
        "branches/plan_year.html",
        {"form": form, "branch": branch, "session_types": SessionType.objects.all()},
    )


def _register_branch(request) -> Organisation:
    branch_id = request.GET.get("branch")
    if branch_id:
        branch = get_object_or_404(Organisation, pk=branch_id)
        if not scope.can_report_on(request.user, branch):
            raise PermissionDenied
        return branch
    return _secretary_branch_or_403(request)


@login_required
def register_page(request, year):
    branch = _register_branch(request)
    return render(
        request,
        "branches/register.html",
        {
            "branch": branch,
            "year": year,
            "rows": register.register_rows(branch, year),
        },
    )


@login_required
def register_xlsx(request, year):
    branch = _register_branch(request)
    response = HttpResponse(
        register.register_xlsx(branch, year),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="register-{branch.code}-{year}.xlsx"'
    return response


def _report_params(request):
    roots = scope.reportable_roots(request.user)
    if not roots:
        raise PermissionDenied("您没有查看组织生活统计的权限。")
    org_id = request.GET.get("org")
    root = get_object_or_404(Organisation, pk=org_id) if org_id else roots[0]
    if not scope.can_report_on(request.user, root):
        raise PermissionDenied
    today = timezone.localdate()
    form = ReportForm(request.GET or None, initial={"period": "quarter", "year": today.year})
    if form.is_bound and form.is_valid():
        window = window_for(
            form.cleaned_data["period"], form.cleaned_data["year"], form.cleaned_data["index"]
        )
    else:
        window = current_window("quarter", today)
        form = ReportForm(initial={"period": "quarter", "year": today.year, "index": window.index})
    return roots, root, window, form


@login_required
def report(request):
    roots, root, window, form = _report_params(request)
    result = cadence_report(root, window)
    children = list(root.get_children()) if not root.holds_sessions else []
    ancestors = [a for a in root.get_ancestors() if scope.can_report_on(request.user, a)]
    gaps = result.branches_with_gaps
    return render(
        request,
        "branches/report.html",
        {
            "roots": roots,
            "root": root,
            "ancestors": ancestors,
            "window": window,
            "form": form,
            "report": result,
            "summary": result.summary(children),
            "gap_rows": [(b, result.missing_labels(b)) for b in gaps[:200]],
            "gap_total": len(gaps),
            "branch_total": len(result.branches),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def report_csv(request):
    _roots, root, window, _form = _report_params(request)
    result = cadence_report(root, window)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="cadence-{root.code}-{window.kind}-{window.year}-{window.index}.csv"'
    )
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(["组织代码", "支部", "会议类型", "缺少的周期", "缺少次数", "统计周期"])
    types = {st.pk: st for st in result.session_types}
    for branch in result.branches_with_gaps:
        for type_pk, buckets in branch.missing.items():
            st = types[type_pk]
            labels = "、".join(period_label(st.cadence, window.year, b) for b in buckets)
            writer.writerow([branch.code, branch.name, st.name, labels, len(buckets), window.label])
    return response


@login_required
def feeds(request):
    member = scope.member_for(request.user)
    branch = scope.secretary_branch(request.user)
    if member is None:
        raise PermissionDenied("您的账号尚未关联党员信息。")
    if request.method == "POST":
        target = request.POST.get("target")
        action = request.POST.get("action")
        owner = (
            {"member": member}
            if target == "member"
            else {"branch": branch}
            if target == "branch" and branch
            else None
        )
        if owner is None:
            raise PermissionDenied
        if action == "issue":
            calendars.issue_token(by=request.user, **owner)
            messages.success(request, "已生成新的订阅地址，旧地址已失效。")
        elif action == "revoke":
            calendars.revoke_tokens(**owner)
            messages.success(request, "订阅地址已停用。")
        return redirect("branches:feeds")
    member_feed = member.feed_tokens.filter(revoked_at__isnull=True).first()
    branch_feed = (
        branch.feed_tokens.filter(revoked_at__isnull=True, member__isnull=True).first() if branch else None
    )
    return render(
        request,
        "branches/feeds.html",
        {
            "member": member,
            "branch": branch,
            "member_feed_url": _feed_url(request, member_feed),
            "branch_feed_url": _feed_url(request, branch_feed),
        },
    )


def _feed_url(request, feed) -> str:
    return (
        request.build_absolute_uri(reverse("branches:calendar_feed", kwargs={"token": feed.token}))
        if feed
        else ""
    )


def calendar_feed(request, token):
    """Calendar apps fetch this without a session: the secret URL is the credential."""
    feed = calendars.active_token(token)
    if feed is None:
        raise Http404("订阅地址无效或已停用。")
    response = HttpResponse(
        calendars.build_calendar(feed, domain=request.get_host()), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def plan_visit(request, route_id):
    branch = _secretary_branch_or_403(request)
    route = get_object_or_404(Page.objects.live(), pk=route_id)
    if route.specific_class is None or route.specific_class._meta.label != settings.BRANCHES_ROUTE_PAGE_TYPE:
        raise Http404("不是红色线路页面。")
    theme_day = SessionType.objects.filter(slug="theme-day").first() or SessionType.objects.first()
    if request.method == "POST":
        tz = timezone.get_current_timezone()
        day = timezone.localdate() + dt.timedelta(days=14)
        starts = timezone.make_aware(dt.datetime.combine(day, theme_day.default_start_time), tz)
        session = Session.objects.create(
            branch=branch,
            session_type=theme_day,
            topic=f"主题党日：{route.title}",
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=theme_day.default_duration_minutes),
            place=route.title,
            route=route,
            organiser=scope.member_for(request.user),
            status=SessionStatus.PLANNED,
        )
        messages.success(request, "已创建主题党日草稿，请确认时间和地点。")
        return redirect("branches:session_edit", pk=session.pk)
    return render(
        request, "branches/plan_visit.html", {"route": route, "branch": branch, "session_type": theme_day}
    )


@login_required
def api_sessions(request):
    """JSON of the sessions this user may see (same scope as the pages)."""
    sessions = scope.visible_sessions(request.user).select_related("session_type", "branch")
    member = scope.member_for(request.user)
    if (
        member is not None
        and not request.user.is_superuser
        and not scope.managed_paths(request.user)
        and member.role not in COMMITTEE_ROLES
    ):
        sessions = sessions.filter(session_type__committee_only=False)
    start = request.GET.get("from")
    if start:
        try:
            sessions = sessions.filter(starts_at__date__gte=dt.date.fromisoformat(start))
        except ValueError:
            return JsonResponse({"error": "from 应为 YYYY-MM-DD"}, status=400)
    data = [
        {
            "id": s.pk,
            "branch": s.branch.name,
            "type": s.session_type.name,
            "topic": s.topic,
            "starts_at": s.starts_at.isoformat(),
            "ends_at": s.ends_at.isoformat(),
            "place": s.place,
            "status": s.status,
        }
        for s in sessions.order_by("starts_at")[:200]
    ]
    return JsonResponse({"results": data})
