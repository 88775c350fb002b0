"""A member's personal study record (学习记录): the page and its CSV export."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

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


def study_record(user) -> StudyRecord:
    rows = list(
        LessonProgress.objects.filter(user=user, lesson__in=visible_lessons(user).values("pk"))
        .select_related("lesson", "lesson__series")
        .order_by("-updated_at")
    )
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


CSV_HEADER = ["党课", "系列", "授课日期", "学习时长（分钟）", "进度（%）", "是否完成", "完成时间", "最近学习时间"]


def _csv_cell(value) -> str:
    """Spreadsheet formula injection: a title such as "=HYPERLINK(…)" must stay text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def study_record_csv(user) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    rows = (
        LessonProgress.objects.filter(user=user)
        .select_related("lesson", "lesson__series")
        .order_by("-updated_at")
    )
    for row in rows:
        local = timezone.localtime
        writer.writerow(
            [
                _csv_cell(row.lesson.title),
                _csv_cell(row.lesson.series.title if row.lesson.series else ""),
                row.lesson.date_given.isoformat(),
                int(row.played_seconds // 60),
                row.percent,
                "是" if row.is_completed else "否",
                local(row.completed_at).strftime("%Y-%m-%d %H:%M") if row.completed_at else "",
                local(row.updated_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return out.getvalue()
