"""The 三会一课 record book of one branch for one year: rows for the printable page and the .xlsx."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from tabular.exports import Table

from ..models import AttendanceStatus, Organisation, Session


@dataclass
class RegisterRow:
    session: Session
    present: int
    late: int
    leave: int
    absent: int
    absentees: list[str]
    lessons: list[str]


def register_rows(branch: Organisation, year: int) -> list[RegisterRow]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime(year, 1, 1), tz)
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1), tz)
    sessions = (
        Session.objects.filter(branch=branch, starts_at__gte=start, starts_at__lt=end)
        .select_related("session_type", "organiser", "route")
        .prefetch_related("lesson_links__lesson", "attendances__member")
        .annotate(
            n_present=Count("attendances", filter=Q(attendances__status=AttendanceStatus.PRESENT)),
            n_late=Count("attendances", filter=Q(attendances__status=AttendanceStatus.LATE)),
            n_leave=Count("attendances", filter=Q(attendances__status=AttendanceStatus.LEAVE)),
            n_absent=Count("attendances", filter=Q(attendances__status=AttendanceStatus.ABSENT)),
        )
        .order_by("session_type__sort_order", "starts_at")
    )
    return [
        RegisterRow(
            session=s,
            present=s.n_present,
            late=s.n_late,
            leave=s.n_leave,
            absent=s.n_absent,
            absentees=sorted(
                a.member.name for a in s.attendances.all() if a.status == AttendanceStatus.ABSENT
            ),
            lessons=[link.lesson.title for link in s.lesson_links.all()],
        )
        for s in sessions
    ]


HEADERS = [
    "类型",
    "主题",
    "日期",
    "时间",
    "地点",
    "组织人",
    "状态",
    "出席",
    "迟到",
    "请假",
    "缺席",
    "缺席人员",
    "观看党课",
    "红色线路",
    "议程",
    "会议记录",
    "决议事项",
]


COLUMN_WIDTHS = [14, 30, 12, 12, 16, 10, 8, 6, 6, 6, 6, 20, 24, 20, 30, 40, 30]


def register_table(branch: Organisation, year: int) -> Table:
    """The record book for the .xlsx download: a heading line, then one row per session."""
    tz = timezone.get_current_timezone()
    rows = []
    for row in register_rows(branch, year):
        s = row.session
        local = s.starts_at.astimezone(tz)
        rows.append(
            [
                s.session_type.name,
                s.topic,
                local.date(),
                f"{local:%H:%M}-{s.ends_at.astimezone(tz):%H:%M}",
                s.place,
                s.organiser.name if s.organiser else "",
                s.get_status_display(),
                row.present,
                row.late,
                row.leave,
                row.absent,
                "、".join(row.absentees),
                "、".join(row.lessons),
                s.route.title if s.route else "",
                s.agenda,
                s.minutes,
                s.decisions,
            ]
        )
    return Table(
        HEADERS,
        rows,
        title=f"{branch.name} {year}年“三会一课”记录簿",
        sheet_name=f"{year}年三会一课",
        widths=COLUMN_WIDTHS,
    )
