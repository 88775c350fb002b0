"""A member's personal study record (学习记录): the page and its CSV export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from tabular.exports import Table

from ..models import LessonProgress
from .access import visible_lessons
from .progress import offers_resume


def study_hours(seconds: float) -> float:
    return round(seconds / (settings.LESSONS_STUDY_HOUR_MINUTES * 60), 1)


@dataclass
class StudyRecord:
    continue_watching: list[LessonProgress]
    completed: list[LessonProgress]
    group_viewed: list[LessonProgress]  # lessons watched together (集体学习), newest first
    # {"year", "seconds", "minutes", "hours", "self_minutes", "group_minutes"}, newest first
    years: list[dict]
    total_hours: float
    self_study_hours: float  # 自学
    group_hours: float  # 集体学习


def visible_progress(user):
    """The member's progress on lessons they may still open, newest first: the one query behind both
    the study record page and its export, so a lesson later unpublished or restricted leaves both."""
    return (
        LessonProgress.objects.filter(user=user, lesson__in=visible_lessons(user).values("pk"))
        # A playback that started and stopped at once (the player's start heartbeat) is no study.
        .exclude(played_seconds=0, position=0, group_credited_at__isnull=True)
        .select_related("lesson", "lesson__series")
        .order_by("-updated_at")
    )


def study_record(user) -> StudyRecord:
    rows = list(visible_progress(user))
    # Hours per year count everything the member studied, including lessons since withdrawn.
    # seconds_by_year holds both kinds; group seconds sit in the year of the group viewing.
    per_year: dict[str, float] = defaultdict(float)
    group_per_year: dict[str, float] = defaultdict(float)
    every_row = LessonProgress.objects.filter(user=user).values_list(
        "seconds_by_year", "group_seconds", "group_credited_at"
    )
    for by_year, group_seconds, group_at in every_row:
        for year, seconds in (by_year or {}).items():
            per_year[year] += seconds
        if group_at is not None and group_seconds:
            group_per_year[str(timezone.localdate(group_at).year)] += group_seconds
    years = [
        {
            "year": int(year),
            "seconds": seconds,
            "minutes": int(seconds // 60),
            "hours": study_hours(seconds),
            "self_minutes": int(max(0.0, seconds - group_per_year.get(year, 0.0)) // 60),
            "group_minutes": int(group_per_year.get(year, 0.0) // 60),
        }
        for year, seconds in sorted(per_year.items(), reverse=True)
    ]
    total = sum(per_year.values())
    group_total = sum(group_per_year.values())
    return StudyRecord(
        continue_watching=[r for r in rows if not r.is_completed and offers_resume(r.position, r.duration)],
        completed=sorted((r for r in rows if r.is_completed), key=lambda r: r.completed_at, reverse=True),
        group_viewed=sorted(
            (r for r in rows if r.is_group_viewed), key=lambda r: r.group_credited_at, reverse=True
        ),
        years=years,
        total_hours=study_hours(total),
        self_study_hours=study_hours(max(0.0, total - group_total)),
        group_hours=study_hours(group_total),
    )


EXPORT_HEADERS = [
    "党课",
    "系列",
    "授课日期",
    "自学时长（分钟）",
    "进度（%）",
    "是否完成",
    "完成时间",
    "最近学习时间",
    "集体学习",
    "集体学习时长（分钟）",
    "集体学习时间",
]


def study_record_table(user) -> Table:
    rows = visible_progress(user)
    return Table(
        EXPORT_HEADERS,
        [
            [
                row.lesson.title,
                row.lesson.series.title if row.lesson.series else "",
                row.lesson.date_given,
                int(row.self_study_seconds // 60),
                row.percent,
                row.is_completed,
                row.completed_at,
                row.updated_at,
                row.is_group_viewed,
                int(row.group_seconds // 60),
                row.group_credited_at,
            ]
            for row in rows
        ],
    )
