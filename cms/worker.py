"""The task worker `manage.py run_worker` runs: the configured django-tasks worker (database or RQ)
plus a heartbeat thread that records liveness for /healthz and calls the periodic hooks."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from wagtail import hooks

from .services import record_worker_heartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 10  # seconds; WORKER_HEARTBEAT_TIMEOUT must stay well above it


class Heartbeat(threading.Thread):
    def __init__(self, *, worker_id: str, backend: str, interval: float = HEARTBEAT_INTERVAL):
        super().__init__(name="dangke-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.backend = backend
        self.interval = interval
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def beat(self) -> None:
        close_old_connections()
        record_worker_heartbeat(
            worker_id=self.worker_id,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            backend=self.backend,
            started_at=self.started_at,
        )
        for fn in hooks.get_hooks("dangke_worker_periodic"):
            try:
                fn()
            except Exception:  # one broken periodic job must not stop the heartbeat
                logger.exception("periodic job %s failed", fn)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.beat()
            except Exception:
                logger.exception("heartbeat failed")
            finally:
                close_old_connections()
            self.stopping.wait(self.interval)

    def stop(self) -> None:
        self.stopping.set()


def backend_path() -> str:
    return settings.TASKS["default"]["BACKEND"]


def run_worker(*, burst: bool = False, queues: list[str] | None = None) -> None:
    worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    backend = backend_path()
    heartbeat = Heartbeat(worker_id=worker_id, backend=backend)
    heartbeat.beat()
    if not burst:
        heartbeat.start()
    try:
        if backend.startswith("django_tasks_rq"):
            _run_rq_worker(burst=burst, queues=queues)
        elif backend.startswith("django_tasks_db"):
            _run_db_worker(worker_id=worker_id, burst=burst, queues=queues)
        else:
            raise RuntimeError(f"TASKS backend {backend} has no worker; tasks run where they are enqueued")
    finally:
        heartbeat.stop()


def _run_db_worker(*, worker_id: str, burst: bool, queues: list[str] | None) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=queues or ["*"],
        interval=1,
        batch=burst,
        backend_name="default",
        startup_delay=not burst,
        max_tasks=None,
        worker_id=worker_id[:64],
    )
    if not burst:
        worker.configure_signals()
    worker.run()


def _run_rq_worker(*, burst: bool, queues: list[str] | None) -> None:
    import django_rq
    from django_tasks_rq import Job

    worker = django_rq.get_worker(*(queues or settings.TASK_QUEUES), job_class=Job)
    worker.work(burst=burst, with_scheduler=not burst)
