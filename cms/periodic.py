"""Periodic jobs: a registry from hooks, a schedule in the database, run once across all workers.

Apps register jobs with the ``dangke_periodic_jobs`` hook (domain apps return plain dicts, since
they do not import cms)::

    @hooks.register("dangke_periodic_jobs")
    def media_jobs():
        return [{"name": "media.sweep_leases", "every": 30, "run": services.sweep_expired_leases}]

``every`` is seconds (or a timedelta); ``daily_at`` ("03:30", or a time) is local time (TIME_ZONE).
Each task worker (`manage.py run_worker`) calls `run_due_jobs()` every ``WORKER_TICK_SECONDS``. A job
is due when its row's ``next_run_at`` has passed; the worker that moves ``next_run_at`` on with a
conditional UPDATE runs it, any other worker's UPDATE then matches no row. A job must be idempotent
and should be cheap: enqueue tasks, sweep. A job that fails is logged and runs again next time.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from wagtail import hooks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], object]
    every: timedelta | None = None
    daily_at: time | None = None

    def __post_init__(self):
        if (self.every is None) == (self.daily_at is None):
            raise ValueError(f"periodic job {self.name}: give exactly one of `every` and `daily_at`")
        if self.every is not None and self.every <= timedelta(0):
            raise ValueError(f"periodic job {self.name}: `every` must be positive")

    @classmethod
    def from_spec(cls, spec) -> PeriodicJob:
        if isinstance(spec, PeriodicJob):
            return spec
        every, daily_at = spec.get("every"), spec.get("daily_at")
        if every is not None and not isinstance(every, timedelta):
            every = timedelta(seconds=float(every))
        if isinstance(daily_at, str):
            daily_at = time.fromisoformat(daily_at)
        return cls(name=spec["name"], run=spec["run"], every=every, daily_at=daily_at)

    def first_run(self, now: datetime) -> datetime:
        """A job never seen before: an interval job runs at once, a daily one at its next time."""
        return now if self.every is not None else self.next_after(now)

    def next_after(self, now: datetime) -> datetime:
        if self.every is not None:
            return now + self.every
        local = timezone.localtime(now)
        candidate = local.replace(hour=self.daily_at.hour, minute=self.daily_at.minute,
                                  second=self.daily_at.second, microsecond=0)
        if candidate <= local:
            candidate = timezone.make_aware(
                datetime.combine(candidate.date() + timedelta(days=1), self.daily_at), local.tzinfo
            )
        return candidate


def _legacy_job(fn) -> PeriodicJob:
    name = f"tick:{fn.__module__}.{getattr(fn, '__name__', 'job')}"
    return PeriodicJob(name=name[:100], run=fn, every=timedelta(seconds=settings.WORKER_TICK_SECONDS))


def registered_jobs() -> list[PeriodicJob]:
    jobs: dict[str, PeriodicJob] = {}
    for fn in hooks.get_hooks("dangke_periodic_jobs"):
        for spec in fn() or []:
            job = PeriodicJob.from_spec(spec)
            if job.name in jobs:
                raise ValueError(f"two periodic jobs are named {job.name}")
            jobs[job.name] = job
    # Hooks written for the heartbeat tick before this registry: each becomes a job run every tick,
    # once across the workers like the others.
    for fn in hooks.get_hooks("dangke_worker_periodic"):
        job = _legacy_job(fn)
        jobs.setdefault(job.name, job)
    return list(jobs.values())


def _ensure_state(job: PeriodicJob, now: datetime) -> None:
    from .models import PeriodicJobState

    try:
        with transaction.atomic():
            state, created = PeriodicJobState.objects.get_or_create(
                name=job.name, defaults={"next_run_at": job.first_run(now)}
            )
    except IntegrityError:  # another worker created it at the same moment
        return
    # A shorter interval (or another daily time) than the stored schedule applies from the last run.
    # Only if the row is still as read: a worker that claimed it meanwhile has set the new schedule.
    soonest = job.next_after(state.last_started_at or now)
    if not created and state.next_run_at > soonest:
        PeriodicJobState.objects.filter(
            name=job.name, next_run_at=state.next_run_at, last_started_at=state.last_started_at
        ).update(next_run_at=soonest)


def claim(job: PeriodicJob, *, worker_id: str, now: datetime | None = None) -> bool:
    """True when this worker gets to run the job now: it was due and this worker moved it on."""
    from .models import PeriodicJobState

    now = now or timezone.now()
    _ensure_state(job, now)
    moved = PeriodicJobState.objects.filter(name=job.name, next_run_at__lte=now).update(
        next_run_at=job.next_after(now), last_started_at=now, last_worker=worker_id[:100], runs=F("runs") + 1
    )
    return moved == 1


def run_due_jobs(*, worker_id: str, now: datetime | None = None, jobs: list[PeriodicJob] | None = None) -> list[str]:
    """Run every due job this worker claims; returns their names."""
    from .models import PeriodicJobState

    ran = []
    for job in registered_jobs() if jobs is None else jobs:
        try:
            if not claim(job, worker_id=worker_id, now=now):
                continue
        except Exception:  # the database is away: try again next tick
            logger.exception("could not claim periodic job %s", job.name)
            continue
        error = ""
        try:
            job.run()
        except Exception:  # one broken job must not stop the others
            logger.exception("periodic job %s failed", job.name)
            error = traceback.format_exc()[-4000:]
        ran.append(job.name)
        try:
            PeriodicJobState.objects.filter(name=job.name).update(last_finished_at=timezone.now(), last_error=error)
        except Exception:
            logger.exception("could not record the end of periodic job %s", job.name)
    return ran


# --- the site shell's own jobs (registered in cms/wagtail_hooks.py) ---------------------------


def publish_scheduled() -> None:
    """Wagtail's scheduled publishing: revisions whose go-live time has come go live, live pages and
    snippets whose expiry time has passed are unpublished (the `publish_scheduled` command's logic)."""
    import io

    from django.core.management import call_command

    call_command("publish_scheduled", stdout=io.StringIO())


def prune_sign_in_records() -> None:
    """Failed sign-ins past the limit's window and sign-in logs older than SIGN_IN_LOG_DAYS."""
    from axes.models import AccessAttempt, AccessLog

    now = timezone.now()
    AccessAttempt.objects.filter(attempt_time__lt=now - timedelta(seconds=settings.LOGIN_RATE_LIMIT_WINDOW)).delete()
    AccessLog.objects.filter(attempt_time__lt=now - timedelta(days=settings.SIGN_IN_LOG_DAYS)).delete()
