"""nginx with nginx-rtmp (Debian's libnginx-mod-rtmp) in front of gunicorn on free loopback ports, the
repository's config rendered by `manage.py render_nginx --rtmp-listen`, and an ffmpeg that pushes a
short lavfi test stream to it as an encoder in a hall would."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.conftest import Browser, _run
from tests.processes import (
    ROOT,
    VENV_BIN,
    Process,
    django_env,
    free_port,
    in_ci,
    port_open,
    require_program,
    wait_until,
)

RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")


SEGMENT_SECRET = "live-stack-segment-secret-0123456789abcdef"


@dataclass
class LiveStack:
    var_dir: Path
    conf_dir: Path
    https_port: int
    rtmp_port: int
    app_port: int
    gunicorn: Process
    nginx: Process
    # What nginx checks live segment links with (the stack's Django and nginx share it).
    segment_secret: str = SEGMENT_SECRET

    def browser(self) -> Browser:
        self.gunicorn.expect_alive("gunicorn")
        self.nginx.expect_alive("nginx")
        return Browser(self.https_port)

    def rtmp_url(self, stream_key: str) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{stream_key}"

    def push(
        self, stream_key: str, *, seconds: float, log: Path, size: str = "320x180", pattern: str = "testsrc"
    ) -> subprocess.Popen:
        """ffmpeg -re: a test picture (lavfi `pattern` at `size`) with a tone, in real time, for `seconds`."""
        ffmpeg = require_program("ffmpeg", "apt-get install ffmpeg")
        args = [
            ffmpeg,
            "-nostdin",
            "-hide_banner",
            "-v",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            f"{pattern}=size={size}:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-g",
            "50",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-f",
            "flv",
            self.rtmp_url(stream_key),
        ]
        return subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=open(log, "ab"), stdin=subprocess.DEVNULL
        )  # noqa: SIM115


def start_live_stack(base: Path, *, ladder: str = "720:2500,480:1000,360:600", workers: int = 2) -> LiveStack:
    nginx = require_program("nginx", "apt-get install nginx (make system-deps)")
    openssl = require_program("openssl", "apt-get install openssl")
    if not RTMP_MODULE.exists():
        message = f"{RTMP_MODULE} is missing: apt-get install libnginx-mod-rtmp (make system-deps)"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    var_dir, conf = base / "var", base / "nginx"
    (var_dir / "media").mkdir(parents=True)
    (var_dir / "private").mkdir(parents=True)
    env = django_env(
        var_dir,
        GUNICORN_ACCESS_LOG="",
        WEB_CONCURRENCY=workers,
        PROTECTED_MEDIA_SENDFILE="x-accel-redirect",
        LIVE_LADDER=ladder,
        LIVE_SEGMENT_SECRET=SEGMENT_SECRET,
    )
    _run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            base / "key.pem",
            "-out",
            base / "cert.pem",
        ],
        env,
        "openssl",
    )
    _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, "collectstatic")
    https_port, http_port, app_port, rtmp_port = free_port(), free_port(), free_port(), free_port()
    _run(
        [
            sys.executable,
            "manage.py",
            "render_nginx",
            "--output",
            conf,
            "--main",
            "--user",
            "root",
            "--worker-processes",
            "1",
            "--https-listen",
            f"127.0.0.1:{https_port}",
            "--http-listen",
            f"127.0.0.1:{http_port}",
            "--upstream",
            f"127.0.0.1:{app_port}",
            "--ssl-certificate",
            base / "cert.pem",
            "--ssl-certificate-key",
            base / "key.pem",
            "--real-ip-from",
            "127.0.0.1",
            "--rtmp-listen",
            f"127.0.0.1:{rtmp_port}",
            "--rtmp-module",
            RTMP_MODULE,
            "--live-ladder",
            ladder,
        ],
        env,
        "render_nginx",
    )
    gunicorn = Process(
        [VENV_BIN / "gunicorn", "-c", ROOT / "deploy" / "gunicorn.conf.py", "cms.wsgi"],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{app_port}"},
        log=base / "gunicorn.log",
    )
    server = Process(
        [nginx, "-p", conf, "-c", conf / "nginx.conf", "-g", "daemon off;"], log=base / "nginx.log"
    )
    stack = LiveStack(var_dir, conf, https_port, rtmp_port, app_port, gunicorn, server)

    def ready():
        stack.gunicorn.expect_alive("gunicorn")
        stack.nginx.expect_alive("nginx")
        return port_open(app_port) and port_open(https_port) and port_open(rtmp_port)

    try:
        wait_until(ready, timeout=60, message="gunicorn and nginx(-rtmp) to listen")
    except BaseException:
        stop_live_stack(stack)
        raise
    return stack


def stop_live_stack(stack: LiveStack) -> None:
    stack.nginx.stop()
    stack.gunicorn.stop()
