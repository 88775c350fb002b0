"""A worker SIGKILLed mid-transcode: its ffmpeg dies with it, the job is picked up again after
the lease expires and finishes, nothing half-done is served meanwhile, the original is kept."""

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from media.models import Recording

from .conftest import make_clip

pytestmark = [pytest.mark.faults, pytest.mark.slow]

LEASE_SECONDS = 5
# ffmpeg reads the source at its native rate for the encode (-re): an 8 s clip takes 8 s or more
# on any machine, so the kill lands mid-transcode without timing guesses.
SLOW_FFMPEG = """#!/bin/sh
case "$*" in
  *-progress*) exec ffmpeg -re "$@" ;;
  *) exec ffmpeg "$@" ;;
esac
"""


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def children(pid: int, name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, rest = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        if comm.split("(", 1)[1] == name and int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def nothing_published(recording_pk: int) -> bool:
    for root in (Path(django_settings.MEDIA_ROOT), Path(django_settings.PRIVATE_MEDIA_ROOT)):
        folder = root / "recordings" / str(recording_pk)
        if folder.exists() and any(folder.rglob("*")):
            return False
    return True


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sigkilled_worker_leaves_no_ffmpeg_and_its_job_finishes_elsewhere(settings, tmp_path, client):
    from media.services import ingest_file

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": settings.TASK_QUEUES}}
    settings.MEDIA_LADDER = [(180, 400), (90, 200)]
    slow = tmp_path / "slow-ffmpeg"
    slow.write_text(SLOW_FFMPEG)
    slow.chmod(slow.stat().st_mode | stat.S_IXUSR)
    clip = make_clip(tmp_path / "lesson.mp4", seconds=8)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.media.worker_settings",
        "PYTHONPATH": str(settings.BASE_DIR),
        "DATABASE_URL": database_url(),
        "DANGKE_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DANGKE_TEST_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "FFMPEG_BINARY": str(slow),
        "MEDIA_TRANSCODE_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    workers = []

    def start_worker(log_name):
        log = open(tmp_path / log_name, "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker"], cwd=settings.BASE_DIR, env=env,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        workers.append((process, log))
        return process

    try:
        recording = ingest_file(clip, title="被中断的转码")  # committed: the job is in the queue table
        original = Path(recording.file.path)
        original_bytes = original.read_bytes()
        first = start_worker("worker-1.log")
        ffmpeg_pid = wait_for(
            lambda: (children(first.pid, "ffmpeg") or [None])[0]
            if Recording.objects.get(pk=recording.pk).progress > 5 else None,
            timeout=120, what="the first worker's ffmpeg to be transcoding",
        )
        dead_token = Recording.objects.get(pk=recording.pk).lease_token
        assert dead_token

        first.send_signal(signal.SIGKILL)
        first.wait()
        wait_for(lambda: not alive(ffmpeg_pid), timeout=20, what="the orphaned ffmpeg to die")

        # Meanwhile: nothing half-done is published or served, the original is untouched.
        recording.refresh_from_db()
        assert recording.status == Recording.Status.TRANSCODING and recording.rendition_key == ""
        assert nothing_published(recording.pk)
        assert client.get(f"/recordings/{recording.pk}/{dead_token}/hls/master.m3u8").status_code == 404
        assert original.read_bytes() == original_bytes

        wait_for(
            lambda: Recording.objects.get(pk=recording.pk).lease_expires_at < timezone.now(),
            timeout=LEASE_SECONDS * 4, what="the dead worker's lease to expire",
        )
        second = start_worker("worker-2.log")
        wait_for(
            lambda: Recording.objects.get(pk=recording.pk).status in (Recording.Status.READY, Recording.Status.FAILED),
            timeout=240, what="the second worker to finish the job",
        )
        recording.refresh_from_db()
        assert recording.status == Recording.Status.READY, recording.failure_reason
        assert recording.attempts == 2
        assert original.read_bytes() == original_bytes
        assert not (Path(settings.PRIVATE_MEDIA_ROOT) / "work" / f"{recording.pk}-{dead_token}").exists()
        assert client.get(recording.hls_url).status_code == 200
        assert not children(second.pid, "ffmpeg")
    finally:
        for process, log in workers:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()
