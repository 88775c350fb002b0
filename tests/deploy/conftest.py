"""nginx in front of gunicorn, as in production, on free loopback ports: the repository's config
(deploy/nginx, rendered by `manage.py render_nginx`) and deploy/gunicorn.conf.py, production
settings, against the test database. Started once per session; the tests commit their data."""

from __future__ import annotations

import http.client
import re
import ssl
import subprocess
import sys
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.processes import (
    ROOT,
    VENV_BIN,
    Process,
    django_env,
    free_port,
    port_open,
    require_program,
    wait_until,
)

LOGIN_ATTEMPTS = 3


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Browser:
    """An HTTPS client to nginx from a chosen loopback source address, keeping its cookies."""

    port: int
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(self, method, path, *, headers=None, body=None) -> Response:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the fixture's own self-signed certificate
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=30,
                                                 source_address=(self.source, 0))
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path, **headers) -> Response:
        return self.request("GET", path, headers=headers)

    def post_form(self, path, data: dict, *, headers=None) -> Response:
        from urllib.parse import urlencode

        return self.request("POST", path, body=urlencode(data), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": self.origin,
            "Referer": self.origin + path, **(headers or {}),
        })

    def sign_in(self, username, password="pw-for-tests", *, path="/accounts/login/", headers=None) -> Response:
        page = self.get(path, **(headers or {}))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, f"no sign-in form at {path}: {page.status}"
        return self.post_form(path, {"csrfmiddlewaretoken": token.group(1), "username": username,
                                     "password": password}, headers=headers)


@dataclass
class Stack:
    var_dir: Path
    https_port: int
    http_port: int
    gunicorn: Process
    nginx: Process

    def browser(self, source="127.0.0.1") -> Browser:
        self.gunicorn.expect_alive("gunicorn")
        self.nginx.expect_alive("nginx")
        return Browser(self.https_port, source)


def _run(args, env, what):
    result = subprocess.run([str(a) for a in args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode:
        raise AssertionError(f"{what} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="session")
def nginx_stack(django_db_setup, tmp_path_factory):
    nginx = require_program("nginx", "apt-get install nginx (make does it when run as root)")
    openssl = require_program("openssl", "apt-get install openssl")
    base = tmp_path_factory.mktemp("nginx-stack")
    var_dir, conf = base / "var", base / "nginx"
    (var_dir / "media").mkdir(parents=True)
    (var_dir / "private").mkdir(parents=True)
    env = django_env(var_dir, LOGIN_RATE_LIMIT_ATTEMPTS=LOGIN_ATTEMPTS, LOGIN_RATE_LIMIT_WINDOW=600,
                     GUNICORN_ACCESS_LOG="", WEB_CONCURRENCY=2, PROTECTED_MEDIA_SENDFILE="x-accel-redirect")
    _run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
          "-keyout", base / "key.pem", "-out", base / "cert.pem"], env, "openssl")
    _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, "collectstatic")
    https_port, http_port, app_port = free_port(), free_port(), free_port()
    # 127.0.0.1 plays the load balancer in front of nginx; a client from 127.0.0.2 is anyone else.
    _run([sys.executable, "manage.py", "render_nginx", "--output", conf, "--main", "--user", "root",
          "--worker-processes", "1", "--https-listen", f"127.0.0.1:{https_port}",
          "--http-listen", f"127.0.0.1:{http_port}", "--upstream", f"127.0.0.1:{app_port}",
          "--ssl-certificate", base / "cert.pem", "--ssl-certificate-key", base / "key.pem",
          "--real-ip-from", "127.0.0.1"], env, "render_nginx")
    gunicorn = Process([VENV_BIN / "gunicorn", "-c", ROOT / "deploy" / "gunicorn.conf.py", "cms.wsgi"],
                       env={**env, "GUNICORN_BIND": f"127.0.0.1:{app_port}"}, log=base / "gunicorn.log")
    server = Process([nginx, "-p", conf, "-c", conf / "nginx.conf", "-g", "daemon off;"], log=base / "nginx.log")
    stack = Stack(var_dir, https_port, http_port, gunicorn, server)
    try:
        def ready():
            stack.gunicorn.expect_alive("gunicorn")
            stack.nginx.expect_alive("nginx")
            return port_open(app_port) and port_open(https_port)

        wait_until(ready, timeout=60, message="gunicorn and nginx to listen")
        yield stack
    finally:
        server.stop()
        gunicorn.stop()


@pytest.fixture
def stack(nginx_stack, settings, django_db_serialized_rollback, transactional_db):
    """The running stack, with this process writing files where gunicorn and nginx read them."""
    settings.MEDIA_ROOT = nginx_stack.var_dir / "media"
    settings.PRIVATE_MEDIA_ROOT = nginx_stack.var_dir / "private"
    # Passwords the production server can check (the test settings' fast MD5 is not among them).
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    from cms.demo import ensure_site_tree

    ensure_site_tree()
    return nginx_stack
