"""Links from sites and routes to lessons. A ForeignKey to wagtailcore.Page (so the migrations do
not depend on the lessons app) that only accepts lessons.LessonPage, checked in clean()."""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import PageChooserPanel
from wagtail.models import Orderable

LESSON_PAGE_LABEL = "lessons.LessonPage"


def is_lesson_page(page) -> bool:
    content_type = page.content_type
    return f"{content_type.app_label}.{content_type.model}" == LESSON_PAGE_LABEL.lower()


class LessonChooserPanel(PageChooserPanel):
    """Chooses lessons.LessonPage once the lessons app defines it, any page until then (clean()
    still refuses anything but a lesson)."""

    def __init__(self, field_name, **kwargs):
        kwargs.pop("page_type", None)
        super().__init__(field_name, **kwargs)

    def get_form_options(self):
        try:
            apps.get_model(LESSON_PAGE_LABEL)
        except LookupError:
            self.page_type = None
        else:
            self.page_type = LESSON_PAGE_LABEL
        return super().get_form_options()


class RelatedLesson(Orderable):
    lesson = models.ForeignKey(
        "wagtailcore.Page", verbose_name="党课", on_delete=models.CASCADE, related_name="+"
    )

    panels = [LessonChooserPanel("lesson")]

    class Meta(Orderable.Meta):
        abstract = True
        verbose_name = "相关党课"
        verbose_name_plural = "相关党课"

    def clean(self):
        super().clean()
        if self.lesson_id and not is_lesson_page(self.lesson):
            raise ValidationError({"lesson": "请选择一节党课（党课页面）。"})


def live_lessons(related_rows):
    """The live, specific lesson pages of a page's related-lesson rows, in order."""
    return [row.lesson.specific for row in related_rows if row.lesson.live and is_lesson_page(row.lesson)]
