"""System check: the pipeline needs ffmpeg and ffprobe with libx264 and the AAC encoder."""

from __future__ import annotations

import shutil
import subprocess
from types import SimpleNamespace

from django.conf import settings
from django.core.checks import Error, register

INSTALL_HINT = "Install the Debian package `ffmpeg` (sudo apt-get install ffmpeg)."


def ffmpeg_problems() -> list[str]:
    problems = []
    ffmpeg_path = shutil.which(settings.FFMPEG_BINARY)
    if not ffmpeg_path:
        problems.append(f"ffmpeg ({settings.FFMPEG_BINARY}) is not on PATH.")
    if not shutil.which(settings.FFPROBE_BINARY):
        problems.append(f"ffprobe ({settings.FFPROBE_BINARY}) is not on PATH.")
    if ffmpeg_path:
        try:
            encoders = subprocess.run(
                [ffmpeg_path, "-hide_banner", "-encoders"], capture_output=True, timeout=20, check=False
            ).stdout.decode("utf-8", "replace")
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"ffmpeg could not be run: {exc}")
        else:
            for encoder in ("libx264", "aac"):
                if f" {encoder} " not in encoders:
                    problems.append(f"ffmpeg lacks the {encoder} encoder.")
    return problems


@register()
def check_ffmpeg(app_configs=None, **kwargs):
    return [
        Error(f"Media pipeline: {problem}", hint=INSTALL_HINT, id="media.E001")
        for problem in ffmpeg_problems()
    ]


def ffmpeg_health():
    problems = ffmpeg_problems()
    return SimpleNamespace(
        name="ffmpeg", ok=not problems, detail="; ".join(problems) + (f" {INSTALL_HINT}" if problems else "")
        or "ffmpeg and ffprobe with libx264 and aac"
    )
