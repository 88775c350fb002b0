"""Lesson page throughput against the home page, and the progress endpoint's sustained writes/s.

One command: `.venv/bin/python bench/pages.py` (PostgreSQL at DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/dangke_lessons_bench, recreated on every run).

It builds a site with production settings (DEBUG off, manifest static files, persistent DB
connections), a lesson with 3 speakers, 6 chapters, 40 transcript cues, 3 attachments, 3 related
lessons and a transcoded recording, serves it with gunicorn on 127.0.0.1 and drives each phase for
BENCH_SECONDS (8), in BENCH_ROUNDS (4) slices interleaved with the other phases' slices, with
BENCH_CLIENTS (8) concurrent clients: through wrk (Debian's `wrk`, a Lua script per phase) when it
is installed, else from Python client processes (BENCH_LOAD=python forces them). Every phase, the
home-page baseline included, uses the same load generator and a new connection per request
(gunicorn's sync workers close each one, as behind nginx). Figures are printed as requests/s and as
ratios to the home page measured in the same run. Everything stays on loopback and every loop is
bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dangke_lessons_bench"
PHASE_SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
# Each phase runs in this many slices, interleaved with the other phases' slices, so that load from
# outside the benchmark (another build on the machine) weighs on the baseline as much as on the rest.
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "4")))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
# wrk when installed (a few % of a core to drive the load), else Python client processes.
LOAD = os.environ.get("BENCH_LOAD") or ("wrk" if shutil.which("wrk") else "python")
WRK_THREADS = 2
MEMBERS = 64


# --- setup (runs in a child process with Django configured) ---------------------------------


def setup_site() -> dict:
    import django

    django.setup()
    import datetime

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from cms.demo import ensure_site_tree
    from cms.worker import run_worker
    from lessons.factories import (
        DocumentFactory,
        LessonAttachmentFactory,
        LessonChapterFactory,
        LessonIndexPageFactory,
        LessonPageFactory,
        LessonRelatedLessonFactory,
        LessonSeriesPageFactory,
        LessonSpeakerFactory,
        SpeakerFactory,
    )
    from lessons.models import HomeDisplay
    from media.services import ingest_file

    call_command("migrate", verbosity=0)
    # The vendor files name source maps the vendor build does not copy, and the manifest storage
    # refuses that; empty maps in an extra folder let collectstatic finish (reported to the lead).
    import re

    maps = Path(tempfile.mkdtemp())
    for folder in map(Path, settings.STATICFILES_DIRS):
        for script in folder.rglob("*.js"):
            for name in re.findall(r"sourceMappingURL=([\w.\-]+\.map)", script.read_text(errors="ignore")):
                if not (script.parent / name).exists():
                    target = maps / script.parent.relative_to(folder) / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text("{}")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(maps)]
    call_command("collectstatic", "--noinput", verbosity=0)
    home = ensure_site_tree()
    from wagtail.models import Site

    Site.objects.filter(is_default_site=True).update(hostname="127.0.0.1", port=80)

    clip = Path(tempfile.mkdtemp()) / "bench.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-nostdin", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=15",
         "-f", "lavfi", "-i", "sine=frequency=440", "-t", "20", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "file:" + str(clip)],
        check=True,
    )
    settings.MEDIA_LADDER = [(90, 200)]
    recording = ingest_file(clip, title="基准测试录像")
    run_worker(burst=True)  # the database task backend: transcode now
    recording.refresh_from_db()
    assert recording.is_ready, recording.failure_reason

    index = LessonIndexPageFactory(parent=home, show_in_menus=True)
    series = LessonSeriesPageFactory(parent=index, title="党课开讲啦·月讲悦听", home_display=HomeDisplay.LATEST)
    transcript = "\n".join(f"[{i // 60:02d}:{i % 60:02d}] 第{i}段文字稿，讲述红色故事与初心使命。" for i in range(0, 40 * 15, 15))
    related = [LessonPageFactory(parent=index, title=f"相关党课{i}", series=series, episode_number=i + 2)
               for i in range(3)]
    lesson = LessonPageFactory(parent=index, title="基准党课", series=series, episode_number=1,
                               recording=recording, transcript=transcript, date_given=datetime.date(2025, 7, 1))
    for i in range(3):
        LessonSpeakerFactory(page=lesson, speaker=SpeakerFactory(bio="长期从事基层党建工作。" * 3))
        LessonAttachmentFactory(page=lesson, document=DocumentFactory())
        LessonRelatedLessonFactory(page=lesson, lesson=related[i])
    for i in range(6):
        LessonChapterFactory(page=lesson, start=i * 3, title=f"第{i + 1}部分")
    lesson.tags.add("党史", "红色故事")
    for page in [*related, lesson]:
        page.save_revision().publish()

    User = get_user_model()
    group = Group.objects.get(name="党员")
    sessions = []
    for n in range(MEMBERS):
        user = User.objects.create_user(f"bench{n}", password=secrets.token_hex(8))
        user.groups.add(group)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    return {"lesson_url": lesson.url, "home_url": "/", "lesson_id": lesson.pk, "sessions": sessions,
            "duration": recording.duration}


def service_writes(seconds: float, threads: int) -> dict:
    """record_heartbeat() called directly (no HTTP, no session): the database-bound ceiling."""
    import threading

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connections

    from lessons.models import LessonPage
    from lessons.services.progress import record_heartbeat

    lesson = LessonPage.objects.get(title="基准党课")
    users = list(get_user_model().objects.filter(username__startswith="bench")[:threads])
    counts = [0] * threads
    deadline = time.monotonic() + seconds

    def run(i):
        position = 0.0
        while time.monotonic() < deadline:
            start, position = position, position + 2.0
            if position > lesson.recording.duration:
                start, position = 0.0, 2.0
            record_heartbeat(users[i], lesson, position=position, ranges=[[start, position]])
            counts[i] += 1
        connections.close_all()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"writes_per_second": sum(counts) / (time.monotonic() - started)}


# --- load -----------------------------------------------------------------------------------


def _request(port, method, path, *, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _client(args):
    kind, port, target, seconds, index, extra = args
    deadline = time.monotonic() + seconds
    done = errors = 0
    csrf = secrets.token_hex(16)
    position = 0.0
    while time.monotonic() < deadline:
        if kind == "get":
            headers = {"Host": "127.0.0.1"}
            if extra.get("session"):
                headers["Cookie"] = f"sessionid={extra['session']}"
            status = _request(port, "GET", target, headers=headers)
        else:
            # Each client is one member playing on; heartbeats cover new seconds each time.
            start, position = position, min(position + 2.0, extra["duration"])
            if start >= extra["duration"]:
                start, position = 0.0, 2.0
            body = json.dumps({"lesson": extra["lesson_id"], "position": position, "ranges": [[start, position]]})
            headers = {
                "Host": "127.0.0.1",
                "Content-Type": "application/json",
                "Cookie": f"sessionid={extra['session']}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
            }
            status = _request(port, "POST", target, headers=headers, body=body)
        if status == 200:
            done += 1
        else:
            errors += 1
    return done, errors


def run_phase(port, kind, target, *, extras, seconds) -> tuple[int, int, float]:
    """(successful requests, failed requests, seconds taken) for one slice of a phase; client i
    plays extras[i % len(extras)]."""
    clients = [extras[i % len(extras)] for i in range(CLIENTS)]
    if LOAD == "wrk":
        return _wrk_phase(port, kind, target, clients, seconds)
    with multiprocessing.Pool(CLIENTS) as pool:
        started = time.monotonic()
        results = pool.map(_client, [(kind, port, target, seconds, i, extra) for i, extra in enumerate(clients)])
        elapsed = time.monotonic() - started
    return sum(r[0] for r in results), sum(r[1] for r in results), elapsed


# The same clients as _client(), in wrk's Lua: each wrk thread plays the clients i with
# i % threads == its number, in turn; a heartbeat client moves on 2 s per request like a player.
WRK_SCRIPT = """
local config = %(config)s
local threads, count = {}, 0

function setup(thread)
  thread:set("number", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  ok, failed, turn = 0, 0, 0
  mine = {}
  for i, client in ipairs(config.clients) do
    if (i - 1) %% config.threads == number then
      table.insert(mine, {session = client.session, position = 0})
    end
  end
  csrf = string.format("%%032d", number)
end

function request()
  turn = turn %% #mine + 1
  local client = mine[turn]
  local headers = {Host = "127.0.0.1"}
  if config.kind == "get" then
    if client.session then headers["Cookie"] = "sessionid=" .. client.session end
    return wrk.format("GET", config.path, headers)
  end
  local start = client.position
  client.position = math.min(start + 2, config.duration)
  if start >= config.duration then start, client.position = 0, 2 end
  headers["Content-Type"] = "application/json"
  headers["Cookie"] = "sessionid=" .. client.session .. "; csrftoken=" .. csrf
  headers["X-CSRFToken"] = csrf
  local body = string.format('{"lesson": %%d, "position": %%.1f, "ranges": [[%%.1f, %%.1f]]}',
    config.lesson, client.position, start, client.position)
  return wrk.format("POST", config.path, headers, body)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_failed = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_failed = total_failed + thread:get("failed")
  end
  local e = summary.errors
  io.write(string.format("WRK-RESULT %%d %%d %%d\\n", total_ok,
    total_failed + e.connect + e.read + e.write + e.timeout, summary.duration))
end
"""


def _lua(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {_lua(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(_lua(item) for item in value) + "}"
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return "nil"
    return repr(value)


def _wrk_phase(port, kind, target, clients, seconds) -> tuple[int, int, float]:
    threads = min(WRK_THREADS, len(clients))
    config = {
        "kind": kind, "path": target, "threads": threads,
        "lesson": clients[0].get("lesson_id", 0), "duration": float(clients[0].get("duration") or 0),
        "clients": [{"session": c.get("session")} for c in clients],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"config": _lua(config)})
    try:
        result = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(len(clients)), "-d", f"{seconds}s", "--timeout", "30s",
             "-s", script.name, f"http://127.0.0.1:{port}{target}"],
            capture_output=True, text=True, timeout=seconds + 60,
        )
    finally:
        os.unlink(script.name)
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRK-RESULT ")), None)
    if result.returncode or line is None:
        sys.exit(f"wrk failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    ok, failed, micros = map(int, line.split()[1:])
    return ok, failed, micros / 1e6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc), 0 when it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(server_pid: int, database_url: str) -> float:
    """CPU seconds used so far by gunicorn (master and workers) and the PostgreSQL backends serving
    the bench database: a second view of the cost per request, less swayed than requests/s by other
    work on the machine."""
    import psycopg

    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == server_pid:
                workers.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        backends = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name])]
    return sum(_process_cpu(pid) for pid in [server_pid, *workers, *backends])


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--service-writes", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.setup:
        sys.path.insert(0, str(ROOT))
        print("BENCH-SETUP " + json.dumps(setup_site()))
        return
    if options.service_writes:
        sys.path.insert(0, str(ROOT))
        print("BENCH-SERVICE " + json.dumps(service_writes(PHASE_SECONDS, 4)))
        return

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if not database_url.startswith("postgres"):
        sys.exit("bench/pages.py measures PostgreSQL: set DATABASE_URL=postgres://…")
    var_dir = Path(tempfile.mkdtemp(prefix="dangke-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "False",
        "DANGKE_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        "ELASTICSEARCH_URL": "",
    }
    print(f"Preparing the site on {database_url.rsplit('@', 1)[-1]} …", flush=True)
    recreate_database(database_url)
    setup = subprocess.run([PYTHON, __file__, "--setup"], env=env, cwd=ROOT, capture_output=True, text=True)
    line = next((x for x in setup.stdout.splitlines() if x.startswith("BENCH-SETUP ")), None)
    if setup.returncode or line is None:
        sys.exit(f"setup failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-3000:]}")
    site = json.loads(line.split(" ", 1)[1])

    port = free_port()
    workers = int(os.environ.get("BENCH_WORKERS", str(max(2, (os.cpu_count() or 2) * 2))))
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "cms.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning"],
        env=env, cwd=ROOT,
    )
    try:
        for _ in range(100):  # up to 10 s for gunicorn to listen
            try:
                if _request(port, "GET", "/healthz", headers={"Host": "127.0.0.1"}) in (200, 503):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not start")
        anon = [{}]
        members = [{"session": s} for s in site["sessions"]]
        beat_extras = [{"session": s, "lesson_id": site["lesson_id"], "duration": site["duration"]}
                       for s in site["sessions"]]
        # Warm every worker (template loading, site root paths) before measuring.
        for path in (site["home_url"], site["lesson_url"]):
            for _ in range(workers * 3):
                _request(port, "GET", path, headers={"Host": "127.0.0.1"})
        status = _request(port, "GET", site["lesson_url"], headers={"Host": "127.0.0.1"})
        assert status == 200, f"lesson page answered {status}"

        driver = f"wrk ({WRK_THREADS} threads)" if LOAD == "wrk" else "Python client processes"
        # wrk takes whole seconds; so does this, for both generators alike.
        slice_seconds = max(1, round(PHASE_SECONDS / ROUNDS))
        print(f"gunicorn {workers} sync workers, {CLIENTS} clients through {driver}, "
              f"{ROUNDS} interleaved rounds of {slice_seconds} s per phase, {os.cpu_count()} CPUs\n", flush=True)
        phases = {
            "home": ("get", site["home_url"], anon),
            "lesson": ("get", site["lesson_url"], anon),
            "member": ("get", site["lesson_url"], members),
            "writes": ("post", "/api/v1/progress/", beat_extras),
            "same_row": ("post", "/api/v1/progress/", beat_extras[:1]),
        }
        totals = {name: [0, 0, 0.0, 0.0] for name in phases}  # successes, failures, seconds, server CPU s
        measure_cpu = Path("/proc/self/stat").exists()
        for _ in range(ROUNDS):
            for name, (kind, target, extras) in phases.items():
                cpu_before = server_cpu_seconds(server.pid, database_url) if measure_cpu else 0.0
                for i, value in enumerate(run_phase(port, kind, target, extras=extras, seconds=slice_seconds)):
                    totals[name][i] += value
                if measure_cpu:
                    totals[name][3] += server_cpu_seconds(server.pid, database_url) - cpu_before
        rate = {name: ok / seconds for name, (ok, _, seconds, _) in totals.items()}
        cpu_ms = {name: 1000 * cpu / max(ok, 1) for name, (ok, _, _, cpu) in totals.items()}
        home, lesson, lesson_member, writes, same_row = (
            rate[n] for n in ("home", "lesson", "member", "writes", "same_row"))
        home_err, lesson_err, member_err, write_err, same_err = (
            totals[n][1] for n in ("home", "lesson", "member", "writes", "same_row"))

        print(f"home page (anonymous)            {home:8.1f} req/s   errors {home_err}                 "
              f"server CPU {cpu_ms['home']:5.2f} ms/request")
        print(f"lesson page (anonymous)          {lesson:8.1f} req/s   errors {lesson_err}   "
              f"ratio to home {lesson / home:.2f}   server CPU {cpu_ms['lesson']:5.2f} ms/request")
        print(f"lesson page (member, resume)     {lesson_member:8.1f} req/s   errors {member_err}   "
              f"ratio to home {lesson_member / home:.2f}   server CPU {cpu_ms['member']:5.2f} ms/request")
        print(f"progress writes ({CLIENTS} members)    {writes:8.1f} writes/s errors {write_err}   "
              f"ratio to home {writes / home:.2f}   server CPU {cpu_ms['writes']:5.2f} ms/request")
        print(f"progress writes (one row, {CLIENTS} tabs) {same_row:8.1f} writes/s errors {same_err}   "
              f"ratio to home {same_row / home:.2f}   server CPU {cpu_ms['same_row']:5.2f} ms/request")
        service = subprocess.run([PYTHON, __file__, "--service-writes"], env=env, cwd=ROOT,
                                 capture_output=True, text=True)
        line = next((x for x in service.stdout.splitlines() if x.startswith("BENCH-SERVICE ")), None)
        if line:
            direct = json.loads(line.split(" ", 1)[1])["writes_per_second"]
            print(f"record_heartbeat() direct, 4 threads {direct:8.1f} writes/s   "
                  f"(HTTP endpoint reaches {writes / direct:.2f} of it)")
        else:
            print(f"direct write phase failed: {service.stderr[-2000:]}")
        if measure_cpu:
            # CPU time grows too when other work shares the cores, but far less than waiting does.
            print(f"\nby server CPU per request (gunicorn + PostgreSQL backends), home / lesson page "
                  f"{cpu_ms['home'] / cpu_ms['lesson']:.2f}, home / member lesson page "
                  f"{cpu_ms['home'] / cpu_ms['member']:.2f}")
        print("\ntargets: lesson page >= 0.80 of home; 500 progress writes/s")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
