"""ffmpeg's children die with the process that started them."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings

SPAWNER = """
import sys, time
from media.child_processes import popen
child = popen(["sleep", "120"])
print(child.pid, flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead
    except FileNotFoundError:
        return False


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_child_is_killed_when_its_parent_is_sigkilled():
    parent = subprocess.Popen(
        [sys.executable, "-c", SPAWNER], stdout=subprocess.PIPE, cwd=settings.BASE_DIR,
        env={**os.environ, "PYTHONPATH": str(settings.BASE_DIR)},
    )
    child_pid = int(parent.stdout.readline())
    try:
        assert alive(child_pid)
        assert os.getpgid(child_pid) == child_pid, "the child leads its own process group"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert wait_until(lambda: not alive(child_pid)), "the child outlived its parent"
    finally:
        if alive(child_pid):
            os.kill(child_pid, signal.SIGKILL)
