"""Keep page privacy and the privacy of a lesson's files (recording, captions, attachments) in step
with its audience, and drop the progress endpoint's cached view of a lesson when it changes."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from .models import LessonPage


def _lesson_ids_under(page) -> list[int]:
    return list(LessonPage.objects.filter(path__startswith=page.path).values_list("pk", flat=True))


def on_lesson_published(sender, instance, **kwargs):
    from .services.access import forget_lesson_access
    from .services.privacy import apply_audience

    forget_lesson_access([instance.pk])
    apply_audience(instance)


def on_lesson_changed(sender, instance, **kwargs):
    """A lesson saved (a new recording, say) or unpublished; Wagtail unpublishes a live page before
    deleting it, so deletions arrive here too."""
    from .services.access import forget_lesson_access

    forget_lesson_access([instance.pk])


def on_page_moved(sender, instance, **kwargs):
    """Moving a page changes the ancestors whose view restrictions apply to the lessons under it.
    Wagtail sends the page as reloaded after the move, with its new path."""
    from .services.access import forget_lesson_access

    forget_lesson_access(_lesson_ids_under(instance))


def on_view_restriction_changed(sender, instance, **kwargs):
    """Privacy set in Wagtail's privacy dialog, on a lesson or on an ancestor of lessons."""
    from .services.access import forget_lesson_access
    from .services.privacy import queue_recording_privacy

    lesson_ids = _lesson_ids_under(instance.page)
    if lesson_ids:
        forget_lesson_access(lesson_ids)
        queue_recording_privacy(lesson_ids)


def connect():
    page_published.connect(on_lesson_published, sender=LessonPage, dispatch_uid="lessons_apply_audience")
    page_unpublished.connect(on_lesson_changed, sender=LessonPage, dispatch_uid="lessons_access_unpublished")
    post_save.connect(on_lesson_changed, sender=LessonPage, dispatch_uid="lessons_access_saved")
    post_page_move.connect(on_page_moved, dispatch_uid="lessons_access_moved")
    post_save.connect(on_view_restriction_changed, sender=PageViewRestriction, dispatch_uid="lessons_privacy_save")
    post_delete.connect(
        on_view_restriction_changed, sender=PageViewRestriction, dispatch_uid="lessons_privacy_delete"
    )
