from io import StringIO

import pytest
from wagtail.models import WorkflowPage

from lessons.demo import load_demo_lessons
from lessons.models import LessonIndexPage, LessonPage, LessonSeriesPage, Speaker

pytestmark = pytest.mark.django_db


def counts():
    return (LessonPage.objects.count(), LessonSeriesPage.objects.count(), Speaker.objects.count(),
            LessonPage.objects.filter(recording__isnull=False).count())


@pytest.mark.slow
def test_demo_lessons_are_complete_and_idempotent(home_page, settings, django_capture_on_commit_callbacks):
    settings.MEDIA_LADDER = [(90, 200)]
    with django_capture_on_commit_callbacks(execute=True):
        load_demo_lessons(home_page=home_page, stdout=StringIO())
    first = counts()
    assert first[0] >= 12 and first[1] == 2 and first[3] == first[0]
    assert {s.title for s in LessonSeriesPage.objects.all()} == {"党课开讲啦·月讲悦听", "精品党课展播"}
    lesson = LessonPage.objects.get(slug="monthly-02")
    assert lesson.chapters.count() == 3 and len(lesson.transcript_cues()) == 3
    assert lesson.recording.is_ready
    members_only = LessonPage.objects.get(slug="monthly-05")
    assert members_only.get_view_restrictions().exists()
    assert members_only.recording.members_only
    index = LessonIndexPage.objects.get()
    assert index.show_in_menus
    assert WorkflowPage.objects.get(page=index).workflow.name == "政治审核"
    load_demo_lessons(home_page=home_page, stdout=StringIO())
    assert counts() == first
