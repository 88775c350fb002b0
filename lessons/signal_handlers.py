"""Keep page privacy and the privacy of a lesson's files (recording, captions, attachments) in step
with its audience."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published

from .models import LessonPage


def on_lesson_published(sender, instance, **kwargs):
    from .services import apply_audience

    apply_audience(instance)


def on_view_restriction_changed(sender, instance, **kwargs):
    """Privacy set in Wagtail's privacy dialog, on a lesson or on an ancestor of lessons."""
    from .services import queue_recording_privacy

    page = instance.page
    lesson_ids = list(LessonPage.objects.filter(path__startswith=page.path).values_list("pk", flat=True))
    if lesson_ids:
        queue_recording_privacy(lesson_ids)


def connect():
    page_published.connect(on_lesson_published, sender=LessonPage, dispatch_uid="lessons_apply_audience")
    post_save.connect(on_view_restriction_changed, sender=PageViewRestriction, dispatch_uid="lessons_privacy_save")
    post_delete.connect(
        on_view_restriction_changed, sender=PageViewRestriction, dispatch_uid="lessons_privacy_delete"
    )
