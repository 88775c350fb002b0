"""Index updates lost with the queue are found from the database and queued again (search.recovery)."""

import pytest
from django.conf import settings as django_settings
from wagtail.models import PageViewRestriction

from search.models import IndexReceipt
from search.recovery import recover_index, stale_objects
from search.services import search

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                         "QUEUES": list(django_settings.TASK_QUEUES)}}
# Takes every task and runs none: a queue that lost them.
LOSING = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": list(django_settings.TASK_QUEUES)}}


@pytest.fixture
def lessons(home_page):
    from lessons.factories import LessonIndexPageFactory

    return LessonIndexPageFactory(parent=home_page)


def titles(query, user=None):
    return [hit.title for hit in search(query, user=user).hits]


def publish(page, capture):
    with capture(execute=True):
        page.save_revision().publish()


def test_an_indexed_page_leaves_a_receipt_and_is_not_stale(lessons, django_capture_on_commit_callbacks):
    from lessons.factories import LessonPageFactory

    lesson = LessonPageFactory(parent=lessons, title="红船精神专题党课")
    publish(lesson, django_capture_on_commit_callbacks)
    receipt = IndexReceipt.objects.get(key=f"lesson:{lesson.pk}")
    assert receipt.indexed and receipt.audience == "public"
    assert stale_objects() == []


def test_a_lost_publish_is_found_and_indexed(lessons, settings, django_capture_on_commit_callbacks):
    from lessons.factories import LessonPageFactory

    settings.TASKS = LOSING
    lesson = LessonPageFactory(parent=lessons, title="延安精神专题党课")
    publish(lesson, django_capture_on_commit_callbacks)
    assert "延安精神专题党课" not in titles("延安精神")
    assert ("lessons", "lessonpage", str(lesson.pk)) in stale_objects()

    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_index() >= 1
    assert "延安精神专题党课" in titles("延安精神")
    assert stale_objects() == []


def test_a_lost_unpublish_is_found_and_dropped(lessons, settings, django_capture_on_commit_callbacks):
    from lessons.factories import LessonPageFactory

    lesson = LessonPageFactory(parent=lessons, title="井冈山精神专题党课")
    publish(lesson, django_capture_on_commit_callbacks)
    assert "井冈山精神专题党课" in titles("井冈山精神")
    settings.TASKS = LOSING
    with django_capture_on_commit_callbacks(execute=True):
        lesson.unpublish()
    assert "井冈山精神专题党课" in titles("井冈山精神")  # the update was lost

    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        recover_index()
    assert "井冈山精神专题党课" not in titles("井冈山精神")
    assert not IndexReceipt.objects.get(key=f"lesson:{lesson.pk}").indexed


def test_a_lost_privacy_change_is_found(lessons, settings, django_capture_on_commit_callbacks, make_user):
    from lessons.factories import LessonPageFactory

    lesson = LessonPageFactory(parent=lessons, title="西柏坡精神专题党课")
    publish(lesson, django_capture_on_commit_callbacks)
    settings.TASKS = LOSING
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.LOGIN)
    assert "西柏坡精神专题党课" in titles("西柏坡精神")  # still shown to anonymous visitors

    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True):
        recover_index()
    assert "西柏坡精神专题党课" not in titles("西柏坡精神")
    assert "西柏坡精神专题党课" in titles("西柏坡精神", user=make_user("member"))


def test_a_republish_after_the_receipt_is_stale(lessons, settings, django_capture_on_commit_callbacks):
    from lessons.factories import LessonPageFactory

    lesson = LessonPageFactory(parent=lessons, title="沂蒙精神专题党课")
    publish(lesson, django_capture_on_commit_callbacks)
    settings.TASKS = LOSING
    lesson.title = "沂蒙精神与群众路线专题党课"
    publish(lesson, django_capture_on_commit_callbacks)
    assert ("lessons", "lessonpage", str(lesson.pk)) in stale_objects()


def test_the_sweep_is_a_periodic_job():
    from cms.periodic import registered_jobs

    assert any(job.name == "search.recover_index" for job in registered_jobs())


def test_the_sweep_queues_at_most_a_batch(lessons, settings, django_capture_on_commit_callbacks):
    from lessons.factories import LessonPageFactory

    settings.TASKS = LOSING
    for i in range(3):
        publish(LessonPageFactory(parent=lessons, title=f"批量党课{i}"), django_capture_on_commit_callbacks)
    settings.SEARCH_RECOVERY_BATCH = 2
    assert recover_index() == 2
