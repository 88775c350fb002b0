"""Redis killed with jobs queued: pages still answer, /healthz names redis, nothing that matters
is lost: after the restart the periodic sweeps queue the lost index updates again."""

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from cms.periodic import registered_jobs, run_due_jobs
from search.services import search

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

QUEUES = list(django_settings.TASK_QUEUES)


@pytest.fixture
def on_redis(redis_server, settings):
    url = redis_server.url
    settings.REDIS_URL = url
    settings.CACHES = {"default": {"BACKEND": "cms.backends.cache.ResilientRedisCache", "LOCATION": url,
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2,
                                               "retry_after": 0.5}}}
    settings.RQ_QUEUES = {name: {"URL": url + "?socket_connect_timeout=0.5", "DEFAULT_TIMEOUT": 60}
                          for name in QUEUES}
    settings.TASKS = {"default": {"BACKEND": "cms.backends.tasks.ResilientRQBackend", "QUEUES": QUEUES}}
    return redis_server


def queued_jobs() -> int:
    import django_rq

    return sum(django_rq.get_queue(name).count for name in QUEUES)


def titles(query):
    return {hit.title for hit in search(query, user=None).hits}


def test_redis_killed_with_jobs_queued(on_redis, client, home_page, make_user):
    from lessons.factories import LessonIndexPageFactory, LessonPageFactory

    index = LessonIndexPageFactory(parent=home_page)
    lessons = [LessonPageFactory(parent=index, title=f"长征精神第{i}讲") for i in range(3)]
    for lesson in lessons:
        lesson.save_revision().publish()  # index updates go to Redis; no worker is running
    assert queued_jobs() >= 3
    make_user("member", role="党员")

    on_redis.kill()
    # Pages that do not need the cache answer; a member signs in (sessions and limits in the database).
    assert client.get("/").status_code == 200
    assert client.get(lessons[0].url).status_code == 200
    signed_in = client.post("/accounts/login/", {"username": "member", "password": "pw-for-tests"})
    assert signed_in.status_code == 302
    assert client.get("/me/learning/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "redis" in health.json()["down"]
    # An editor's publish while Redis is down is saved; its index update cannot be queued.
    late = LessonPageFactory(parent=index, title="长征精神第3讲")
    late.save_revision().publish()

    on_redis.start()  # back, and empty: every queued job is gone
    assert queued_jobs() == 0
    assert titles("长征精神") == set()

    # The periodic sweep (as a worker runs it) finds what the index lacks and queues it again.
    sweep = [job for job in registered_jobs() if job.name == "search.recover_index"]
    assert run_due_jobs(worker_id="test", jobs=sweep, now=timezone.now()) == ["search.recover_index"]
    assert queued_jobs() == 4
    from cms.worker import run_worker

    run_worker(burst=True, queues=["default"])
    assert titles("长征精神") == {f"长征精神第{i}讲" for i in range(4)}
    assert client.get("/healthz").json()["checks"]["redis"]["ok"] is True
