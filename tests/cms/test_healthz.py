from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail import hooks

from cms.models import WorkerHeartbeat
from cms.services import HealthCheck, record_worker_heartbeat

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "transcode"]}}


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
