"""Recovery from the database: jobs whose queue message was lost are found and queued again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from media import services
from media.models import Recording
from media.services import ingest_file

pytestmark = pytest.mark.django_db


def run_periodic_hooks():
    """Every media job the worker's schedule runs (cms.periodic), as a worker would when each falls due."""
    from cms.periodic import registered_jobs

    for job in registered_jobs():
        if job.name.startswith("media."):
            job.run()


def test_a_recording_whose_queue_message_was_lost_is_queued_again(clips, small_ladder, django_capture_on_commit_callbacks, settings):
    # Ingested, but the message never reached a worker (Redis restarted empty): on-commit never ran.
    recording = ingest_file(clips["silent"], title="排队中")
    assert recording.status == Recording.Status.QUEUED
    # Fresh in the queue: the sweep leaves it alone (no flood of duplicates for a long backlog).
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stuck_recordings() == 0
    Recording.objects.filter(pk=recording.pk).update(
        queued_at=timezone.now() - timedelta(seconds=settings.MEDIA_REQUEUE_AFTER_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic_hooks()
    recording.refresh_from_db()
    assert recording.status == Recording.Status.READY, recording.failure_reason


def test_an_uploaded_recording_never_queued_is_found_too(clips, small_ladder, django_capture_on_commit_callbacks):
    recording = ingest_file(clips["silent"], title="已上传")
    Recording.objects.filter(pk=recording.pk).update(status=Recording.Status.UPLOADED, queued_at=None, probe={})
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stuck_recordings() == 1
    recording.refresh_from_db()
    assert recording.status == Recording.Status.READY, recording.failure_reason


def test_a_running_job_is_not_queued_again(clips, small_ladder):
    recording = ingest_file(clips["silent"], title="转码中")
    services.claim_job(recording.pk)
    Recording.objects.filter(pk=recording.pk).update(queued_at=timezone.now() - timedelta(days=1))
    assert services.requeue_stuck_recordings() == 0


def test_privacy_that_is_behind_is_applied_again(clips, ingest, client, settings, django_capture_on_commit_callbacks):
    recording = ingest(clips["silent"], title="党课")
    old_key = recording.rendition_key
    # The switch committed, the move's message was lost.
    services.mark_members_only([recording.pk], True)
    recording.refresh_from_db()
    assert recording.members_only and not recording.files_private
    assert (settings.MEDIA_ROOT / "recordings" / str(recording.pk) / old_key).is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_privacy_behind() == 0  # just queued: give the queue its time
    Recording.objects.filter(pk=recording.pk).update(
        privacy_queued_at=timezone.now() - timedelta(seconds=settings.MEDIA_PRIVACY_REQUEUE_AFTER_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic_hooks()
    recording.refresh_from_db()
    assert recording.files_private and recording.rendition_key != old_key
    assert not (settings.MEDIA_ROOT / "recordings" / str(recording.pk)).exists() or not any(
        (settings.MEDIA_ROOT / "recordings" / str(recording.pk)).iterdir()
    )
    assert (settings.PRIVATE_MEDIA_ROOT / "recordings" / str(recording.pk) / recording.rendition_key / "video.mp4").is_file()
    assert services.requeue_privacy_behind() == 0


def test_stale_work_folders_are_swept_and_live_ones_kept(clips, small_ladder, settings):
    import os
    import time

    recording = ingest_file(clips["silent"], title="转码中")
    token = services.claim_job(recording.pk)
    live = services.job_folder(recording.pk, token)
    dead = services.job_folder(recording.pk, "deadbeef")
    young = services.job_folder(recording.pk, "justclaimed")
    for folder in (live, dead, young):
        (folder / "out").mkdir(parents=True)
    old = time.time() - 3 * settings.MEDIA_TRANSCODE_LEASE_SECONDS
    for folder in (live, dead):
        os.utime(folder, (old, old))
    assert services.sweep_stale_work_folders() == 1
    assert live.exists() and young.exists() and not dead.exists()
