"""ffmpeg and ffprobe as children that die with the process that started them.

Each child gets its own process group (so a signal meant for the worker's terminal never reaches it
half-way, and the whole group can be killed at once) and, on Linux, a parent-death signal: when the
worker is SIGKILLed, the kernel kills its ffmpeg too, so no orphan keeps writing into a folder that
a restarted job might use.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1

# Resolved once at import: the function that runs between fork and exec must not import or allocate.
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def _die_with(parent_pid: int):
    def preexec() -> None:
        if _prctl is not None:
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        # The parent may have died between fork and prctl: then nobody would kill us later.
        if os.getppid() != parent_pid:
            os._exit(1)

    return preexec


def popen(args: list[str], **kwargs) -> subprocess.Popen:
    """subprocess.Popen for a child that must not outlive this process (nor this thread: Linux
    sends the parent-death signal when the forking thread ends, so call it from the thread that
    waits for the child)."""
    return subprocess.Popen(  # noqa: S603 (argument lists built by the pipeline, never a shell)
        args, start_new_session=True, preexec_fn=_die_with(os.getpid()), **kwargs
    )


def kill(process: subprocess.Popen) -> None:
    """Kill the child and everything it started (its process group), then reap it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run(args: list[str], *, timeout: float | None = None) -> subprocess.CompletedProcess:
    """subprocess.run(capture_output=True) with the same guarantees as popen()."""
    process = popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except BaseException:
        kill(process)
        raise
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)
