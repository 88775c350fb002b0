import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Workflow, WorkflowPage

from lessons.models import Audience, LessonPage

pytestmark = pytest.mark.django_db


def test_scheduled_lesson_goes_live_with_publish_scheduled(make_lesson, make_recording, monkeypatch):
    from lessons.services import privacy

    calls = []
    monkeypatch.setattr(privacy, "set_recording_members_only", lambda recording, value: calls.append(value))
    lesson = make_lesson(title="定时发布", live=False, publish=False, audience=Audience.MEMBERS,
                         recording=make_recording())
    lesson.go_live_at = timezone.now() + datetime.timedelta(hours=1)
    lesson.save_revision().publish()  # with go_live_at in the future this schedules, not publishes
    lesson.refresh_from_db()
    assert not lesson.live
    call_command("publish_scheduled", stdout=StringIO())
    assert not LessonPage.objects.get(pk=lesson.pk).live

    # Two hours later, as the scheduler sees it.
    later = timezone.now() + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    call_command("publish_scheduled", stdout=StringIO())
    lesson = LessonPage.objects.get(pk=lesson.pk)
    assert lesson.live
    # Publishing from the scheduler runs the same audience handling as publishing by hand.
    assert lesson.get_view_restrictions().filter(restriction_type="login").exists()


def test_lessons_under_the_index_use_the_review_workflow(make_lesson, lesson_index, make_user):
    workflow = Workflow.objects.get(name="政治审核")
    WorkflowPage.objects.create(page=lesson_index, workflow=workflow)
    lesson = make_lesson(title="待审党课", live=False, publish=False)
    assert lesson.get_workflow() == workflow
    editor = make_user("editor1", role="编辑")
    lesson.save_revision(user=editor)
    state = workflow.start(lesson, editor)
    assert state.current_task_state.task.name == "政治审核"
    assert not LessonPage.objects.get(pk=lesson.pk).live
