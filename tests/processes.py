"""Real processes for tests: a task worker, gunicorn, nginx, redis-server, each on a free loopback
port, against the test database (data must be committed: transactional tests), stopped by the
fixture that started it. When DANGKE_CI is set a missing program fails the test; elsewhere it skips
with the command that installs it."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def in_ci() -> bool:
    return bool(os.environ.get("DANGKE_CI"))


def require_program(name: str, install: str) -> str:
    """The path of `name`, or fail (CI) / skip (a developer machine) saying how to install it."""
    path = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if p.exists()), None
    )
    if path:
        return path
    message = f"{name} is not installed: {install}"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(predicate, *, timeout: float = 30.0, interval: float = 0.1, message: str = "condition"):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {message}")
        time.sleep(interval)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def child_database_url() -> str:
    """The test database as a DATABASE_URL, for a child process to use the data a test committed."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        name = settings["NAME"]
        if not name or name == ":memory:" or str(name).startswith("file:"):
            raise RuntimeError("child processes need a file SQLite test database")
        return f"sqlite:///{name}"
    user = settings.get("USER") or ""
    password = settings.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{auth}{settings.get('HOST') or '127.0.0.1'}:{settings.get('PORT') or 5432}/{settings['NAME']}"


def django_env(var_dir: Path, **extra) -> dict[str, str]:
    """Production settings for a child process against the test database, files under var_dir."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "DATABASE_URL": child_database_url(),
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "False",
        "DANGKE_VAR_DIR": str(var_dir),
        "REDIS_URL": "",
        "ELASTICSEARCH_URL": "",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.update({key: str(value) for key, value in extra.items()})
    return env


class Process:
    """A child in its own process group (so its children go with it), output in a log file."""

    def __init__(self, args, *, env=None, log: Path, cwd=ROOT):
        self.args = [str(a) for a in args]
        self.log_path = log
        self._log = open(log, "ab")  # noqa: SIM115 (closed in stop)
        self.popen = subprocess.Popen(self.args, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-5000:]

    def expect_alive(self, what: str) -> None:
        if not self.alive():
            raise AssertionError(f"{what} exited with {self.popen.returncode}:\n{self.output()}")

    def signal(self, sig) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 15.0) -> None:
        if self.alive():
            self.signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.popen.wait(timeout=timeout)
        else:
            self.signal(signal.SIGKILL)  # anything it left behind in its group
        self._log.close()


def start_worker(var_dir: Path, *, log: Path, **env) -> Process:
    """`manage.py run_worker` with the database task queue (unless env says otherwise), ticking fast."""
    environment = django_env(var_dir, **{"WORKER_TICK_SECONDS": "0.5", **env})
    return Process([sys.executable, "manage.py", "run_worker"], env=environment, log=log)
