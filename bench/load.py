"""Load with the task worker running: many members browsing and watching at once, nothing lost.

One command: `.venv/bin/python bench/load.py` (PostgreSQL at DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/dangke_load_bench, recreated on every run).

gunicorn (deploy/gunicorn.conf.py, LOAD_WORKERS=4 sync workers, production settings) and one
`manage.py run_worker` serve a site with lessons, routes and LOAD_CLIENTS (50) members. Each client
is one member with its own session: it opens pages (home, lesson index, a lesson, the study record)
and sends progress heartbeats for the lesson it watches, each covering what played since the last
one (real time at 1x, at most 5 s), for
LOAD_SECONDS (60). The baseline is the same mix from one client for LOAD_BASELINE_SECONDS (15), in
the same run. Printed: requests, 5xx, other failures, requests/s and p95 latency against the
baseline, and the heartbeat seconds the clients sent (answered 200) against the distinct seconds
found in the database afterwards, which must be equal. Everything stays on loopback, every loop is
bounded by its deadline.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import free_port, recreate_database  # noqa: E402 (the page benchmark's helpers)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dangke_load_bench"
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "50"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
BASELINE_SECONDS = float(os.environ.get("LOAD_BASELINE_SECONDS", "15"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
STEP = 5.0  # seconds of playback each heartbeat reports
DURATION = 6 * 3600.0  # the lesson's length: no client reaches its end within the run
# Out of every 10 requests: heartbeats and page views (home, lessons, a lesson, the study record, a search).
MIX = ["beat", "beat", "beat", "beat", "home", "index", "lesson", "lesson", "learning", "search"]


def setup_site() -> dict:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from wagtail.models import Site

    from cms.demo import ensure_site_tree
    from lessons.factories import LessonIndexPageFactory, LessonPageFactory
    from media.factories import RecordingFactory

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    home = ensure_site_tree()
    Site.objects.filter(is_default_site=True).update(hostname="127.0.0.1", port=80)
    index = LessonIndexPageFactory(parent=home, show_in_menus=True)
    lessons = []
    for i in range(5):
        lesson = LessonPageFactory(parent=index, title=f"负载测试党课{i}",
                                   recording=RecordingFactory(ready=True, duration=DURATION))
        lesson.save_revision().publish()
        lessons.append(lesson)
    group = Group.objects.get(name="党员")
    members = []
    for n in range(CLIENTS + 2):  # the baseline's member, the load's, one to warm the workers up
        user = get_user_model().objects.create_user(f"load{n}")  # signed in by session, no password
        user.groups.add(group)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        members.append({"session": store.session_key, "user": user.pk})
    return {"lessons": [{"id": p.pk, "url": p.url} for p in lessons], "index": index.url, "members": members}


def found_seconds(user_ids) -> float:
    import django

    django.setup()
    from django.db.models import Sum

    from lessons.models import LessonProgress

    return LessonProgress.objects.filter(user_id__in=user_ids).aggregate(s=Sum("played_seconds"))["s"] or 0.0


class Client(threading.Thread):
    """One member: requests in the mix order, one connection per request (gunicorn sync workers)."""

    def __init__(self, port, site, member, lesson, deadline, offset):
        super().__init__(daemon=True)
        self.port, self.site, self.member, self.lesson, self.deadline = port, site, member, lesson, deadline
        self.turn = offset
        self.position = 0.0
        self.last_beat = time.monotonic()
        self.requests = self.server_errors = self.failures = 0
        self.seconds_sent = 0.0
        self.latencies: list[float] = []

    def _send(self, method, path, body=None):
        csrf = "a" * 32
        headers = {"Host": "127.0.0.1", "Cookie": f"sessionid={self.member['session']}; csrftoken={csrf}"}
        if body is not None:
            headers.update({"Content-Type": "application/json", "X-CSRFToken": csrf})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        except OSError:
            return None
        finally:
            connection.close()
            self.latencies.append(time.monotonic() - started)

    def run(self):
        while time.monotonic() < self.deadline:
            kind = MIX[self.turn % len(MIX)]
            self.turn += 1
            if kind == "beat":
                # A player at 1x reports what played since its last heartbeat: no more than the wall time
                # (the server drops seconds that come faster than real time allows).
                now = time.monotonic()
                start = self.position
                end = start + min(STEP, now - self.last_beat)
                body = json.dumps({"lesson": self.lesson["id"], "position": end, "ranges": [[start, end]]})
                status = self._send("POST", "/api/v1/progress/", body)
                if status == 200:
                    self.position, self.last_beat = end, now
                    self.seconds_sent += end - start
            else:
                path = {"home": "/", "index": self.site["index"], "lesson": self.lesson["url"],
                        "learning": "/me/learning/", "search": "/search/?q=%E5%85%9A%E8%AF%BE"}[kind]
                status = self._send("GET", path)
            self.requests += 1
            if status is None or (status >= 400 and status < 500):
                self.failures += 1
            elif status >= 500:
                self.server_errors += 1


def run_load(port, site, members, seconds) -> dict:
    deadline = time.monotonic() + seconds
    clients = [Client(port, site, member, site["lessons"][i % len(site["lessons"])], deadline, i)
               for i, member in enumerate(members)]
    started = time.monotonic()
    for client in clients:
        client.start()
    for client in clients:
        client.join(timeout=seconds + 120)
    elapsed = time.monotonic() - started
    latencies = sorted(x for c in clients for x in c.latencies)
    return {
        "requests": sum(c.requests for c in clients),
        "server_errors": sum(c.server_errors for c in clients),
        "failures": sum(c.failures for c in clients),
        "seconds_sent": sum(c.seconds_sent for c in clients),
        "rate": sum(c.requests for c in clients) / elapsed,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        "users": [m["user"] for m in members],
    }


def child(argv, env) -> dict:
    result = subprocess.run([PYTHON, __file__, *argv], env=env, cwd=ROOT, capture_output=True, text=True)
    line = next((x for x in result.stdout.splitlines() if x.startswith("LOAD-RESULT ")), None)
    if result.returncode or line is None:
        sys.exit(f"{argv[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(line.split(" ", 1)[1])


def main():
    if sys.argv[1:] == ["--setup"]:
        sys.path.insert(0, str(ROOT))
        print("LOAD-RESULT " + json.dumps(setup_site()))
        return
    if sys.argv[1:2] == ["--found"]:
        sys.path.insert(0, str(ROOT))
        print("LOAD-RESULT " + json.dumps(found_seconds(json.loads(sys.argv[2]))))
        return
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if not database_url.startswith("postgres"):
        sys.exit("bench/load.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    var_dir = Path(tempfile.mkdtemp(prefix="dangke-load-"))
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.production", "DATABASE_URL": database_url,
           "SECRET_KEY": secrets.token_hex(32), "ALLOWED_HOSTS": "127.0.0.1,localhost",
           "SECURE_SSL_REDIRECT": "False", "DANGKE_VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING",
           "REDIS_URL": "", "ELASTICSEARCH_URL": "", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": str(WORKERS), "GUNICORN_ACCESS_LOG": "", "GUNICORN_LOG_LEVEL": "warning",
           "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    print(f"Preparing the site on {database_url.rsplit('@', 1)[-1]} …", flush=True)
    recreate_database(database_url)
    site = child(["--setup"], env)
    print(f"{len(site['members'])} members, {len(site['lessons'])} lessons; starting gunicorn and the worker", flush=True)
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                               "cms.wsgi"], env=env, cwd=ROOT, start_new_session=True)
    worker = subprocess.Popen([PYTHON, "manage.py", "run_worker"], env=env, cwd=ROOT, start_new_session=True,
                              stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300  # a busy machine boots four workers slowly
        health = "no answer"
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                health = json.loads(connection.getresponse().read())
                connection.close()
                if health["status"] == "ok":
                    break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                sys.exit(f"the site did not become healthy: {health}")
            time.sleep(0.5)
        print("healthy; measuring", flush=True)
        members = site["members"]
        run_load(port, site, members[CLIENTS + 1:], 3)  # warm every worker up (a member counted nowhere)
        baseline = run_load(port, site, members[:1], BASELINE_SECONDS)
        load = run_load(port, site, members[1:CLIENTS + 1], SECONDS)
        time.sleep(1)
        found_base = child(["--found", json.dumps(baseline["users"])], env)
        found_load = child(["--found", json.dumps(load["users"])], env)
    finally:
        for process in (server, worker):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
    print(f"\ngunicorn {WORKERS} sync workers + PostgreSQL + the task worker, {os.cpu_count()} CPUs; "
          f"mix: {MIX.count('beat')} heartbeats in {len(MIX)} requests\n")
    for name, result, found, seconds in (("baseline, 1 client", baseline, found_base, BASELINE_SECONDS),
                                         (f"load, {CLIENTS} clients", load, found_load, SECONDS)):
        print(f"{name:<20} {seconds:4.0f} s  requests {result['requests']:6d}  5xx {result['server_errors']}  "
              f"other failures {result['failures']}  {result['rate']:7.1f} req/s  p95 {1000 * result['p95']:7.1f} ms  "
              f"heartbeat seconds sent {result['seconds_sent']:.0f} / in the database {found:.0f}")
    print(f"\nload / baseline: throughput {load['rate'] / baseline['rate']:.2f}, "
          f"p95 latency {load['p95'] / max(baseline['p95'], 1e-9):.2f}")
    lost = load["seconds_sent"] - found_load + baseline["seconds_sent"] - found_base
    # Both sides are sums of thousands of float seconds: they agree when they agree to the hundredth.
    verdict = "OK: every heartbeat second is in the database" if abs(lost) < 0.01 else f"MISMATCH: {lost:+.2f} s"
    print(f"{verdict}; 5xx: {load['server_errors'] + baseline['server_errors']}")


if __name__ == "__main__":
    main()
