"""Periodic jobs on a schedule in the database (cms.periodic), run once across workers."""

import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.utils import timezone
from wagtail import hooks

from cms.models import PeriodicJobState
from cms.periodic import PeriodicJob, claim, registered_jobs, run_due_jobs

SHANGHAI = ZoneInfo("Asia/Shanghai")


def counting_job(name="test.count", every=60):
    runs = []
    return PeriodicJob(name=name, run=lambda: runs.append(1), every=timedelta(seconds=every)), runs


@pytest.mark.django_db
def test_an_interval_job_runs_once_per_interval_and_the_schedule_survives_a_restart():
    job, runs = counting_job()
    start = timezone.now()
    assert run_due_jobs(worker_id="w1", now=start, jobs=[job]) == ["test.count"]
    # The same moment, another worker (or this one after a restart): not due any more.
    assert run_due_jobs(worker_id="w2", now=start + timedelta(seconds=1), jobs=[job]) == []
    assert run_due_jobs(worker_id="w2", now=start + timedelta(seconds=61), jobs=[job]) == ["test.count"]
    assert len(runs) == 2
    state = PeriodicJobState.objects.get(name="test.count")
    assert state.runs == 2 and state.last_worker == "w2"
    assert state.next_run_at == start + timedelta(seconds=121)
    assert state.last_finished_at is not None and state.last_error == ""


@pytest.mark.django_db
def test_a_shorter_interval_applies_at_once():
    long_job, _ = counting_job(every=3600)
    now = timezone.now()
    run_due_jobs(worker_id="w", now=now, jobs=[long_job])
    short_job, runs = counting_job(every=10)
    assert run_due_jobs(worker_id="w", now=now + timedelta(seconds=11), jobs=[short_job]) == ["test.count"]
    assert runs == [1]


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_does_not_stop_the_others():
    def broken():
        raise RuntimeError("boom")

    ok, runs = counting_job(name="test.ok")
    bad = PeriodicJob(name="test.bad", run=broken, every=timedelta(seconds=5))
    assert run_due_jobs(worker_id="w", jobs=[bad, ok]) == ["test.bad", "test.ok"]
    assert runs == [1]
    assert "RuntimeError: boom" in PeriodicJobState.objects.get(name="test.bad").last_error


def test_a_daily_job_runs_at_its_local_time():
    job = PeriodicJob(name="daily", run=lambda: None, daily_at=time(3, 30))
    before = datetime(2026, 3, 1, 2, 0, tzinfo=SHANGHAI)
    assert job.next_after(before) == datetime(2026, 3, 1, 3, 30, tzinfo=SHANGHAI)
    after = datetime(2026, 3, 1, 3, 30, tzinfo=SHANGHAI)
    assert job.next_after(after) == datetime(2026, 3, 2, 3, 30, tzinfo=SHANGHAI)
    assert job.first_run(before) == job.next_after(before)


def test_a_job_needs_one_schedule():
    with pytest.raises(ValueError):
        PeriodicJob(name="x", run=lambda: None)
    with pytest.raises(ValueError):
        PeriodicJob(name="x", run=lambda: None, every=timedelta(seconds=1), daily_at=time(1))


def test_apps_register_their_jobs():
    names = {job.name for job in registered_jobs()}
    assert {"cms.publish_scheduled", "media.sweep_expired_leases", "media.sweep_expired_uploads",
            "branches.queue_session_reminders"} <= names


def test_older_tick_hooks_still_run_as_jobs():
    def sweep():
        pass

    with hooks.register_temporarily("dangke_worker_periodic", sweep):
        jobs = {job.name: job for job in registered_jobs()}
    job = jobs[f"tick:{__name__}.sweep"]
    assert job.run is sweep and job.every == timedelta(seconds=10)


# Serialized rollback: the flush after this test must not take the migrations' data with it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_claiming_at_once_run_a_job_once():
    job, _ = counting_job(name="test.race")
    now = timezone.now()
    claim(job, worker_id="setup", now=now - timedelta(hours=1))  # the row exists and is due again now
    for _attempt in range(5):
        PeriodicJobState.objects.filter(name="test.race").update(next_run_at=now - timedelta(seconds=1))
        barrier = threading.Barrier(4)
        won = []

        def worker(i, barrier=barrier, won=won):
            try:
                barrier.wait()
                if claim(job, worker_id=f"w{i}", now=now):
                    won.append(i)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(won) == 1, won
