"""The lesson index's filters (series, speaker role, topic, year) and their choices."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from taggit.models import Tag

from ..models import LessonSeriesPage, LessonSpeaker, SpeakerRole
from .access import visible_lessons


@dataclass(frozen=True)
class LessonFilters:
    series: int | None = None
    role: str = ""
    topic: str = ""
    year: int | None = None

    @classmethod
    def from_query(cls, query) -> LessonFilters:
        """Unknown or malformed values are ignored rather than answered with an error page."""
        series = query.get("series", "")
        year = query.get("year", "")
        role = query.get("role", "")
        return cls(
            series=int(series) if series.isdigit() else None,
            role=role if role in SpeakerRole.values else "",
            topic=query.get("topic", "")[:100],
            year=int(year) if year.isdigit() and 1900 < int(year) < 3000 else None,
        )

    @property
    def active(self) -> bool:
        return bool(self.series or self.role or self.topic or self.year)


def filter_lessons(index_page, filters: LessonFilters, *, user):
    lessons = visible_lessons(user).descendant_of(index_page)
    if filters.series:
        lessons = lessons.filter(series_id=filters.series)
    if filters.role:
        lessons = lessons.filter(
            pk__in=LessonSpeaker.objects.filter(speaker__role=filters.role).values("page_id")
        )
    if filters.topic:
        lessons = lessons.filter(tags__slug=filters.topic)
    if filters.year:
        lessons = lessons.filter(date_given__year=filters.year)
    return (
        lessons.order_by("-date_given", "-pk")
        .select_related("series")
        .prefetch_related(
            Prefetch("lesson_speakers", queryset=LessonSpeaker.objects.select_related("speaker"))
        )
        .distinct()
    )


def lesson_filter_choices(index_page, *, user) -> dict:
    lessons = visible_lessons(user).descendant_of(index_page)
    return {
        "series": list(
            LessonSeriesPage.objects.live().child_of(index_page).order_by("title").values_list("pk", "title")
        ),
        "roles": SpeakerRole.choices,
        "topics": list(
            Tag.objects.filter(lessons_lessonpagetag_items__content_object__in=lessons)
            .distinct()
            .order_by("name")
            .values_list("slug", "name")
        ),
        "years": sorted({d.year for d in lessons.dates("date_given", "year")}, reverse=True),
    }
