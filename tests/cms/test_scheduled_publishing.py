"""A lesson with a go-live date goes live, and one with an expiry date goes off, with nobody running
a command: a real `manage.py run_worker` process against the test database does it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.processes import start_worker, wait_until


@pytest.fixture
def worker(tmp_path):
    process = start_worker(tmp_path / "var", log=tmp_path / "worker.log", SCHEDULED_PUBLISHING_INTERVAL=1)
    yield process
    process.stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_scheduled_lessons_go_live_and_expire_without_a_command(home_page, worker):
    from lessons.factories import LessonIndexPageFactory, LessonPageFactory
    from lessons.models import LessonPage

    index = LessonIndexPageFactory(parent=home_page)
    lesson = LessonPageFactory(parent=index, title="定时发布的党课", live=False)
    lesson.go_live_at = timezone.now() + timedelta(seconds=2)
    lesson.save_revision().publish()  # a future go-live date: approved, not live yet
    lesson.refresh_from_db()
    assert not lesson.live

    expiring = LessonPageFactory(parent=index, title="到期下线的党课")
    expiring.expire_at = timezone.now() + timedelta(seconds=2)
    expiring.save_revision().publish()
    assert LessonPage.objects.get(pk=expiring.pk).live

    def state():
        worker.expect_alive("the task worker")
        return (LessonPage.objects.get(pk=lesson.pk).live, LessonPage.objects.get(pk=expiring.pk).live)

    wait_until(lambda: state() == (True, False), timeout=90, interval=0.3, message="the scheduled changes")
    assert LessonPage.objects.get(pk=expiring.pk).expired
