"""Planning sessions ahead: a year by recurrence rule, a theme day visiting a red route."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from wagtail.models import Page

from ..forms import PlanYearForm
from ..models import Session, SessionStatus, SessionType
from ..services import planning, scope
from .guards import secretary_branch_or_403


@login_required
def plan_year(request):
    branch = secretary_branch_or_403(request)
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


@login_required
def plan_visit(request, route_id):
    branch = secretary_branch_or_403(request)
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
