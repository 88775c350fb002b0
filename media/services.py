"""The media pipeline's business logic: ingest, probe, transcode jobs with leases, publishing,
members-only switching. Views, tasks, commands and other apps call these functions."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Recording, Upload, original_upload_to
from .probe import MediaRejected, ProbeResult, probe_file
from .storage import move_tree_atomically, renditions_base, staging_dir, work_dir
from .transcode import TranscodeFailed, plan_transcode, remove_tree, transcode  # noqa: F401 (re-exported)

logger = logging.getLogger(__name__)

Status = Recording.Status
ACTIVE_STATES = (Status.PROBING, Status.TRANSCODING)
PROGRESS_WRITE_SECONDS = 2  # progress and lease renewal at most this often

__all__ = ["MediaRejected", "ingest_file", "set_members_only", "enqueue_transcode", "retry_transcode"]


def enqueue_transcode(recording: Recording) -> None:
    """Queue the job after the surrounding transaction commits (by primary key only)."""
    from .tasks import transcode_recording

    pk = recording.pk
    transaction.on_commit(lambda: transcode_recording.enqueue(pk))


def ingest_file(path, *, title: str, user=None, members_only: bool = False, collection=None) -> Recording:
    """Copy a local file into the private originals area, probe it, and queue the transcode.

    Raises MediaRejected (with a Chinese `reason`) and leaves nothing behind when the file is not
    an acceptable recording."""
    source = Path(os.path.abspath(os.fspath(path)))
    if not source.is_file():
        raise MediaRejected(f"找不到文件：{source}")
    # Probe a private copy, not the caller's path: the file we checked is the file we keep.
    staged = staging_dir() / f"ingest-{secrets.token_hex(8)}{source.suffix.lower()[:10]}"
    shutil.copyfile(source, staged)
    try:
        result = probe_file(staged)
        recording = Recording(
            title=title,
            type="audio" if result.kind == "audio" else "video",
            uploaded_by_user=user,
            members_only=members_only,
        )
        if collection is not None:
            recording.collection = collection
        apply_probe(recording, result)
        recording.status = Status.QUEUED
        with open(staged, "rb") as handle:
            recording.file.save(source.name, File(handle), save=False)
        with transaction.atomic():
            recording.save()
            enqueue_transcode(recording)
    finally:
        staged.unlink(missing_ok=True)
    return recording


def apply_probe(recording: Recording, result: ProbeResult) -> None:
    recording.probe = result.as_json()
    recording.duration = round(result.duration, 3)
    recording.width = result.width
    recording.height = result.height
    recording.type = "audio" if result.kind == "audio" else "video"


def start_processing(recording: Recording) -> None:
    """A new or replaced original (admin upload, tus upload): probe and transcode in the background."""
    Recording.objects.filter(pk=recording.pk).update(
        status=Status.UPLOADED, progress=0, failure_reason="", attempts=0, lease_token="", lease_expires_at=None
    )
    enqueue_transcode(recording)


def retry_transcode(recording: Recording) -> bool:
    """"转码重试": queue a finished or failed recording again. False when a job is running."""
    updated = Recording.objects.filter(pk=recording.pk).exclude(status__in=ACTIVE_STATES).update(
        status=Status.UPLOADED, progress=0, failure_reason="", attempts=0, lease_token="", lease_expires_at=None
    )
    if updated:
        enqueue_transcode(recording)
    return bool(updated)


def finish_upload(upload: Upload) -> Recording:
    """The last byte of a tus upload arrived: the staged file becomes the recording's original
    (moved, not copied: it can be gigabytes) and the probe and transcode are queued."""
    storage = Recording._meta.get_field("file").storage
    name = original_upload_to(None, storage.get_valid_name(upload.filename))
    target = Path(storage.path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(upload.part_path, target)
    with transaction.atomic():
        recording = Recording(
            title=upload.title, uploaded_by_user=upload.user, members_only=upload.members_only,
            type="video",  # the probe sets the real type
        )
        recording.file.name = name
        recording.save()  # the post_save handler queues probe and transcode
        Upload.objects.filter(pk=upload.pk).update(recording=recording)
    return recording


def sweep_expired_uploads() -> int:
    """Periodic: unfinished uploads nobody resumed in time are deleted with their bytes."""
    expired = Upload.objects.filter(expires_at__lt=timezone.now())
    count = 0
    for upload in expired:
        if upload.recording_id is None:
            upload.part_path.unlink(missing_ok=True)
        upload.delete()
        count += 1
    return count


def remove_renditions(pk: int) -> None:
    for members_only in (False, True):
        remove_tree(renditions_base(members_only) / str(pk))


# --- leases ---------------------------------------------------------------------------------


def _lease_until():
    return timezone.now() + timedelta(seconds=settings.MEDIA_TRANSCODE_LEASE_SECONDS)


def claim_job(pk: int) -> str | None:
    """Take the job for this worker, or None when it is done, failed or leased by a live worker."""
    token = secrets.token_hex(16)
    now = timezone.now()
    claimable = Q(status__in=[Status.UPLOADED, Status.QUEUED]) | Q(
        status__in=ACTIVE_STATES, lease_expires_at__lt=now
    )
    with transaction.atomic():
        updated = (
            Recording.objects.filter(pk=pk)
            .filter(claimable)
            .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
            .update(lease_token=token, lease_expires_at=_lease_until())
        )
    return token if updated else None


def renew_lease(pk: int, token: str, **fields) -> bool:
    """Extend the lease (and store progress); False when another worker has taken the job over."""
    return bool(
        Recording.objects.filter(pk=pk, lease_token=token).update(lease_expires_at=_lease_until(), **fields)
    )


def sweep_expired_leases() -> int:
    """Periodic: jobs whose worker died (lease expired) go back on the queue, or fail after too many tries."""
    now = timezone.now()
    count = 0
    stale = Recording.objects.filter(status__in=ACTIVE_STATES, lease_expires_at__lt=now)
    for recording in stale:
        if recording.attempts >= settings.MEDIA_TRANSCODE_MAX_ATTEMPTS:
            Recording.objects.filter(pk=recording.pk, lease_token=recording.lease_token).update(
                status=Status.FAILED,
                failure_reason=f"转码多次中断（{recording.attempts} 次），请检查服务器后点“转码重试”。",
                lease_token="",
                lease_expires_at=None,
            )
            continue
        updated = Recording.objects.filter(pk=recording.pk, lease_token=recording.lease_token).update(
            status=Status.QUEUED, lease_token="", lease_expires_at=None
        )
        if updated:
            logger.warning("recording %s: worker lease expired, queued again", recording.pk)
            enqueue_transcode(recording)
            count += 1
    return count


# --- the job --------------------------------------------------------------------------------


def _fail(pk: int, token: str, reason: str, detail: str = "") -> None:
    if detail:
        logger.warning("recording %s failed: %s\n%s", pk, reason, detail)
    Recording.objects.filter(pk=pk, lease_token=token).update(
        status=Status.FAILED, failure_reason=reason, lease_token="", lease_expires_at=None
    )


def run_transcode_job(pk: int) -> str:
    """Probe (if not done yet) and transcode one recording; returns the final status."""
    token = claim_job(pk)
    if token is None:
        return "skipped"
    Recording.objects.filter(pk=pk).update(attempts=F("attempts") + 1)
    recording = Recording.objects.get(pk=pk)
    source = Path(recording.file.path)

    if recording.status in (Status.UPLOADED, Status.PROBING) or not recording.probe:
        renew_lease(pk, token, status=Status.PROBING, progress=0, failure_reason="")
        try:
            result = probe_file(source)
        except MediaRejected as exc:
            _fail(pk, token, exc.reason, exc.detail)
            return Status.FAILED
        apply_probe(recording, result)
        Recording.objects.filter(pk=pk, lease_token=token).update(
            probe=recording.probe, duration=recording.duration, width=recording.width,
            height=recording.height, type=recording.type,
        )
    else:
        result = ProbeResult.from_json(recording.probe)

    renew_lease(pk, token, status=Status.TRANSCODING, progress=0, failure_reason="")
    # Leftovers of a worker that died mid-job on this recording: half-written, never published.
    for leftover in work_dir().glob(f"{pk}-*"):
        remove_tree(leftover)
    output = work_dir() / f"{pk}-{token}"
    last_beat = [timezone.now()]

    def on_progress(percent: float):
        now = timezone.now()
        if (now - last_beat[0]).total_seconds() < PROGRESS_WRITE_SECONDS and percent < 100:
            return True
        last_beat[0] = now
        return renew_lease(pk, token, progress=round(percent, 1))

    try:
        manifest = transcode(plan_transcode(source, output, result), on_progress=on_progress)
        publish(pk, token, output, manifest)
    except TranscodeFailed as exc:
        remove_tree(output)
        _fail(pk, token, exc.reason, exc.detail)
        return Status.FAILED
    except Exception as exc:
        remove_tree(output)
        logger.exception("recording %s: transcode crashed", pk)
        _fail(pk, token, f"转码出错：{type(exc).__name__}。原文件已保留，可点“转码重试”。")
        return Status.FAILED
    return Status.READY


def publish(pk: int, token: str, output: Path, manifest: dict) -> None:
    """Move the finished folder into place in one rename, then point the recording at it."""
    key = secrets.token_hex(12)
    with transaction.atomic():
        recording = Recording.objects.select_for_update().get(pk=pk)
        if recording.lease_token != token:
            raise TranscodeFailed("任务被中止（另一个进程接手了这个任务）。")
        old_dir = recording.rendition_dir()
        target = renditions_base(recording.members_only) / str(pk) / key
        move_tree_atomically(output, target)
        Recording.objects.filter(pk=pk).update(
            renditions=manifest, rendition_key=key, status=Status.READY, progress=100,
            failure_reason="", lease_token="", lease_expires_at=None,
        )
    if old_dir is not None:
        remove_tree(old_dir)


# --- access ---------------------------------------------------------------------------------


def set_members_only(recording: Recording, value: bool) -> None:
    """Lessons call this when their audience changes: members-only files move out of the public
    folder (and back), so no public URL keeps serving them."""
    value = bool(value)
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=recording.pk)
        if locked.members_only != value:
            source = locked.rendition_dir()
            if source is not None and source.exists():
                target = locked.rendition_dir(members_only=value)
                move_tree_atomically(source, target)
                # A fresh key: URLs handed out (and cached) while public stop working.
                new_key = secrets.token_hex(12)
                os.rename(target, target.with_name(new_key))
                locked.rendition_key = new_key
            locked.members_only = value
            Recording.objects.filter(pk=locked.pk).update(
                members_only=value, rendition_key=locked.rendition_key
            )
    recording.members_only = value
    recording.rendition_key = locked.rendition_key


def max_upload_size() -> int:
    return settings.MEDIA_MAX_UPLOAD_SIZE


def tus_chunk_size() -> int:
    return settings.MEDIA_TUS_MAX_CHUNK


def user_may_access(recording: Recording, user) -> bool:
    if not recording.members_only:
        return True
    return bool(user and user.is_authenticated and user.is_active)
