from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from wagtail import hooks

from cms.models import WorkerHeartbeat
from cms.services import HealthCheck, record_worker_heartbeat

# Checks run in their own threads with their own database connections: data must be committed.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": list(django_settings.TASK_QUEUES)}}


def test_healthy_with_inline_tasks(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True


def test_stopped_worker_is_503(client, settings):
    settings.TASKS = DB_TASKS
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


def test_stale_heartbeat_is_503_and_fresh_is_200(client, settings):
    settings.TASKS = DB_TASKS
    record_worker_heartbeat(worker_id="w1", hostname="h", pid=1, backend="db", started_at=timezone.now())
    assert client.get("/healthz").status_code == 200
    WorkerHeartbeat.objects.update(
        last_seen=timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_TIMEOUT + 5)
    )
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "last heartbeat" in response.json()["checks"]["worker"]["detail"]


def test_a_failing_app_check_is_503(client):
    def search_down():
        return HealthCheck("search", False, "connection refused")

    with hooks.register_temporarily("dangke_health_checks", search_down):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["search"] == {"ok": False, "detail": "connection refused"}


def test_a_crashing_app_check_is_503_not_500(client):
    def broken():
        raise RuntimeError("boom")

    with hooks.register_temporarily("dangke_health_checks", broken):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_the_cache_is_checked(client):
    body = client.get("/healthz").json()
    assert body["checks"]["cache"]["ok"] is True


def test_redis_down_is_503_naming_redis(client, settings):
    from tests.processes import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URL = dead
    settings.CACHES = {"default": {"BACKEND": "cms.backends.cache.ResilientRedisCache", "LOCATION": dead,
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["redis"]
    assert "Connection" in body["checks"]["redis"]["detail"]


def test_a_check_that_does_not_answer_times_out(client, settings):
    import threading

    settings.HEALTHZ_TIMEOUT = 0.3
    release = threading.Event()

    def hanging():
        release.wait(10)
        return HealthCheck("slow", True)

    try:
        with hooks.register_temporarily("dangke_health_checks", hanging):
            first = client.get("/healthz")
            assert first.status_code == 503
            assert first.json()["checks"]["hanging"] == {"ok": False, "detail": "no answer within 0.3 s"}
            # A second probe does not start a second hanging check.
            second = client.get("/healthz").json()
            assert second["checks"]["hanging"]["detail"] == "the previous check has not finished"
    finally:
        release.set()


def test_healthz_answers_before_sessions_hosts_and_redirects(client, settings, monkeypatch):
    from django.contrib.sessions.backends import cached_db

    def broken_load(self):
        raise RuntimeError("the session store is down")

    monkeypatch.setattr(cached_db.SessionStore, "load", broken_load)  # every other page would fail
    client.cookies["sessionid"] = "x" * 32
    settings.ALLOWED_HOSTS = ["dangke.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
