"""A member's personal study record (学习记录): the page and its CSV export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings

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
    years: list[dict]  # {"year", "seconds", "minutes", "hours"}, newest first
    total_hours: float


def visible_progress(user):
    """The member's progress on lessons they may still open, newest first: the one query behind both
    the study record page and its export, so a lesson later unpublished or restricted leaves both."""
    return (
        LessonProgress.objects.filter(user=user, lesson__in=visible_lessons(user).values("pk"))
        .select_related("lesson", "lesson__series")
        .order_by("-updated_at")
    )


def study_record(user) -> StudyRecord:
    rows = list(visible_progress(user))
    # Hours per year count everything the member studied, including lessons since withdrawn.
    per_year: dict[str, float] = defaultdict(float)
    for row in LessonProgress.objects.filter(user=user).values_list("seconds_by_year", flat=True):
        for year, seconds in (row or {}).items():
            per_year[year] += seconds
    years = [
        {"year": int(year), "seconds": seconds, "minutes": int(seconds // 60), "hours": study_hours(seconds)}
        for year, seconds in sorted(per_year.items(), reverse=True)
    ]
    return StudyRecord(
        continue_watching=[r for r in rows if not r.is_completed and offers_resume(r.position, r.duration)],
        completed=sorted((r for r in rows if r.is_completed), key=lambda r: r.completed_at, reverse=True),
        years=years,
        total_hours=study_hours(sum(per_year.values())),
    )


EXPORT_HEADERS = ["党课", "系列", "授课日期", "学习时长（分钟）", "进度（%）", "是否完成", "完成时间", "最近学习时间"]


def study_record_table(user) -> Table:
    rows = visible_progress(user)
    return Table(
        EXPORT_HEADERS,
        [
            [
                row.lesson.title,
                row.lesson.series.title if row.lesson.series else "",
                row.lesson.date_given,
                int(row.played_seconds // 60),
                row.percent,
                row.is_completed,
                row.completed_at,
                row.updated_at,
            ]
            for row in rows
        ],
    )
