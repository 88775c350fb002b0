"""Benchmark of the media pipeline (issue 3): one command, `.venv/bin/python bench/transcode.py`.

Generates a talking-head input with ffmpeg's lavfi sources (1080p25 by default, mostly static
picture with a little movement and camera grain, a voice-like tone with noise), then measures in
one run:

  (a) naive: one ffmpeg process per output (each HLS rung, the audio, the MP4, the poster, the
      storyboard), one after another, each decoding the source again;
  (b) the pipeline end to end through the task (ingest_file: copy, probe, transcode, publish);
  (c) the bare single-pass ffmpeg command the pipeline builds, run by hand;
  (d) decode only.

and prints a/b, b/c, b/d, the pipeline's speed as a multiple of real time and the output size
per rendition. Options: --duration SECONDS (default 120), --height (1080), --preset (veryfast).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def make_input(path: Path, *, duration: int, height: int) -> None:
    width = int(round(height * 16 / 9 / 2)) * 2
    head = height // 3
    video = (
        f"color=c=0x2b3a55:s={width}x{height}:r=25,"
        f"drawbox=x=0:y={height * 3 // 4}:w={width}:h={height // 4}:color=0x8b0000@1:t=fill,"
        # the speaker: a face-sized box that sways a little and "talks"
        f"drawbox=x='{width // 2 - head // 2}+{height // 60}*sin(t*0.7)':y='{height // 4}+{height // 120}*sin(t*1.3)'"
        f":w={head}:h={head}:color=0xe0b090@1:t=fill,"
        f"drawbox=x='{width // 2 - head // 6}':y='{height // 4 + head * 2 // 3}':w={head // 3}"
        f":h='{head // 20}+{head // 20}*abs(sin(t*9))':color=0x602020@1:t=fill,"
        "noise=alls=3:allf=t"
    )
    audio = (
        f"sine=f=180:sample_rate=48000:d={duration}[s];anoisesrc=c=pink:a=0.05:d={duration}:r=48000[n];"
        "[s][n]amix=inputs=2,volume='0.6+0.4*sin(t*3)':eval=frame"
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-nostdin", "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio,
         "-t", str(duration), "-c:v", "libx264", "-preset", "superfast", "-crf", "20", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "160k", "file:" + str(path)],
        check=True,
    )


def naive(source: Path, out: Path, plan) -> float:
    """One process per output file, as a per-resolution pipeline does it."""
    from media.transcode import (
        AUDIO_BITRATE,
        STORYBOARD_COLUMNS,
        STORYBOARD_INTERVAL,
        mp4_rung,
        storyboard_size,
    )

    preset = os.environ["MEDIA_X264_PRESET"]
    gop = 150
    x264 = ["-c:v", "libx264", "-preset", preset, "-profile:v", "high", "-pix_fmt", "yuv420p", "-crf", "23",
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-force_key_frames", "expr:gte(t,n_forced*6)"]
    hls = ["-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
           "-hls_flags", "single_file"]
    src = ["ffmpeg", "-v", "error", "-y", "-nostdin", "-i", "file:" + str(source)]
    total = 0.0
    for rung in plan.rungs:
        folder = out / rung.name
        folder.mkdir(parents=True)
        total += run(src + ["-map", "0:v", "-vf", f"scale={rung.width}:{rung.height}:flags=bicubic", *x264,
                            "-maxrate", f"{rung.maxrate_kbps}k", "-bufsize", f"{rung.maxrate_kbps * 2}k", *hls,
                            "-hls_segment_filename", str(folder / "media.m4s"), str(folder / "index.m3u8")])
    audio = out / "audio"
    audio.mkdir()
    total += run(src + ["-map", "0:a", "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "2", *hls,
                        "-hls_segment_filename", str(audio / "media.m4s"), str(audio / "index.m3u8")])
    fallback = mp4_rung(plan.rungs)
    total += run(src + ["-vf", f"scale={fallback.width}:{fallback.height}:flags=bicubic", *x264,
                        "-maxrate", f"{fallback.maxrate_kbps}k", "-bufsize", f"{fallback.maxrate_kbps * 2}k",
                        "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-movflags", "+faststart", str(out / "video.mp4")])
    total += run(src + ["-vn", "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-movflags", "+faststart", str(out / "audio.m4a")])
    total += run(["ffmpeg", "-v", "error", "-y", "-nostdin", "-ss", "12", "-i", "file:" + str(source),
                  "-frames:v", "1", str(out / "poster.jpg")])
    thumb_w, thumb_h = storyboard_size(plan.rungs[0].width, plan.rungs[0].height)
    columns = min(STORYBOARD_COLUMNS, plan.thumb_count)
    total += run(src + ["-vf", f"select='isnan(prev_selected_t)+gte(t-prev_selected_t,{STORYBOARD_INTERVAL})',"
                               f"scale={thumb_w}:{thumb_h},tile={columns}x{math.ceil(plan.thumb_count / columns)}",
                        "-frames:v", "1", str(out / "storyboard.jpg")])
    return total


def human(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} kB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=120, help="input length in seconds (default 120)")
    parser.add_argument("--height", type=int, default=1080, help="input height (default 1080, 16:9)")
    parser.add_argument("--preset", default="veryfast", help="x264 preset (default veryfast)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dangke-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    os.environ["MEDIA_X264_PRESET"] = options.preset
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_X264_PRESET = options.preset
    settings.MEDIA_ROOT = work / "public"
    settings.PRIVATE_MEDIA_ROOT = work / "private"
    call_command("migrate", verbosity=0)

    from media.probe import probe_file
    from media.services import ingest_file
    from media.transcode import plan_transcode

    source = work / "talking-head.mp4"
    print(f"Generating a {options.duration} s {options.height}p25 talking-head input ...", flush=True)
    make_input(source, duration=options.duration, height=options.height)
    probe = probe_file(source)
    plan = plan_transcode(source, work / "bare", probe)
    cores = os.cpu_count()
    print(f"input: {probe.width}x{probe.height}, {probe.duration:.1f} s, {human(probe.size)}; "
          f"ladder: {', '.join(f'{r.width}x{r.height}' for r in plan.rungs)}; x264 {options.preset}; "
          f"{cores} cores; load average before: {os.getloadavg()[0]:.1f}", flush=True)

    decode = run(["ffmpeg", "-v", "error", "-nostdin", "-i", "file:" + str(source), "-map", "0:v", "-map", "0:a",
                  "-f", "null", "-"])
    print(f"(d) decode only:            {decode:7.1f} s", flush=True)

    naive_out = work / "naive"
    naive_out.mkdir()
    naive_time = naive(source, naive_out, plan)
    print(f"(a) naive, one process each: {naive_time:7.1f} s", flush=True)

    from media.transcode import build_command, prepare_output_dir

    prepare_output_dir(plan)
    bare = run(build_command(plan, progress=False))
    print(f"(c) bare single-pass ffmpeg: {bare:7.1f} s", flush=True)

    started = time.perf_counter()
    recording = ingest_file(source, title="benchmark")
    pipeline = time.perf_counter() - started
    recording.refresh_from_db()
    if recording.status != "ready":
        raise SystemExit(f"pipeline failed: {recording.failure_reason}")
    print(f"(b) pipeline through the task: {pipeline:5.1f} s", flush=True)

    print()
    print(f"a/b = {naive_time / pipeline:.2f}  (target >= 1.5: the pipeline vs one process per rendition)")
    print(f"b/c = {pipeline / bare:.2f}  (target <= 1.10: the pipeline vs its bare ffmpeg command)")
    print(f"b/d = {pipeline / decode:.2f}  (the pipeline vs decoding alone)")
    print(f"speed: {probe.duration / pipeline:.2f}x real time")
    print()
    print("output per rendition:")
    manifest = recording.renditions
    for variant in manifest["variants"]:
        print(f"  HLS {variant['width']}x{variant['height']}: {human(variant['size'])}, "
              f"BANDWIDTH {variant['bandwidth'] / 1000:.0f} kbit/s, average {variant['average_bandwidth'] / 1000:.0f} kbit/s")
    folder = recording.rendition_dir()
    audio_hls = folder / "hls" / "audio" / "media.m4s"
    print(f"  HLS audio: {human(audio_hls.stat().st_size)}")
    print(f"  MP4 fallback: {human(manifest['mp4_size'])}")
    print(f"  M4A audio edition: {human(manifest['audio_size'])}")
    for name in ("poster.jpg", "storyboard.jpg", "storyboard.vtt"):
        print(f"  {name}: {human((folder / name).stat().st_size)}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if options.keep:
        print(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
