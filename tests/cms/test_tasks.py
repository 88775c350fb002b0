"""Background work goes through django-tasks: the database worker by default, RQ with REDIS_URL."""

import uuid

import pytest
from django.conf import settings as django_settings
from django_tasks import TaskResultStatus

from cms.models import WorkerHeartbeat
from cms.tasks import worker_probe
from cms.worker import run_worker

TEST_REDIS = "redis://127.0.0.1:6379/15"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_task_runs_through_the_database_worker(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": list(django_settings.TASK_QUEUES)}
    }
    token = uuid.uuid4().hex
    result = worker_probe.enqueue(token)
    assert result.status == TaskResultStatus.READY
    run_worker(burst=True)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["token"] == token
    assert WorkerHeartbeat.objects.filter(backend__startswith="django_tasks_db").exists()


@pytest.fixture
def redis_queue(settings):
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(TEST_REDIS)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    connection.flushdb()
    # Every queue the worker serves (settings.TASK_QUEUES) needs its Redis connection.
    settings.RQ_QUEUES = {name: {"URL": TEST_REDIS, "DEFAULT_TIMEOUT": 60} for name in settings.TASK_QUEUES}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": list(settings.TASK_QUEUES)}}
    yield connection
    connection.flushdb()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_task_runs_through_an_rq_worker(redis_queue):
    token = uuid.uuid4().hex
    result = worker_probe.enqueue(token)
    assert redis_queue.keys("rq:job:*"), "the job should be stored in Redis"
    run_worker(burst=True)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["token"] == token


@pytest.mark.django_db
def test_check_worker_command_round_trips_a_probe():
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("check_worker", "--timeout", "5", stdout=out)
    assert "任务进程正常" in out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_check_worker_command_fails_clearly_without_a_worker(settings):
    from django.core.management import CommandError, call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": list(django_settings.TASK_QUEUES)}}
    with pytest.raises(CommandError, match="run_worker"):
        call_command("check_worker", "--timeout", "1")
