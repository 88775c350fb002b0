"""Job states, leases and retries: a killed worker's job is picked up again, a failed job keeps
the original, and "转码重试" queues it once more."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from media import services
from media.models import Recording
from media.services import claim_job, ingest_file, run_transcode_job, sweep_expired_leases

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(clips, small_ladder):
    """A recording ingested but whose job has not run yet (on-commit callbacks are not executed)."""
    return ingest_file(clips["silent"], title="排队中")


def test_a_killed_workers_job_is_picked_up_again_after_its_lease_expires(
    queued, settings, django_capture_on_commit_callbacks
):
    assert queued.status == Recording.Status.QUEUED
    # A worker claims the job, starts transcoding, writes half a rendition and is killed.
    dead_token = claim_job(queued.pk)
    assert dead_token
    Recording.objects.filter(pk=queued.pk).update(status=Recording.Status.TRANSCODING, progress=40, attempts=1)
    leftover = services.work_dir() / f"{queued.pk}-{dead_token}"
    (leftover / "hls").mkdir(parents=True)
    (leftover / "hls" / "half.m4s").write_bytes(b"half")

    # While the lease is live, nobody else takes the job and the sweep leaves it alone.
    assert run_transcode_job(queued.pk) == "skipped"
    assert sweep_expired_leases() == 0

    Recording.objects.filter(pk=queued.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_expired_leases() == 1
    queued.refresh_from_db()
    assert queued.status == Recording.Status.READY, queued.failure_reason
    assert queued.lease_token == "" and queued.attempts == 2
    assert not leftover.exists()
    assert (queued.rendition_dir() / "hls" / "master.m3u8").is_file()


def test_a_job_interrupted_too_often_fails_with_a_reason(queued, settings):
    settings.MEDIA_TRANSCODE_MAX_ATTEMPTS = 2
    claim_job(queued.pk)
    Recording.objects.filter(pk=queued.pk).update(
        status=Recording.Status.TRANSCODING, attempts=2, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    sweep_expired_leases()
    queued.refresh_from_db()
    assert queued.status == Recording.Status.FAILED
    assert "多次中断" in queued.failure_reason


def test_a_worker_that_lost_its_lease_cannot_renew_or_publish(queued):
    token = claim_job(queued.pk)
    Recording.objects.filter(pk=queued.pk).update(lease_token="someone-else")
    assert services.renew_lease(queued.pk, token, progress=50) is False
    with pytest.raises(services.TranscodeFailed):
        services.publish(queued.pk, token, services.work_dir() / "nothing", {})


def test_a_failed_transcode_keeps_the_original_and_transcode_again_recovers(
    queued, clips, django_capture_on_commit_callbacks
):
    original = Path(queued.file.path)
    good_bytes = original.read_bytes()
    original.write_bytes(good_bytes[:2000])  # the original is damaged after probing
    assert run_transcode_job(queued.pk) == Recording.Status.FAILED
    queued.refresh_from_db()
    assert queued.status == Recording.Status.FAILED
    assert "转码失败" in queued.failure_reason
    assert original.is_file()
    assert queued.rendition_key == ""

    original.write_bytes(good_bytes)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retry_transcode(queued)
    queued.refresh_from_db()
    assert queued.status == Recording.Status.READY, queued.failure_reason


def test_transcode_again_is_refused_while_a_job_runs(queued):
    Recording.objects.filter(pk=queued.pk).update(status=Recording.Status.TRANSCODING)
    assert services.retry_transcode(queued) is False


def test_progress_is_stored_while_ffmpeg_runs(queued, monkeypatch):
    seen = []
    original = services.renew_lease

    def recording_renew(pk, token, **fields):
        if "progress" in fields:
            seen.append(fields["progress"])
        return original(pk, token, **fields)

    monkeypatch.setattr(services, "PROGRESS_WRITE_SECONDS", 0)
    monkeypatch.setattr(services, "renew_lease", recording_renew)
    assert run_transcode_job(queued.pk) == Recording.Status.READY
    assert seen[0] == 0 and seen[-1] == 100
    assert seen == sorted(seen)


def test_the_periodic_job_sweeps_leases(queued):
    from cms.periodic import registered_jobs

    claim_job(queued.pk)
    Recording.objects.filter(pk=queued.pk).update(
        status=Recording.Status.TRANSCODING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    for job in registered_jobs():
        if job.name.startswith("media."):
            job.run()
    queued.refresh_from_db()
    assert queued.status in (Recording.Status.QUEUED, Recording.Status.READY)
    assert queued.lease_token == ""
