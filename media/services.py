"""The media pipeline's business logic: ingest, probe, transcode jobs with leases, publishing,
members-only switching, recovery sweeps. Views, tasks, commands and other apps call these functions."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .backends import RenditionUploadFailed, get_storage_backend
from .models import Recording, Upload, original_upload_to
from .probe import MediaRejected, ProbeResult, probe_file
from .storage import staging_dir, work_dir
from .transcode import TranscodeFailed, plan_transcode, remove_tree, transcode  # noqa: F401 (re-exported)

logger = logging.getLogger(__name__)

Status = Recording.Status
ACTIVE_STATES = (Status.PROBING, Status.TRANSCODING)
PROGRESS_WRITE_SECONDS = 2  # progress and lease renewal at most this often

__all__ = [
    "MediaRejected", "ingest_file", "mark_members_only", "set_members_only", "enqueue_transcode",
    "retry_transcode",
]


def enqueue_transcode(recording: Recording) -> None:
    """Queue the job after the surrounding transaction commits (by primary key only)."""
    from .tasks import transcode_recording

    pk = recording.pk
    Recording.objects.filter(pk=pk).update(queued_at=timezone.now())
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
            files_private=members_only,
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
    (moved, or uploaded to object storage) and the probe and transcode are queued.

    Idempotent: a finish that failed half-way (storage down) runs again on the client's next
    request and loses nothing; two requests finishing at once make one recording."""
    backend = get_storage_backend()
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.recording_id is not None:
            return Recording.objects.get(pk=locked.recording_id)
        storage = Recording._meta.get_field("file").storage
        name = original_upload_to(None, safe_original_name(storage, locked.filename))
        # Outside any file lock but inside the row lock: a second finisher waits here, then
        # finds the recording.
        backend.store_original(upload.part_path, name)
        recording = Recording(
            title=locked.title, uploaded_by_user=locked.user, members_only=locked.members_only,
            files_private=locked.members_only,
            type="video",  # the probe sets the real type
        )
        recording.file.name = name
        recording.save()  # the post_save handler queues probe and transcode
        Upload.objects.filter(pk=upload.pk).update(recording=recording)
    return recording


def safe_original_name(storage, filename: str) -> str:
    """The storage's name for an uploaded file name, or a plain one when the name is unusable
    (tus validates names at creation; uploads created before that may still have any name)."""
    suffix = os.path.splitext(filename)[1].lower()
    try:
        name = storage.get_valid_name(filename)
    except Exception:  # SuspiciousFileOperation and friends: never fail the last byte for a name
        name = ""
    if not name or name in {".", ".."} or len(name) > 200:
        name = "upload" + (suffix if suffix.isascii() and len(suffix) <= 10 else "")
    return name


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
    get_storage_backend().remove_recording(pk)


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


def job_folder(pk: int, token: str) -> Path:
    """The work folder of one attempt: named by its lease token, so a restarted job never shares a
    folder with what a dead attempt left (or a process it left running)."""
    return work_dir() / f"{pk}-{token}"


def run_transcode_job(pk: int) -> str:
    """Probe (if not done yet) and transcode one recording; returns the final status."""
    token = claim_job(pk)
    if token is None:
        return "skipped"
    Recording.objects.filter(pk=pk).update(attempts=F("attempts") + 1)
    recording = Recording.objects.get(pk=pk)
    # Leftovers of attempts whose worker died: half-written, never published. We hold the lease.
    for leftover in work_dir().glob(f"{pk}-*"):
        remove_tree(leftover)
    folder = job_folder(pk, token)
    try:
        return _transcode_in(folder, pk, token, recording)
    finally:
        remove_tree(folder)


def _transcode_in(folder: Path, pk: int, token: str, recording: Recording) -> str:
    backend = get_storage_backend()
    try:
        # _probe_and_transcode handles its own failures: what gets here is the fetch of the original.
        with backend.local_original(recording.file.name, folder / "source") as source:
            return _probe_and_transcode(folder, pk, token, recording, source)
    except Exception as exc:
        logger.exception("recording %s: the original could not be fetched", pk)
        _fail(pk, token, f"取不到原文件（{type(exc).__name__}），请稍后点“转码重试”。")
        return Status.FAILED


def _probe_and_transcode(folder: Path, pk: int, token: str, recording: Recording, source: Path) -> str:
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
    output = folder / "out"
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
        _fail(pk, token, exc.reason, exc.detail)
        return Status.FAILED
    except Exception as exc:
        logger.exception("recording %s: transcode crashed", pk)
        _fail(pk, token, f"转码出错：{type(exc).__name__}。原文件已保留，可点“转码重试”。")
        return Status.FAILED
    return Status.READY


def publish(pk: int, token: str, output: Path, manifest: dict) -> None:
    """Store the finished folder under a new key, then point the recording at it in one update.

    Nothing refers to the new key until every file is stored, so a half-stored rendition is never
    served; a failed upload removes its leftovers and keeps the original and the old rendition."""
    key = secrets.token_hex(12)
    recording = Recording.objects.get(pk=pk)
    if recording.lease_token != token:
        raise TranscodeFailed("任务被中止（另一个进程接手了这个任务）。")
    private = recording.members_only
    backend = get_storage_backend()
    try:
        backend.publish_folder(output, pk, key, private=private)
    except RenditionUploadFailed as exc:
        raise TranscodeFailed(
            "转码完成，但保存转码结果失败（存储服务不可用）。原文件已保留，可点“转码重试”。", detail=str(exc)
        ) from exc
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=pk)
        taken_over = locked.lease_token != token
        if taken_over:
            old = ("", False)
        else:
            old = (locked.rendition_key, locked.files_private)
            Recording.objects.filter(pk=pk).update(
                renditions=manifest, rendition_key=key, files_private=private, status=Status.READY,
                progress=100, failure_reason="", lease_token="", lease_expires_at=None,
            )
            if locked.members_only != private:  # the audience changed while the files were stored
                queue_privacy_sync([pk])
    if taken_over:
        backend.remove_folder(pk, key, private=private)
        raise TranscodeFailed("任务被中止（另一个进程接手了这个任务）。")
    if old[0]:
        backend.remove_folder(pk, old[0], private=old[1])


# --- access ---------------------------------------------------------------------------------


def mark_members_only(recording_ids, value: bool) -> list[int]:
    """Decide who may have these recordings' files, in the caller's transaction: a cheap update
    that the checking view reads on every request, so the switch takes effect at commit. Moving
    the files (and changing their key, so old public URLs die) is queued on `privacy`.
    Returns the ids whose flag changed."""
    value = bool(value)
    changed = list(
        Recording.objects.filter(pk__in=list(recording_ids)).exclude(members_only=value).values_list("pk", flat=True)
    )
    if changed:
        Recording.objects.filter(pk__in=changed).update(members_only=value)
        queue_privacy_sync(changed)
    return changed


def queue_privacy_sync(recording_ids) -> None:
    from .tasks import sync_recording_files

    ids = list(recording_ids)
    Recording.objects.filter(pk__in=ids).update(privacy_queued_at=timezone.now())
    for pk in ids:
        transaction.on_commit(lambda pk=pk: sync_recording_files.enqueue(pk))


def sync_files_privacy(pk: int) -> bool:
    """Put the recording's files where its flag says (the `privacy` task). A move to the other
    location gets a fresh key, so URLs handed out (and cached) before stop working. Returns
    whether anything moved."""
    recording = Recording.objects.filter(pk=pk).first()
    if recording is None or recording.files_private == recording.members_only:
        return False
    target = recording.members_only
    old_key, old_private = recording.rendition_key, recording.files_private
    if not old_key:  # nothing transcoded yet: the next publish goes to the right place
        Recording.objects.filter(pk=pk, rendition_key="", files_private=old_private).update(files_private=target)
        return False
    backend = get_storage_backend()
    new_key = secrets.token_hex(12)
    # The copy runs outside the row lock: a lesson's privacy change never waits for it.
    backend.move_folder(pk, old_key, private=old_private, new_key=new_key, to_private=target)
    with transaction.atomic():
        locked = Recording.objects.select_for_update().get(pk=pk)
        current = locked.rendition_key == old_key and locked.files_private == old_private
        if current:
            Recording.objects.filter(pk=pk).update(rendition_key=new_key, files_private=target)
            if locked.members_only != target:  # switched back meanwhile
                queue_privacy_sync([pk])
    if not current:  # a new transcode was published meanwhile; it replaced the old folder
        backend.remove_folder(pk, new_key, private=target)
        return False
    backend.remove_folder(pk, old_key, private=old_private)
    logger.info("recording %s: files moved to the %s location", pk, "private" if target else "public")
    return True


def set_members_only(recording: Recording, value: bool) -> None:
    """Switch the recording's audience and move its files now (the privacy task, commands and
    tests; request handlers call mark_members_only and let the queue move the files)."""
    mark_members_only([recording.pk], value)
    sync_files_privacy(recording.pk)
    fresh = Recording.objects.get(pk=recording.pk)
    recording.members_only = fresh.members_only
    recording.files_private = fresh.files_private
    recording.rendition_key = fresh.rendition_key


# --- recovery from the database ----------------------------------------------------------------


def requeue_stuck_recordings() -> int:
    """Periodic: recordings waiting for a transcode (uploaded/queued, no live lease) whose queue
    message was queued long ago are queued again: the message may be lost (Redis restarted
    empty). A duplicate message is harmless: the lease lets one job run, the rest skip."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.MEDIA_REQUEUE_AFTER_SECONDS)
    stuck = list(
        Recording.objects.filter(status__in=[Status.UPLOADED, Status.QUEUED])
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=cutoff))
        .values_list("pk", flat=True)[:100]
    )
    for pk in stuck:
        logger.warning("recording %s: still waiting for its transcode, queued again", pk)
        enqueue_transcode(Recording(pk=pk))
    return len(stuck)


def requeue_privacy_behind() -> int:
    """Periodic: recordings whose files are not where their flag says (the move's message was
    lost, or the move failed) get the move queued again."""
    cutoff = timezone.now() - timedelta(seconds=settings.MEDIA_PRIVACY_REQUEUE_AFTER_SECONDS)
    behind = list(
        Recording.objects.filter(Q(members_only=True, files_private=False) | Q(members_only=False, files_private=True))
        .filter(Q(privacy_queued_at__isnull=True) | Q(privacy_queued_at__lt=cutoff))
        .values_list("pk", flat=True)[:100]
    )
    if behind:
        logger.warning("recordings %s: files not where their audience says, moves queued again", behind)
        queue_privacy_sync(behind)
    return len(behind)


def sweep_stale_work_folders() -> int:
    """Periodic: work folders of attempts that no longer hold a lease (their worker died) are
    removed; a live attempt's folder is named by its token and stays."""
    live = {
        f"{pk}-{token}"
        for pk, token in Recording.objects.exclude(lease_token="").values_list("pk", "lease_token")
    }
    # A folder younger than a lease may belong to a job that claimed after the query above.
    cutoff = time.time() - 2 * settings.MEDIA_TRANSCODE_LEASE_SECONDS
    removed = 0
    for folder in work_dir().iterdir():
        if folder.name in live or not folder.name.split("-")[0].isdigit():
            continue
        if folder.stat().st_mtime < cutoff:
            remove_tree(folder)
            removed += 1
    return removed


def max_upload_size() -> int:
    return settings.MEDIA_MAX_UPLOAD_SIZE


def tus_chunk_size() -> int:
    return settings.MEDIA_TUS_MAX_CHUNK


def signed_url_lifetime(recording: Recording) -> int:
    """Seconds a signed URL handed out for this recording works: long enough to play it through
    once (a player fetches segments until the end), plus MEDIA_SIGNED_URL_SECONDS."""
    return settings.MEDIA_SIGNED_URL_SECONDS + int(recording.duration or 0)


def user_may_access(recording: Recording, user) -> bool:
    if not recording.members_only:
        return True
    return bool(user and user.is_authenticated and user.is_active)
