"""The task worker `manage.py run_worker` runs: the configured django-tasks worker (database or RQ),
a heartbeat thread that records liveness for /healthz, and a scheduler thread that runs the periodic
jobs (cms.periodic) that fall due, each once across all workers."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from .periodic import run_due_jobs
from .services import record_worker_heartbeat

logger = logging.getLogger(__name__)


class _Ticker(threading.Thread):
    """Calls `tick()` every `interval` seconds until stopped; a failing tick is logged, not fatal."""

    def __init__(self, *, name: str, interval: float):
        super().__init__(name=name, daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def tick(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                self.tick()
            except Exception:
                logger.exception("%s failed", self.name)
            finally:
                close_old_connections()
            self.stopping.wait(self.interval)
        connections.close_all()

    def stop(self) -> None:
        self.stopping.set()


class Heartbeat(_Ticker):
    def __init__(self, *, worker_id: str, backend: str, interval: float | None = None):
        super().__init__(name="dangke-heartbeat", interval=interval or settings.WORKER_TICK_SECONDS)
        self.worker_id = worker_id
        self.backend = backend
        self.started_at = timezone.now()

    def beat(self) -> None:
        record_worker_heartbeat(
            worker_id=self.worker_id,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            backend=self.backend,
            started_at=self.started_at,
        )

    tick = beat


class Scheduler(_Ticker):
    """Runs due periodic jobs in its own thread, so a long sweep never delays the heartbeat."""

    def __init__(self, *, worker_id: str, interval: float | None = None):
        super().__init__(name="dangke-scheduler", interval=interval or settings.WORKER_TICK_SECONDS)
        self.worker_id = worker_id

    def tick(self) -> None:
        ran = run_due_jobs(worker_id=self.worker_id)
        if ran:
            logger.info("periodic jobs run: %s", ", ".join(ran))


def backend_path() -> str:
    return settings.TASKS["default"]["BACKEND"]


def run_worker(*, burst: bool = False, queues: list[str] | None = None) -> None:
    worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    backend = backend_path()
    heartbeat = Heartbeat(worker_id=worker_id, backend=backend)
    heartbeat.beat()
    scheduler = Scheduler(worker_id=worker_id)
    if burst:
        scheduler.tick()  # a burst run sweeps once too, then drains the queue
    else:
        heartbeat.start()
        scheduler.start()
    try:
        if "RQBackend" in backend:
            _run_rq_worker(burst=burst, queues=queues)
        elif backend.startswith("django_tasks_db"):
            _run_db_worker(worker_id=worker_id, burst=burst, queues=queues)
        else:
            raise RuntimeError(f"TASKS backend {backend} has no worker; tasks run where they are enqueued")
    finally:
        heartbeat.stop()
        scheduler.stop()


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
