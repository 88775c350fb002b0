"""Live lessons: how many players one nginx serves from this machine, and which live ladder its CPUs
sustain.

    .venv/bin/python bench/live.py [--clients 100] [--seconds 40] [--encoder]

Viewers: nginx-rtmp + gunicorn (the test stack: `render_nginx --rtmp-listen`, production settings,
SQLite) on loopback ports; ffmpeg pushes a 640x360 test stream in real time with a valid key; the
live encoder makes the LIVE_BENCH_LADDER (default one 360p rung + audio). Then LIVE_CLIENTS players
(default 100; processes of threads) each keep one HTTPS connection to nginx and do what hls.js does
at the live edge: fetch the master playlist once, then the media playlist every target duration
(2 s; through Django: access check and 正在观看 count) and every segment it lists that it has not
fetched yet (straight from nginx). A segment is **on time** when its download has finished within
one segment duration of the playlist fetch that first listed it (a player three segments behind
the edge then never stalls). The result: segments delivered on time per player per second for N
clients against the same for 1 client in the same run (a player that gets nothing counts as zero),
the share of delivered segments on time, requests/s and p95 times.

--encoder: the live encoder's own ffmpeg command (media/live_encoder.build_command), fed a 720p25
lavfi picture with noise (harder to encode than a test card, easier than a camera) as fast as it
goes, per ladder: the speed against real time says which ladder this machine sustains (needs > 1,
with headroom for the rest of the box).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A segment line: its name and the signature Django added (nginx serves only signed links).
SEGMENT_RE = re.compile(r"^(\d+\.ts)(\?\S*)?$", re.M)
EXTINF_RE = re.compile(r"#EXTINF:([\d.]+)")
TARGET_RE = re.compile(r"#EXT-X-TARGETDURATION:(\d+)")


# --- the players ------------------------------------------------------------------------------


def player(port: int, master_path: str, seconds: float, results: list) -> None:
    """One hls.js-like player at the live edge on one keep-alive HTTPS connection."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = None
    stats = {"segments": 0, "on_time": 0, "requests": 0, "errors": 0, "playlist_ms": [], "segment_ms": []}

    def get(path):
        nonlocal connection
        for _attempt in range(2):
            if connection is None:
                connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
            try:
                connection.request(
                    "GET", path, headers={"Host": f"127.0.0.1:{port}", "User-Agent": f"bench-{id(stats)}"}
                )
                response = connection.getresponse()
                body = response.read()
                stats["requests"] += 1
                return response.status, body
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = None
        stats["errors"] += 1
        return 0, b""

    deadline = time.monotonic() + seconds
    status, body = get(master_path)
    variant = next((line for line in body.decode().splitlines() if line and not line.startswith("#")), None)
    if status != 200 or not variant:
        stats["errors"] += 1
        results.append(stats)
        return
    base = master_path.rsplit("/", 1)[0] + "/" + variant.rsplit("/", 1)[0] + "/"
    media_path = base + "index.m3u8"
    seen: set[str] = set()
    first = True
    while time.monotonic() < deadline:
        started = time.monotonic()
        status, body = get(media_path)
        stats["playlist_ms"].append((time.monotonic() - started) * 1000)
        if status != 200:
            stats["errors"] += 1
            time.sleep(1)
            continue
        text = body.decode()
        target = float(TARGET_RE.search(text).group(1)) if TARGET_RE.search(text) else 2.0
        durations = [float(d) for d in EXTINF_RE.findall(text)]
        links = SEGMENT_RE.findall(text)
        new = [(n, q, d) for (n, q), d in zip(links, durations, strict=False) if n not in seen]
        if first:  # a player joins three segments behind the edge
            for name, _, _ in new[:-3]:
                seen.add(name)
            new = new[-3:]
            first = False
        listed_at = time.monotonic()
        for name, query, duration in new:
            seen.add(name)
            before = time.monotonic()
            status, body = get(base + name + query)
            done = time.monotonic()
            stats["segment_ms"].append((done - before) * 1000)
            if status == 200 and body[:1] == b"\x47":
                stats["segments"] += 1
                if done - listed_at <= duration:
                    stats["on_time"] += 1
            else:
                stats["errors"] += 1
        time.sleep(max(0.0, target - (time.monotonic() - started)))
    results.append(stats)


def _process_main(port, master_path, seconds, threads, queue):
    results: list = []
    workers = [
        threading.Thread(target=player, args=(port, master_path, seconds, results)) for _ in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 30)
    queue.put(results)


def run_players(port: int, master_path: str, clients: int, seconds: float) -> dict:
    processes = max(1, min(4, clients // 25 or 1))
    queue = multiprocessing.Queue()
    share = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    started = time.monotonic()
    children = [
        multiprocessing.Process(target=_process_main, args=(port, master_path, seconds, n, queue))
        for n in share
    ]
    for child in children:
        child.start()
    results = []
    for _ in children:
        results.extend(queue.get(timeout=seconds + 60))
    for child in children:
        child.join(10)
    elapsed = time.monotonic() - started
    total = {"clients": clients, "seconds": elapsed}
    for key in ("segments", "on_time", "requests", "errors"):
        total[key] = sum(r[key] for r in results)
    for key in ("playlist_ms", "segment_ms"):
        values = sorted(v for r in results for v in r[key])
        total[key.replace("_ms", "_p95_ms")] = values[int(len(values) * 0.95)] if values else None
    total["on_time_share"] = total["on_time"] / total["segments"] if total["segments"] else 0.0
    # Segments on time per player per second of the run: a player that got nothing counts as zero.
    total["on_time_rate"] = total["on_time"] / (clients * seconds)
    total["requests_per_s"] = total["requests"] / elapsed
    return total


def viewers(clients: int, seconds: float, baseline_seconds: float, ladder: str) -> None:
    base = Path(tempfile.mkdtemp(prefix="dangke-live-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{base / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from media import live
    from media.factories import LiveStreamFactory
    from tests.media.live_stack import start_live_stack, stop_live_stack

    stream = LiveStreamFactory(scheduled_start=timezone.now())
    key = live.issue_key(stream)
    stack = start_live_stack(base / "stack", ladder=ladder, workers=4)
    pusher = None
    try:
        total_seconds = baseline_seconds + seconds + 60
        browser = stack.browser()
        for _ in range(8):  # wake every gunicorn worker before the publish check needs one
            browser.get("/healthz")
        pusher = stack.push(key, seconds=total_seconds, log=base / "push.log", size="640x360", pattern="testsrc2")
        master = f"/live/hls/{stream.stream_name}.m3u8"
        deadline = time.monotonic() + 60
        while browser.get(master).status != 200:
            if time.monotonic() > deadline:
                raise SystemExit("no live playlist after 60 s: see " + str(stack.conf_dir))
            time.sleep(0.5)
        time.sleep(8)  # a few segments in the playlist
        print(f"live ladder {ladder}; players through nginx on 127.0.0.1:{stack.https_port}")
        one = run_players(stack.https_port, master, 1, baseline_seconds)
        many = run_players(stack.https_port, master, clients, seconds)
        for label, result in (("baseline, 1 client", one), (f"{clients} clients", many)):
            print(
                f"{label:>20}: {result['segments']} segments, {result['on_time_share']:.3f} of them on time, "
                f"{result['on_time_rate'] * 2:.3f} on-time segments per player per 2 s, "
                f"{result['requests_per_s']:.1f} req/s, errors {result['errors']}, "
                f"p95 playlist {result['playlist_p95_ms'] or 0:.0f} ms, p95 segment {result['segment_p95_ms'] or 0:.0f} ms"
            )
        ratio = many["on_time_rate"] / one["on_time_rate"] if one["on_time_rate"] else 0.0
        print(f"segments delivered on time per player, {clients} clients against 1: {ratio:.3f}")
        status = browser.get(f"/live/{stream.stream_name}/status/").text
        print(f"status after the run (正在观看: distinct players in the last 20 s window): {status}")
    finally:
        if pusher is not None:
            pusher.terminate()
            pusher.wait(10)
        stop_live_stack(stack)


# --- the encoder ------------------------------------------------------------------------------


def encoder(seconds: int, preset: str) -> None:
    from media.live_encoder import build_command, parse_ladder

    info = {"width": 1280, "height": 720, "fps": 25.0, "has_audio": True}
    source = (
        "testsrc2=size=1280x720:rate=25,noise=alls=12:allf=t[out0];sine=frequency=440:sample_rate=48000[out1]"
    )
    for ladder in ("720:2500,480:1000,360:600", "480:1000,360:600", "360:600"):
        with tempfile.TemporaryDirectory() as folder:
            args = build_command(
                ffmpeg_binary="ffmpeg",
                source=source,
                output=str(Path(folder) / "out"),
                info=info,
                ladder=parse_ladder(ladder),
                preset=preset,
                input_options={"f": "lavfi", "t": seconds},
            )
            started = time.monotonic()
            completed = subprocess.run(args, capture_output=True, check=False)
            elapsed = time.monotonic() - started
            if completed.returncode:
                raise SystemExit(completed.stderr.decode()[-2000:])
            speed = seconds / elapsed
            verdict = (
                "sustains real time"
                if speed >= 1.2
                else ("barely (no headroom)" if speed >= 1.0 else "too slow")
            )
            print(
                f"ladder {ladder:<28} preset {preset}: {seconds} s of 720p25 in {elapsed:.1f} s = {speed:.2f}x real time, {verdict}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=int(os.environ.get("LIVE_CLIENTS", "100")))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LIVE_SECONDS", "40")))
    parser.add_argument("--baseline-seconds", type=float, default=20)
    parser.add_argument("--ladder", default=os.environ.get("LIVE_BENCH_LADDER", "360:600"))
    parser.add_argument("--encoder", action="store_true", help="measure the live encoder's ladders instead")
    parser.add_argument("--encoder-seconds", type=int, default=20)
    parser.add_argument("--preset", default="veryfast")
    options = parser.parse_args()
    if options.encoder:
        encoder(options.encoder_seconds, options.preset)
    else:
        viewers(options.clients, options.seconds, options.baseline_seconds, options.ladder)


if __name__ == "__main__":
    main()
