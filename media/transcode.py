"""The single-process ffmpeg transcode: ladder choice, the command (built with ffmpeg-python),
running it with progress, and the files the application writes itself (master playlist,
storyboard WebVTT).

One ffmpeg process decodes the source once and encodes every rung of the HLS ladder, the shared
AAC audio rendition, the poster and the storyboard sprite. Rungs under 720p are scaled from the
720p picture rather than from the source (cheaper, same quality with bicubic scaling). The HLS
renditions are single-file fMP4 with byte ranges (one file per rung instead of a file per 6 s).
Afterwards two stream copies (no decoding) make the progressive MP4 and the m4a audio edition
from the ≤720p rung and the audio rendition.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ffmpeg
import m3u8
from django.conf import settings

from . import child_processes
from .probe import ProbeResult, ffmpeg_input_path, input_options

AUDIO_BITRATE = "96k"
AUDIO_SAMPLE_RATE = 48000
STORYBOARD_INTERVAL = 10  # seconds between storyboard thumbnails
STORYBOARD_THUMB_HEIGHT = 90
STORYBOARD_COLUMNS = 10
MP4_MAX_SHORT_SIDE = 720
CASCADE_FROM = 720  # rungs below this short side are scaled from the 720 rung when there is one
ENCODE_SHARE = 95.0  # percent of the progress bar for the encode; the stream copies take the rest
# An output may be this much shorter than the source claims (encoder and container rounding);
# more means the source is cut short (an upload that stopped at 20 % still claims the full length).
DURATION_TOLERANCE_SECONDS = 1.0
DURATION_TOLERANCE_SHARE = 0.01


class TranscodeFailed(Exception):
    def __init__(self, reason: str, *, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Rung:
    name: str
    width: int
    height: int
    maxrate_kbps: int

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


def _even(value: float, limit: float | None = None) -> int:
    """Nearest even number (H.264 4:2:0 needs even sizes), never above limit."""
    even = int(round(value / 2)) * 2
    if limit is not None:
        even = min(even, int(limit) // 2 * 2)
    return max(2, even)


def choose_ladder(width: int, height: int, ladder=None) -> list[Rung]:
    """The rungs for a source shown at width x height: never above the source, by the short side
    (portrait video gets 720x1280 for "720p"), even sizes for H.264 4:2:0, largest first."""
    ladder = sorted(ladder or settings.MEDIA_LADDER, key=lambda rung: -rung[0])
    short, long_ = min(width, height), max(width, height)
    portrait = height > width
    chosen = [(target, rate) for target, rate in ladder if target <= short]
    if not chosen:
        # Smaller than the lowest rung: one rung at the source size, at the lowest rung's cap.
        chosen = [(short, ladder[-1][1])]
    rungs = []
    for target, rate in chosen:
        new_short = _even(target, short)
        new_long = _even(long_ * target / short, long_)
        w, h = (new_short, new_long) if portrait else (new_long, new_short)
        rungs.append(Rung(name=f"v{target}", width=w, height=h, maxrate_kbps=rate))
    return rungs


def mp4_rung(rungs: list[Rung]) -> Rung:
    fitting = [rung for rung in rungs if rung.short_side <= MP4_MAX_SHORT_SIDE]
    return fitting[0] if fitting else rungs[-1]


def storyboard_size(width: int, height: int) -> tuple[int, int]:
    return _even(STORYBOARD_THUMB_HEIGHT * width / height), STORYBOARD_THUMB_HEIGHT


@dataclass
class TranscodePlan:
    source: Path
    output_dir: Path
    probe: ProbeResult
    rungs: list[Rung] = field(default_factory=list)
    thumb_count: int = 0
    audio_seconds: float | None = None  # length of the HLS audio rendition, once written

    @property
    def is_audio_only(self) -> bool:
        return self.probe.kind == "audio"

    @property
    def has_audio(self) -> bool:
        return self.probe.has_audio


def plan_transcode(source: Path, output_dir: Path, probe: ProbeResult) -> TranscodePlan:
    plan = TranscodePlan(source=Path(source), output_dir=Path(output_dir), probe=probe)
    if probe.kind == "video":
        plan.rungs = choose_ladder(probe.width, probe.height)
        plan.thumb_count = max(1, math.ceil(probe.duration / STORYBOARD_INTERVAL))
    return plan


def _x264_options(plan: TranscodePlan) -> dict:
    segment = settings.MEDIA_SEGMENT_SECONDS
    gop = int(round((plan.probe.frame_rate or 25) * segment))
    options = {
        "c:v": "libx264",
        "preset": settings.MEDIA_X264_PRESET,
        "profile:v": "high",
        "pix_fmt": "yuv420p",
        "crf": 23,
        "g": gop,
        "keyint_min": gop,
        "sc_threshold": 0,
        # Keyframes at exactly every segment boundary in every rung, whatever the frame rate.
        "force_key_frames": f"expr:gte(t,n_forced*{segment})",
    }
    for index, rung in enumerate(plan.rungs):
        options[f"maxrate:v:{index}"] = f"{rung.maxrate_kbps}k"
        options[f"bufsize:v:{index}"] = f"{rung.maxrate_kbps * 2}k"
    return options


def _audio_options() -> dict:
    return {"c:a": "aac", "b:a": AUDIO_BITRATE, "ac": 2, "ar": AUDIO_SAMPLE_RATE}


def build_command(plan: TranscodePlan, *, progress: bool = True) -> list[str]:
    """The ffmpeg argument list for the whole job (the benchmark runs it by hand, too)."""
    out = plan.output_dir
    source = ffmpeg.input(ffmpeg_input_path(plan.source), **input_options())
    global_args = ["-nostdin", "-hide_banner", "-v", "error"]
    if progress:
        global_args += ["-progress", "pipe:1", "-nostats"]

    if plan.is_audio_only:
        stream = ffmpeg.output(
            source.audio, ffmpeg_input_path(out / "audio.m4a"),
            movflags="+faststart", vn=None, **_audio_options(),
        )
        return stream.global_args(*global_args).compile(cmd=settings.FFMPEG_BINARY, overwrite_output=True)

    rungs = plan.rungs
    cascade_parent = next((rung for rung in rungs if rung.short_side == CASCADE_FROM), None)
    from_source = [r for r in rungs if cascade_parent is None or r.short_side >= CASCADE_FROM]
    from_parent = [r for r in rungs if r not in from_source]
    poster_at = min(plan.probe.duration * 0.1, 30.0)
    thumb_w, thumb_h = storyboard_size(rungs[0].width, rungs[0].height)
    columns = min(STORYBOARD_COLUMNS, plan.thumb_count)
    rows = math.ceil(plan.thumb_count / columns)

    split = source.video.filter_multi_output("split", len(from_source) + 2)
    scaled: dict[str, object] = {}
    for index, rung in enumerate(from_source):
        stream = split[index].filter("scale", rung.width, rung.height, flags="bicubic").filter("setsar", 1)
        if rung is cascade_parent and from_parent:
            fan = stream.filter_multi_output("split", len(from_parent) + 1)
            scaled[rung.name] = fan[0]
            for child_index, child in enumerate(from_parent, start=1):
                scaled[child.name] = (
                    fan[child_index].filter("scale", child.width, child.height, flags="bicubic").filter("setsar", 1)
                )
        else:
            scaled[rung.name] = stream
    poster = (
        split[len(from_source)]
        .filter("select", f"isnan(prev_selected_t)*gte(t,{poster_at:.3f})")
        .filter("scale", rungs[0].width, rungs[0].height, flags="bicubic")
    )
    storyboard = (
        split[len(from_source) + 1]
        .filter("select", f"isnan(prev_selected_t)+gte(t-prev_selected_t,{STORYBOARD_INTERVAL})")
        .filter("scale", thumb_w, thumb_h, flags="bicubic")
        .filter("tile", f"{columns}x{rows}")
    )

    hls_streams = [scaled[rung.name] for rung in rungs]
    names = [f"v:{index},name:{rung.name}" for index, rung in enumerate(rungs)]
    if plan.has_audio:
        hls_streams.append(source.audio)
        names = [f"{name},agroup:audio" for name in names] + ["a:0,agroup:audio,name:audio"]
        audio = _audio_options()
    else:
        audio = {}
    hls = ffmpeg.output(
        *hls_streams,
        ffmpeg_input_path(out / "hls" / "%v" / "index.m3u8"),
        f="hls",
        hls_time=settings.MEDIA_SEGMENT_SECONDS,
        hls_playlist_type="vod",
        hls_segment_type="fmp4",
        hls_flags="single_file+independent_segments",
        hls_segment_filename=ffmpeg_input_path(out / "hls" / "%v" / "media.m4s"),
        var_stream_map=" ".join(names),
        **_x264_options(plan),
        **audio,
    )
    poster_out = ffmpeg.output(poster, ffmpeg_input_path(out / "poster.jpg"), vframes=1, **{"q:v": 3})
    storyboard_out = ffmpeg.output(
        storyboard, ffmpeg_input_path(out / "storyboard.jpg"), vframes=1, **{"q:v": 5}
    )
    merged = ffmpeg.merge_outputs(hls, poster_out, storyboard_out).global_args(*global_args)
    return merged.compile(cmd=settings.FFMPEG_BINARY, overwrite_output=True)


def prepare_output_dir(plan: TranscodePlan) -> None:
    plan.output_dir.mkdir(parents=True, exist_ok=True)
    for rung in plan.rungs:
        (plan.output_dir / "hls" / rung.name).mkdir(parents=True, exist_ok=True)
    if plan.rungs and plan.has_audio:
        (plan.output_dir / "hls" / "audio").mkdir(parents=True, exist_ok=True)


def run_ffmpeg(
    args: list[str], *, duration: float, on_progress: Callable[[float], bool | None] | None = None,
    share: tuple[float, float] = (0.0, 100.0),
) -> None:
    """Run ffmpeg, reading its `-progress pipe:1` key=value lines. on_progress(percent) may return
    False to stop the job (the lease was lost); stderr becomes the failure detail."""
    # Its own process group and a parent-death signal: ffmpeg dies with the worker that runs it.
    process = child_processes.popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()), daemon=True)
    reader.start()
    low, high = share
    stopped = finished = False
    try:
        for raw in process.stdout:
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and value.isdigit() and on_progress and duration > 0:
                fraction = min(1.0, int(value) / 1_000_000 / duration)
                if on_progress(low + (high - low) * fraction) is False:
                    stopped = True
                    break
        finished = not stopped
    finally:
        if finished:
            process.wait()
        else:  # the lease was lost, or the worker is stopping: never leave ffmpeg behind
            child_processes.kill(process)
        reader.join(timeout=5)
    if stopped:
        raise TranscodeFailed("任务被中止（另一个进程接手了这个任务）。")
    if process.returncode != 0:
        detail = b"".join(stderr_chunks).decode("utf-8", "replace")[-4000:]
        raise TranscodeFailed("转码失败：ffmpeg 无法处理这个文件（可能已损坏或编码不受支持）。", detail=detail)


def _stream_copy(inputs: list[Path], maps: list[str], target: Path) -> None:
    args = [settings.FFMPEG_BINARY, "-nostdin", "-hide_banner", "-v", "error", "-y"]
    for path in inputs:
        args += ["-protocol_whitelist", "file", "-i", ffmpeg_input_path(path)]
    for spec in maps:
        args += ["-map", spec]
    args += ["-c", "copy", "-movflags", "+faststart", ffmpeg_input_path(target)]
    completed = child_processes.run(args)
    if completed.returncode != 0:
        raise TranscodeFailed(
            "转码失败：无法生成下载用的 MP4/M4A 文件。", detail=completed.stderr.decode("utf-8", "replace")[-4000:]
        )


def _codec_string(path: Path) -> str:
    info = ffmpeg.probe(ffmpeg_input_path(path), cmd=settings.FFPROBE_BINARY, select_streams="v:0")
    stream = info["streams"][0]
    profiles = {"Baseline": 66, "Constrained Baseline": 66, "Main": 77, "High": 100}
    profile = profiles.get(stream.get("profile", "High"), 100)
    level = int(stream.get("level") or 31)
    return f"avc1.{profile:02x}00{level:02x}"


def _playlist_rates(playlist_path: Path) -> tuple[int, int, int, float]:
    """(peak bits per second over any segment, average bits per second, bytes, seconds) of a media
    playlist, from the real byte ranges, which is what a player measures, not the encoder's caps."""
    playlist = m3u8.load(str(playlist_path))
    peak, total_bytes, total_seconds = 0.0, 0, 0.0
    for segment in playlist.segments:
        length = int(str(segment.byterange).split("@")[0]) if segment.byterange else (
            (playlist_path.parent / segment.uri).stat().st_size
        )
        if segment.duration > 0:
            peak = max(peak, length * 8 / max(segment.duration, 1.0))
        total_bytes += length
        total_seconds += segment.duration
    average = total_bytes * 8 / total_seconds if total_seconds else 0
    media_file = playlist_path.parent / "media.m4s"
    size = media_file.stat().st_size if media_file.exists() else total_bytes
    return int(math.ceil(peak)), int(math.ceil(average)), size, total_seconds


def write_master_playlist(plan: TranscodePlan) -> list[dict]:
    """The master playlist, written by us: BANDWIDTH from real segment sizes, and the audio group
    as EXT-X-MEDIA only (never a selectable variant, or players switch to it and lose the picture)."""
    hls_dir = plan.output_dir / "hls"
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    audio_peak = audio_average = 0
    audio_seconds = None
    codecs_audio = ""
    if plan.has_audio:
        audio_peak, audio_average, _, audio_seconds = _playlist_rates(hls_dir / "audio" / "index.m3u8")
        codecs_audio = ",mp4a.40.2"
        lines.append(
            '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="原声",LANGUAGE="zh",DEFAULT=YES,AUTOSELECT=YES,'
            'URI="audio/index.m3u8"'
        )
    variants = []
    frame_rate = plan.probe.frame_rate
    for rung in plan.rungs:
        peak, average, size, seconds = _playlist_rates(hls_dir / rung.name / "index.m3u8")
        codecs = _codec_string(hls_dir / rung.name / "media.m4s") + codecs_audio
        attributes = [
            f"BANDWIDTH={peak + audio_peak}",
            f"AVERAGE-BANDWIDTH={average + audio_average}",
            f'CODECS="{codecs}"',
            f"RESOLUTION={rung.width}x{rung.height}",
        ]
        if frame_rate:
            attributes.append(f"FRAME-RATE={frame_rate:.3f}")
        if plan.has_audio:
            attributes.append('AUDIO="audio"')
        lines.append("#EXT-X-STREAM-INF:" + ",".join(attributes))
        lines.append(f"{rung.name}/index.m3u8")
        variants.append(
            {"name": rung.name, "width": rung.width, "height": rung.height, "bandwidth": peak + audio_peak,
             "average_bandwidth": average + audio_average, "size": size, "duration": round(seconds, 3)}
        )
    (hls_dir / "master.m3u8").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if audio_seconds is not None:
        plan.audio_seconds = audio_seconds
    return variants


def _vtt_time(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def write_storyboard_vtt(plan: TranscodePlan) -> None:
    thumb_w, thumb_h = storyboard_size(plan.rungs[0].width, plan.rungs[0].height)
    columns = min(STORYBOARD_COLUMNS, plan.thumb_count)
    lines = ["WEBVTT", ""]
    for index in range(plan.thumb_count):
        start = index * STORYBOARD_INTERVAL
        end = min(plan.probe.duration, start + STORYBOARD_INTERVAL)
        x, y = (index % columns) * thumb_w, (index // columns) * thumb_h
        lines += [f"{_vtt_time(start)} --> {_vtt_time(end)}", f"storyboard.jpg#xywh={x},{y},{thumb_w},{thumb_h}", ""]
    (plan.output_dir / "storyboard.vtt").write_text("\n".join(lines), encoding="utf-8")


def transcode(plan: TranscodePlan, *, on_progress: Callable[[float], bool | None] | None = None) -> dict:
    """Run the whole job into plan.output_dir and return the manifest stored on the recording."""
    prepare_output_dir(plan)
    run_ffmpeg(
        build_command(plan), duration=plan.probe.duration, on_progress=on_progress,
        share=(0.0, 100.0 if plan.is_audio_only else ENCODE_SHARE),
    )
    out = plan.output_dir
    if plan.is_audio_only:
        check_complete(plan, {"音频": _media_seconds(out / "audio.m4a")})
        return {"audio": "audio.m4a", "audio_size": (out / "audio.m4a").stat().st_size, "variants": []}

    variants = write_master_playlist(plan)
    lengths = {f"视频 {variant['name']}": variant["duration"] for variant in variants}
    if plan.audio_seconds is not None:
        lengths["音频"] = plan.audio_seconds
    check_complete(plan, lengths)
    write_storyboard_vtt(plan)
    fallback = mp4_rung(plan.rungs)
    video_source = out / "hls" / fallback.name / "media.m4s"
    if plan.has_audio:
        audio_source = out / "hls" / "audio" / "media.m4s"
        _stream_copy([video_source, audio_source], ["0:v:0", "1:a:0"], out / "video.mp4")
        _stream_copy([audio_source], ["0:a:0"], out / "audio.m4a")
    else:
        _stream_copy([video_source], ["0:v:0"], out / "video.mp4")
    if on_progress:
        on_progress(100.0)
    manifest = {
        "hls": "hls/master.m3u8",
        "mp4": "video.mp4",
        "mp4_size": (out / "video.mp4").stat().st_size,
        "poster": "poster.jpg" if (out / "poster.jpg").exists() else None,
        "storyboard_vtt": "storyboard.vtt",
        "storyboard_sprite": "storyboard.jpg" if (out / "storyboard.jpg").exists() else None,
        "variants": variants,
    }
    if plan.has_audio:
        manifest["audio"] = "audio.m4a"
        manifest["audio_size"] = (out / "audio.m4a").stat().st_size
        manifest["audio_hls"] = "hls/audio/index.m3u8"
    return manifest


def _media_seconds(path: Path) -> float:
    try:
        info = ffmpeg.probe(ffmpeg_input_path(path), cmd=settings.FFPROBE_BINARY)
        return float(info["format"]["duration"])
    except (ffmpeg.Error, KeyError, ValueError):
        return 0.0


def _seconds_text(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def check_complete(plan: TranscodePlan, lengths: dict[str, float]) -> None:
    """Refuse outputs shorter than the source claims to be: ffmpeg stops quietly (exit 0) at the
    end of what it can decode, so a file cut short (an upload that broke off, a copy that did not
    finish) would otherwise be published with a fraction of the lesson."""
    probe = plan.probe
    for label, seconds in lengths.items():
        kind_claim = probe.audio_duration if label == "音频" else probe.video_duration
        expected = kind_claim or probe.duration
        tolerance = max(DURATION_TOLERANCE_SECONDS, DURATION_TOLERANCE_SHARE * expected)
        if seconds < expected - tolerance:
            raise TranscodeFailed(
                f"文件不完整：时长只有 {_seconds_text(seconds)} 秒，应为 {_seconds_text(expected)} 秒。"
                "原文件已保留；请重新上传完整的文件。",
                detail=f"{label}: {seconds:.3f} s decoded, container claims {expected:.3f} s",
            )


def remove_tree(path: Path | None) -> None:
    if path and os.path.exists(path):
        shutil.rmtree(path, ignore_errors=True)
