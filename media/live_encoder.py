"""The live transcode nginx-rtmp runs for every accepted publish (`exec_push`, rendered into the rtmp
block by `manage.py render_nginx --rtmp-listen`):

    python media/live_encoder.py --input rtmp://127.0.0.1:1935/live/NAME \
        --output rtmp://127.0.0.1:1935/hls/NAME --ladder 720:2500,480:1000,360:600 --segment 2

It probes the incoming stream, keeps the rungs the source allows (media.transcode.choose_ladder, as
for recordings), builds one ffmpeg command with ffmpeg-python (decode once, one x264 encode per rung
with a keyframe every segment, plus an AAC audio-only rendition) and *becomes* that ffmpeg
(os.execv), so nginx-rtmp's kill on publish_done stops the encoder itself. Each rendition goes back
into nginx-rtmp's `hls` application as NAME_v720, NAME_v480, …, NAME_audio.

Runs outside Django (nginx starts it without the site's environment): only the settings given on
the command line count.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script by nginx: make `media` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ffmpeg  # noqa: E402

from media.transcode import choose_ladder  # noqa: E402

AUDIO_BITRATE = "96k"


def parse_ladder(text: str) -> list[tuple[int, int]]:
    """'720:2500,480:1000' → [(720, 2500), (480, 1000)] (short side, max kbit/s)."""
    rungs = []
    for item in text.split(","):
        height, _, rate = item.strip().partition(":")
        if not height.isdigit() or not rate.isdigit():
            raise ValueError(f"ladder entry {item!r}: write HEIGHT:KBPS, e.g. 720:2500")
        rungs.append((int(height), int(rate)))
    if not rungs:
        raise ValueError("the ladder is empty")
    return rungs


def probe_stream(ffprobe: str, url: str, timeout_seconds: int = 15) -> dict:
    """Width, height, frame rate and whether there is audio, read from the live stream itself."""
    completed = subprocess.run(
        [
            ffprobe,
            "-v",
            "error",
            "-rw_timeout",
            str(timeout_seconds * 1_000_000),
            "-show_streams",
            "-of",
            "json",
            url,
        ],
        capture_output=True,
        timeout=timeout_seconds + 5,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"ffprobe {url}: {completed.stderr.decode('utf-8', 'replace')[-2000:]}")
    streams = json.loads(completed.stdout or b"{}").get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    info = {
        "has_audio": any(s.get("codec_type") == "audio" for s in streams),
        "width": 0,
        "height": 0,
        "fps": 25.0,
    }
    if video:
        info["width"], info["height"] = int(video.get("width") or 0), int(video.get("height") or 0)
        num, _, den = str(video.get("avg_frame_rate") or video.get("r_frame_rate") or "25/1").partition("/")
        try:
            fps = float(num) / float(den or 1)
        except (ValueError, ZeroDivisionError):
            fps = 25.0
        info["fps"] = fps if 1 <= fps <= 120 else 25.0
    return info


def build_command(
    *,
    ffmpeg_binary: str,
    source: str,
    output: str,
    info: dict,
    ladder: list[tuple[int, int]],
    segment: int = 2,
    preset: str = "veryfast",
    input_options: dict | None = None,
) -> list[str]:
    """One ffmpeg: every rung and the audio-only rendition, each pushed as FLV to OUTPUT_suffix.
    input_options default to those for reading RTMP (bench/live.py reads a lavfi source instead)."""
    stream = ffmpeg.input(
        source, **(input_options if input_options is not None else {"rw_timeout": 15_000_000})
    )
    outputs = []
    audio = {"c:a": "aac", "b:a": AUDIO_BITRATE, "ar": 48000, "ac": 2} if info["has_audio"] else {}
    if info["width"] and info["height"]:
        rungs = choose_ladder(info["width"], info["height"], ladder)
        gop = max(1, int(round(info["fps"] * segment)))
        split = stream.video.filter_multi_output("split", len(rungs))
        for index, rung in enumerate(rungs):
            video = split[index].filter("scale", rung.width, rung.height, flags="bicubic").filter("setsar", 1)
            streams = [video, stream.audio] if info["has_audio"] else [video]
            outputs.append(
                ffmpeg.output(
                    *streams,
                    f"{output}_{rung.name}",
                    f="flv",
                    **{
                        "c:v": "libx264",
                        "preset": preset,
                        "tune": "zerolatency",
                        "profile:v": "main",
                        "pix_fmt": "yuv420p",
                        "b:v": f"{rung.maxrate_kbps}k",
                        "maxrate": f"{rung.maxrate_kbps}k",
                        "bufsize": f"{rung.maxrate_kbps * 2}k",
                        "g": gop,
                        "keyint_min": gop,
                        "sc_threshold": 0,
                        "force_key_frames": f"expr:gte(t,n_forced*{segment})",
                    },
                    **audio,
                )
            )
    if info["has_audio"]:
        outputs.append(ffmpeg.output(stream.audio, f"{output}_audio", f="flv", vn=None, **audio))
    if not outputs:
        raise RuntimeError("the stream has neither picture nor sound")
    merged = ffmpeg.merge_outputs(*outputs).global_args("-nostdin", "-hide_banner", "-v", "warning")
    return merged.compile(cmd=ffmpeg_binary)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Live ladder for one nginx-rtmp publish")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True, help="rtmp://…/hls/NAME; renditions get _v720, _audio")
    parser.add_argument("--ladder", default="720:2500,480:1000,360:600")
    parser.add_argument("--segment", type=int, default=2)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--ffmpeg", default="ffmpeg")
    parser.add_argument("--ffprobe", default="ffprobe")
    parser.add_argument("--log", default="")
    options = parser.parse_args(argv)
    if options.log:
        log = os.open(options.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        os.dup2(log, 1)
        os.dup2(log, 2)
    info = probe_stream(options.ffprobe, options.input)
    args = build_command(
        ffmpeg_binary=options.ffmpeg,
        source=options.input,
        output=options.output,
        info=info,
        ladder=parse_ladder(options.ladder),
        segment=options.segment,
        preset=options.preset,
    )
    print("live encoder:", " ".join(args), flush=True)
    os.execvp(args[0], args)  # noqa: S606 (becomes ffmpeg: nginx-rtmp stops it directly)


if __name__ == "__main__":
    main()
