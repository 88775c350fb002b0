"""Probe an uploaded file with ffprobe and decide whether the pipeline may touch it.

Uploaded files are never trusted. Before ffprobe reads a byte, a text file (playlists, concat
lists, SMIL, "file '...'" lists) is turned away, so no demuxer that follows references ever
sees one. ffprobe and ffmpeg then read only through the `file` protocol, only with demuxers on
ALLOWED_DEMUXERS, and always get an absolute `file:` path, which they cannot mistake for an
option (leading dash) or for another protocol (a colon in the name).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from ffmpeg._utils import convert_kwargs_to_cmd_line_args

from . import child_processes

# ffmpeg demuxer names: mp4/mov/m4a, mkv/webm, avi, flv, MPEG-TS, mp3, wav, raw ADTS AAC, ogg/opus.
ALLOWED_DEMUXERS = ("mov", "matroska", "avi", "flv", "mpegts", "mp3", "wav", "aac", "ogg")
# Demuxers ffprobe may report, mapped to what we call them (the mov demuxer reports all of its aliases).
ALLOWED_FORMAT_NAMES = {
    "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska,webm",
    "avi",
    "flv",
    "mpegts",
    "mp3",
    "wav",
    "aac",
    "ogg",
}
PROBE_TIMEOUT_SECONDS = 120
SNIFF_BYTES = 8192
PLAYLIST_SIGNATURES = (b"#extm3u", b"ffconcat", b"[playlist]", b"<?xml", b"<smil", b"<asx", b"file '")
PLAYLIST_REASON = "这是一个播放列表或引用其他文件的清单，不是音视频文件；请上传音视频文件本身。"
TEXT_REFERENCE_MARKERS = ("#extm3u", "ffconcat", "file '", "file \"", "[playlist]", "<smil", "<?xml", "#extinf")


class MediaRejected(Exception):
    """The file is not one the pipeline accepts; `reason` is shown to editors (Chinese)."""

    def __init__(self, reason: str, *, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ProbeResult:
    kind: str  # "video" or "audio"
    format_name: str
    duration: float
    size: int
    width: int | None = None  # as displayed (rotation and pixel aspect applied)
    height: int | None = None
    frame_rate: float | None = None
    has_audio: bool = False
    # What the container claims for each kind of stream (None when it does not say: Matroska).
    video_duration: float | None = None
    audio_duration: float | None = None
    raw: dict | None = None

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "format_name": self.format_name,
            "duration": self.duration,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "frame_rate": self.frame_rate,
            "has_audio": self.has_audio,
            "video_duration": self.video_duration,
            "audio_duration": self.audio_duration,
        }

    @classmethod
    def from_json(cls, data: dict) -> ProbeResult:
        return cls(**{key: data.get(key) for key in cls.__dataclass_fields__ if key != "raw"})


def ffmpeg_input_path(path: str | os.PathLike) -> str:
    """The only form in which a path is handed to ffmpeg/ffprobe: absolute, with the file protocol."""
    return "file:" + os.path.abspath(os.fspath(path))


def input_options() -> dict:
    return {"protocol_whitelist": "file", "format_whitelist": ",".join(ALLOWED_DEMUXERS)}


def sniff_text(path: Path) -> None:
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head:
        raise MediaRejected("文件是空的。")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(PLAYLIST_SIGNATURES):
        raise MediaRejected(PLAYLIST_REASON)
    if b"\x00" in head:
        return
    try:
        text = head.decode("utf-8").lower()
    except UnicodeDecodeError:
        return
    if any(marker in text for marker in TEXT_REFERENCE_MARKERS) or "://" in text:
        raise MediaRejected(PLAYLIST_REASON)
    raise MediaRejected("这是一个文本文件，不是音视频文件。")


def run_ffprobe(path: Path) -> dict:
    args = [settings.FFPROBE_BINARY, "-v", "error", "-show_format", "-show_streams", "-of", "json"]
    args += convert_kwargs_to_cmd_line_args(input_options())
    args.append(ffmpeg_input_path(path))
    try:
        completed = child_processes.run(args, timeout=PROBE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as exc:
        raise MediaRejected("检测文件超时，文件可能已损坏。") from exc
    stderr = completed.stderr.decode("utf-8", "replace")
    if completed.returncode != 0:
        if "not on whitelist" in stderr:
            raise MediaRejected("不支持的文件格式（可能是播放列表或引用其他文件的格式）。", detail=stderr)
        if "moov atom not found" in stderr or "Invalid data" in stderr or "End of file" in stderr:
            raise MediaRejected("文件已损坏或不完整（可能没有上传完），无法读取。", detail=stderr)
        raise MediaRejected("无法识别的文件，不是支持的音视频格式。", detail=stderr)
    return json.loads(completed.stdout.decode("utf-8") or "{}")


def _display_size(stream: dict) -> tuple[int, int]:
    width, height = int(stream["width"]), int(stream["height"])
    sar = stream.get("sample_aspect_ratio") or "1:1"
    try:
        num, den = (int(part) for part in sar.split(":"))
        if num > 0 and den > 0 and num != den:
            width = int(round(width * num / den))
    except ValueError:
        pass
    rotation = 0
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            rotation = int(float(side["rotation"]))
    rotation = int((stream.get("tags") or {}).get("rotate", rotation) or 0)
    if abs(rotation) % 180 == 90:
        width, height = height, width
    return width, height


def _frame_rate(stream: dict) -> float | None:
    for key in ("avg_frame_rate", "r_frame_rate"):
        value = stream.get(key) or "0/0"
        num, _, den = value.partition("/")
        try:
            rate = float(num) / float(den or 1)
        except (ValueError, ZeroDivisionError):
            continue
        if rate > 0 and math.isfinite(rate):
            return rate
    return None


def probe_file(path: str | os.PathLike) -> ProbeResult:
    """Check a local file and describe it, or raise MediaRejected with the reason."""
    path = Path(os.path.abspath(os.fspath(path)))
    if not path.is_file():
        raise MediaRejected("找不到文件。")
    size = path.stat().st_size
    if size == 0:
        raise MediaRejected("文件是空的。")
    if size > settings.MEDIA_MAX_UPLOAD_SIZE:
        raise MediaRejected(
            f"文件太大（{size / 1024**3:.1f} GB），上限是 {settings.MEDIA_MAX_UPLOAD_SIZE / 1024**3:.1f} GB。"
        )
    sniff_text(path)
    data = run_ffprobe(path)
    format_info = data.get("format") or {}
    format_name = format_info.get("format_name", "")
    if format_name not in ALLOWED_FORMAT_NAMES:
        raise MediaRejected(f"不支持的文件格式（{format_name or '未知'}）。")
    streams = data.get("streams") or []
    video = [
        s for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
        and s.get("width") and s.get("height")
    ]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not video and not audio:
        raise MediaRejected("文件里没有可用的视频或音频。")
    try:
        duration = float(format_info.get("duration") or 0)
    except ValueError:
        duration = 0.0
    if duration <= 0:
        durations = [float(s["duration"]) for s in video + audio if s.get("duration")]
        duration = max(durations, default=0.0)
    if duration <= 0:
        raise MediaRejected("无法读出时长，文件可能已损坏。")
    if duration > settings.MEDIA_MAX_DURATION:
        raise MediaRejected(
            f"时长 {duration / 3600:.1f} 小时，超过上限 {settings.MEDIA_MAX_DURATION / 3600:.1f} 小时。"
        )
    audio_duration = _stream_duration(audio[0]) if audio else None
    if video:
        width, height = _display_size(video[0])
        return ProbeResult(
            kind="video", format_name=format_name, duration=duration, size=size, width=width,
            height=height, frame_rate=_frame_rate(video[0]), has_audio=bool(audio),
            video_duration=_stream_duration(video[0]), audio_duration=audio_duration, raw=data,
        )
    return ProbeResult(
        kind="audio", format_name=format_name, duration=duration, size=size, has_audio=True,
        audio_duration=audio_duration, raw=data,
    )


def _stream_duration(stream: dict) -> float | None:
    try:
        value = float(stream.get("duration") or 0)
    except ValueError:
        return None
    return value if value > 0 and math.isfinite(value) else None
