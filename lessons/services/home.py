"""The lessons section of the home page: the latest lesson, the showcase series and what to continue."""

from __future__ import annotations

from ..models import HomeDisplay, LessonProgress, LessonSeriesPage
from .access import visible_lessons
from .progress import offers_resume


def home_section_context(request) -> dict | None:
    user = request.user
    lessons = visible_lessons(user).select_related("series").order_by("-date_given", "-pk")
    latest_series = LessonSeriesPage.objects.live().filter(home_display=HomeDisplay.LATEST).first()
    latest = lessons.filter(series=latest_series).first() if latest_series else None
    showcase_series = LessonSeriesPage.objects.live().filter(home_display=HomeDisplay.SHOWCASE).first()
    showcase = list(lessons.filter(series=showcase_series)[:4]) if showcase_series else []
    continue_watching = []
    if user.is_authenticated:
        recent = (
            LessonProgress.objects.filter(
                user=user, completed_at__isnull=True, position__gt=0,
                lesson__in=visible_lessons(user).values("pk"),
            )
            .select_related("lesson")
            .order_by("-updated_at")[:10]
        )
        continue_watching = [row for row in recent if offers_resume(row.position, row.duration)][:3]
    if latest is None and not showcase and not continue_watching:
        return None
    return {
        "latest_series": latest_series,
        "latest": latest,
        "showcase_series": showcase_series,
        "showcase": showcase,
        "continue_watching": continue_watching,
    }
