"""Live streams: the business logic behind nginx-rtmp's callbacks, the stream key, the state machine,
the viewer count, the live HLS files and the replay.

States (LiveStream.Status): upcoming → live (an accepted publish) → ended (the encoder stayed away
longer than LIVE_RECONNECT_GRACE_SECONDS, or the window closed) → replay_processing (the recorded
parts, concatenated, went into the recording pipeline) → replay_ready (that recording is ready).
A publish that comes back within the grace continues the same live; every publish is recorded
into its own part (nginx-rtmp `record_unique`), and the replay is all parts end to end.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import ffmpeg
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.filebased import FileBasedCache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import child_processes
from .models import LiveStream
from .probe import MediaRejected
from .storage import private_root, staging_dir

logger = logging.getLogger(__name__)

Status = LiveStream.Status
# Stream names are LiveStream.stream_name (hex); renditions add a suffix (_v720, _audio).
STREAM_RE = re.compile(r"^(?P<name>[0-9a-f]{32})(?:_(?P<suffix>v\d{3,4}|audio))?$")
AUDIO_SUFFIX = "audio"
AUDIO_KBPS = 96


class PublishRefused(Exception):
    """nginx-rtmp gets a 403 and drops the encoder's connection; `reason` is for the log."""


# --- folders ----------------------------------------------------------------------------------


def hls_root() -> Path:
    """Where nginx-rtmp writes the live HLS (hls_path, hls_nested on)."""
    return Path(settings.LIVE_HLS_ROOT) if settings.LIVE_HLS_ROOT else private_root() / "live" / "hls"


def record_root() -> Path:
    """Where nginx-rtmp records each publish (record_path, record_unique on: NAME-UNIXTIME.flv)."""
    return (
        Path(settings.LIVE_RECORD_ROOT) if settings.LIVE_RECORD_ROOT else private_root() / "live" / "record"
    )


# --- the stream key ---------------------------------------------------------------------------


def _hash(secret: str) -> str:
    # The secret is 192 random bits: a plain SHA-256 cannot be reversed, no slow hash is needed.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_key(live: LiveStream) -> str:
    """A new secret for this live (the old one stops working). Returns the OBS stream key, which is
    shown once and never stored: 'STREAM_NAME?key=SECRET'."""
    secret = secrets.token_urlsafe(24)
    now = timezone.now()
    LiveStream.objects.filter(pk=live.pk).update(
        key_hash=_hash(secret), key_created_at=now, key_revoked_at=None
    )
    live.key_hash, live.key_created_at, live.key_revoked_at = _hash(secret), now, None
    return stream_key(live, secret)


def stream_key(live: LiveStream, secret: str) -> str:
    return f"{live.stream_name}?key={secret}"


def revoke_key(live: LiveStream) -> None:
    """The key stops working now; a publisher that is sending keeps its connection until it drops."""
    now = timezone.now()
    LiveStream.objects.filter(pk=live.pk).update(key_hash="", key_revoked_at=now)
    live.key_hash, live.key_revoked_at = "", now


def key_matches(live: LiveStream, secret: str) -> bool:
    return bool(live.key_hash and secret) and hmac.compare_digest(live.key_hash, _hash(secret))


def publish_window(live: LiveStream):
    margin = timedelta(seconds=settings.LIVE_WINDOW_MARGIN_SECONDS)
    return live.scheduled_start - margin, live.scheduled_end + margin


# --- nginx-rtmp callbacks ---------------------------------------------------------------------


def accept_publish(name: str, secret: str, *, app: str = "live", now=None) -> LiveStream:
    """on_publish: the encoder may send when the key is right and not revoked, the time is inside
    the window and the live has not ended. Raises PublishRefused otherwise."""
    now = now or timezone.now()
    if app != settings.LIVE_RTMP_APPLICATION:
        raise PublishRefused(f"application {app!r} takes no publishers from outside")
    match = STREAM_RE.match(name or "")
    if not match or match.group("suffix"):
        raise PublishRefused(f"unknown stream name {name!r}")
    with transaction.atomic():
        live = LiveStream.objects.select_for_update().filter(stream_name=match.group("name")).first()
        if live is None:
            raise PublishRefused(f"unknown stream name {name!r}")
        if not key_matches(live, secret):
            raise PublishRefused(f"live {live.pk}: wrong or revoked key")
        opens, closes = publish_window(live)
        if not opens <= now <= closes:
            raise PublishRefused(f"live {live.pk}: outside its window {opens:%Y-%m-%d %H:%M}–{closes:%H:%M}")
        if live.status not in (Status.UPCOMING, Status.LIVE):
            raise PublishRefused(f"live {live.pk}: already {live.status}")
        LiveStream.objects.filter(pk=live.pk).update(
            status=Status.LIVE,
            publishing=True,
            started_at=live.started_at or now,
            disconnected_at=None,
            last_seen_at=now,
            publish_count=live.publish_count + 1,
        )
    live.refresh_from_db()
    logger.info("live %s: publish accepted (%s)", live.pk, "reconnect" if live.publish_count > 1 else "start")
    return live


def publish_done(name: str, *, now=None) -> LiveStream | None:
    """on_publish_done: the encoder stopped or dropped. The live stays live for the reconnect grace;
    the sweep ends it afterwards."""
    match = STREAM_RE.match(name or "")
    if not match or match.group("suffix"):
        return None
    now = now or timezone.now()
    updated = LiveStream.objects.filter(stream_name=match.group("name"), status=Status.LIVE).update(
        publishing=False, disconnected_at=now
    )
    live = LiveStream.objects.filter(stream_name=match.group("name")).first()
    if updated:
        logger.info(
            "live %s: publisher gone, %s s to reconnect", live.pk, settings.LIVE_RECONNECT_GRACE_SECONDS
        )
    return live


def publish_update(name: str, *, now=None) -> bool:
    """on_update (every LIVE_UPDATE_SECONDS while an encoder sends): it is still there. False when
    the live is not live any more: nginx-rtmp then drops the encoder."""
    match = STREAM_RE.match(name or "")
    if not match or match.group("suffix"):
        return False
    now = now or timezone.now()
    return bool(
        LiveStream.objects.filter(stream_name=match.group("name"), status=Status.LIVE).update(
            publishing=True, last_seen_at=now
        )
    )


def _stale_before(now):
    """A 'publishing' live not heard of since this time lost its encoder without a publish_done
    (nginx restarted, or it timed out waiting for the publish check)."""
    return now - timedelta(seconds=3 * settings.LIVE_UPDATE_SECONDS + settings.LIVE_RECONNECT_GRACE_SECONDS)


# --- ending and the replay --------------------------------------------------------------------


def due_to_end(now=None):
    """Lives whose encoder has been away longer than the grace, or whose window closed with no
    encoder; and upcoming lives whose window closed without a publish."""
    now = now or timezone.now()
    grace = now - timedelta(seconds=settings.LIVE_RECONNECT_GRACE_SECONDS)
    margin = timedelta(seconds=settings.LIVE_WINDOW_MARGIN_SECONDS)
    closed = Q(scheduled_end__lt=now - margin)
    return LiveStream.objects.filter(
        Q(status=Status.LIVE, publishing=False) & (Q(disconnected_at__lt=grace) | closed)
        | Q(status=Status.LIVE, publishing=True, last_seen_at__lt=_stale_before(now))
        | Q(status=Status.UPCOMING) & closed
    )


def end_live(pk: int, *, now=None) -> bool:
    """live → ended (and the replay queued when anything was broadcast). Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        live = LiveStream.objects.select_for_update().filter(pk=pk).first()
        if live is None or live.status not in (Status.LIVE, Status.UPCOMING):
            return False
        stale = live.publishing and live.last_seen_at is not None and live.last_seen_at < _stale_before(now)
        if live.publishing and not stale:
            return False
        broadcast = live.status == Status.LIVE
        LiveStream.objects.filter(pk=pk).update(
            status=Status.ENDED,
            publishing=False,
            ended_at=live.disconnected_at or live.last_seen_at or now,
            failure_reason="" if broadcast else "直播未开始（计划时间内没有收到推流）。",
        )
        if broadcast:
            from .tasks import prepare_live_replay

            transaction.on_commit(lambda: prepare_live_replay.enqueue(pk))
    forget_viewers(pk)
    logger.info("live %s: ended", pk)
    return True


def sweep_lives(now=None) -> int:
    """Periodic: end the lives that are due (and queue their replays)."""
    count = 0
    for pk in due_to_end(now).values_list("pk", flat=True)[:100]:
        count += end_live(pk, now=now)
    return count


def recorded_parts(live: LiveStream) -> list[Path]:
    """The recorded files of every publish of this live, in the order they were broadcast."""

    def started(path: Path) -> int:
        stamp = path.stem.rsplit("-", 1)[-1]
        return int(stamp) if stamp.isdigit() else 0

    folder = record_root()
    parts = [p for p in folder.glob(f"{live.stream_name}-*.flv") if p.is_file() and p.stat().st_size > 0]
    return sorted(parts, key=lambda p: (started(p), p.name))


def concatenate(parts: list[Path], target: Path) -> None:
    """The parts end to end, without re-encoding (same encoder settings in every publish)."""
    listing = target.with_suffix(".txt")
    listing.write_text("".join(f"file '{p.resolve()}'\n" for p in parts), encoding="utf-8")
    args = (
        ffmpeg.input(str(listing), f="concat", safe=0)
        .output(f"file:{target}", c="copy", movflags="+faststart")
        .global_args("-nostdin", "-hide_banner", "-v", "error")
        .compile(cmd=settings.FFMPEG_BINARY, overwrite_output=True)
    )
    try:
        completed = child_processes.run(args)
    finally:
        listing.unlink(missing_ok=True)
    if completed.returncode != 0:
        raise MediaRejected(
            "直播录制文件无法合并。", detail=completed.stderr.decode("utf-8", "replace")[-4000:]
        )


def prepare_replay(pk: int) -> str:
    """The replay task: concatenate the recorded parts and send them through the recording pipeline
    (probe, full ladder, audio edition, poster, storyboard). Runs once per live: the status moves
    from ended to replay_processing in the same transaction that creates the recording."""
    from .services import ingest_file

    live = LiveStream.objects.filter(pk=pk).first()
    if live is None or live.status != Status.ENDED or live.recording_id:
        return "skipped"
    parts = recorded_parts(live)
    if not parts:
        LiveStream.objects.filter(pk=pk).update(failure_reason="没有录制到直播内容，无法生成回放。")
        return "no-parts"
    target = staging_dir() / f"live-{live.pk}-{secrets.token_hex(6)}.mp4"
    try:
        concatenate(parts, target)
        with transaction.atomic():
            locked = LiveStream.objects.select_for_update().get(pk=pk)
            if locked.status != Status.ENDED or locked.recording_id:
                return "skipped"
            recording = ingest_file(target, title=f"{live.title}（直播回放）", members_only=live.members_only)
            LiveStream.objects.filter(pk=pk).update(
                status=Status.REPLAY_PROCESSING,
                recording=recording,
                failure_reason="",
                replay_parts=[p.name for p in parts],
            )
    except MediaRejected as exc:
        logger.warning("live %s: replay refused: %s %s", pk, exc.reason, exc.detail)
        LiveStream.objects.filter(pk=pk).update(failure_reason=f"回放生成失败：{exc.reason}")
        return "failed"
    finally:
        target.unlink(missing_ok=True)
    # The recording keeps its own copy of the original now.
    for part in parts:
        part.unlink(missing_ok=True)
    remove_live_hls(live)
    return "queued"


def promote_ready_replays() -> int:
    """Periodic: replay_processing → replay_ready once the replay's recording is ready (the page
    already shows it as ready: LiveStream.state)."""
    from .models import Recording

    return LiveStream.objects.filter(
        status=Status.REPLAY_PROCESSING, recording__status=Recording.Status.READY
    ).update(status=Status.REPLAY_READY)


def remove_live_hls(live: LiveStream) -> None:
    root = hls_root()
    for folder in root.glob(f"{live.stream_name}*"):
        shutil.rmtree(folder, ignore_errors=True) if folder.is_dir() else folder.unlink(missing_ok=True)


def mark_members_only(live_ids, value: bool) -> None:
    """A linked page's audience changed: the live HLS view reads this flag on every request."""
    LiveStream.objects.filter(pk__in=list(live_ids)).exclude(members_only=value).update(members_only=value)


# --- watching now ------------------------------------------------------------------------------


def _bucket(now: float | None = None) -> int:
    return int((now if now is not None else time.time()) // settings.LIVE_VIEWER_WINDOW_SECONDS)


def _cache_counts_atomically() -> bool:
    # Redis (and the in-process cache) add and incr atomically. The file cache does neither: with
    # several workers two of them both "add" a viewer (seen: 266 counted for 201 players), so
    # there the viewers are marker files created with O_EXCL, which one machine's workers share.
    return not isinstance(caches["default"], FileBasedCache)


def viewers_root() -> Path:
    return private_root() / "live" / "viewers"


def note_viewer(live_pk: int, viewer: str, *, now: float | None = None) -> None:
    """A playlist fetch: the viewer counts once per window. Two cache operations (or one file
    creation), no database write: players fetch the playlist every segment (2 s)."""
    bucket = _bucket(now)
    window = settings.LIVE_VIEWER_WINDOW_SECONDS
    digest = hashlib.sha256(viewer.encode("utf-8")).hexdigest()[:16]
    if not _cache_counts_atomically():
        _mark_viewer(live_pk, bucket, digest)
        return
    if cache.add(f"live:seen:{live_pk}:{bucket}:{digest}", 1, timeout=window * 3):
        counter = f"live:count:{live_pk}:{bucket}"
        cache.add(counter, 0, timeout=window * 3)
        try:
            cache.incr(counter)
        except ValueError:  # expired between add and incr
            cache.set(counter, 1, timeout=window * 3)


def _mark_viewer(live_pk: int, bucket: int, digest: str) -> None:
    folder = viewers_root() / str(live_pk) / str(bucket)
    for _attempt in range(2):
        try:
            os.close(os.open(folder / digest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return
        except FileExistsError:
            return
        except FileNotFoundError:
            # The window's first viewer: its folder is made and windows before the last are dropped.
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.parent.iterdir():
                if old.name.isdigit() and int(old.name) < bucket - 1:
                    shutil.rmtree(old, ignore_errors=True)


def _marked_viewers(live_pk: int, bucket: int) -> int:
    try:
        with os.scandir(viewers_root() / str(live_pk) / str(bucket)) as entries:
            return sum(1 for _ in entries)
    except FileNotFoundError:
        return 0


def forget_viewers(live_pk: int) -> None:
    shutil.rmtree(viewers_root() / str(live_pk), ignore_errors=True)


def watching_now(live_pk: int, *, now: float | None = None) -> int:
    """Distinct viewers over the last full window (or this one, when it already has more)."""
    bucket = _bucket(now)
    if not _cache_counts_atomically():
        return max(_marked_viewers(live_pk, bucket), _marked_viewers(live_pk, bucket - 1))
    counts = cache.get_many([f"live:count:{live_pk}:{bucket}", f"live:count:{live_pk}:{bucket - 1}"])
    return max([int(value) for value in counts.values()] or [0])


# --- the live HLS files ------------------------------------------------------------------------

# A segment line of a media playlist (nginx-rtmp names them by sequence number).
PLAYLIST_SEGMENT_LINE = re.compile(r"^\d{1,12}\.ts$")
# Links of one window share an expiry, so players (and a CDN) fetch the same URL for a segment.
SEGMENT_LINK_WINDOW_SECONDS = 30


def segment_secret() -> str:
    """The secret nginx checks segment links with (secure_link_md5), given to it by render_nginx."""
    if settings.LIVE_SEGMENT_SECRET:
        return settings.LIVE_SEGMENT_SECRET
    return hmac.new(settings.SECRET_KEY.encode(), b"dangke live segment links", "sha256").hexdigest()


def segment_token(path: str, expires: int, secret: str | None = None) -> str:
    """nginx's secure_link token for `path` until `expires`: base64url(MD5("<expires><path> <secret>")).
    MD5 is what secure_link computes; with the secret last, a token cannot be extended to another
    path or time without the secret."""
    secret = secret or segment_secret()
    digest = hashlib.md5(f"{expires}{path} {secret}".encode(), usedforsecurity=False).digest()  # noqa: S324
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_media_playlist(text: str, playlist_path: str, *, now: float | None = None) -> str:
    """The media playlist with every segment link signed for about LIVE_SEGMENT_LINK_SECONDS: the
    segments come straight from nginx, which lets through only links Django handed out after its
    access check, and only for a while (a members-only live's link passed on soon stops working)."""
    moment = int(now if now is not None else time.time()) + settings.LIVE_SEGMENT_LINK_SECONDS
    expires = (moment // SEGMENT_LINK_WINDOW_SECONDS + 1) * SEGMENT_LINK_WINDOW_SECONDS
    folder = playlist_path.rsplit("/", 1)[0]
    secret = segment_secret()  # once per playlist: it is fetched every segment by every player
    lines = []
    for line in text.splitlines():
        if PLAYLIST_SEGMENT_LINE.match(line):
            line = f"{line}?e={expires}&st={segment_token(f'{folder}/{line}', expires, secret)}"
        lines.append(line)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


@dataclass(frozen=True)
class Variant:
    stream: str  # the nginx-rtmp stream (and HLS folder) name: NAME_v720
    height: int
    kbps: int


def ladder() -> list[tuple[int, int]]:
    return sorted(settings.LIVE_LADDER, key=lambda rung: -rung[0])


def live_variants(live: LiveStream) -> list[Variant]:
    """The video renditions that exist right now (the encoder makes only rungs the source allows)."""
    rates = dict(ladder())
    root = hls_root()
    variants = []
    for folder in root.glob(f"{live.stream_name}_v*"):
        match = STREAM_RE.match(folder.name)
        if match and (folder / "index.m3u8").exists():
            height = int(match.group("suffix")[1:])
            variants.append(Variant(folder.name, height, rates.get(height, min(rates.values(), default=600))))
    return sorted(variants, key=lambda variant: -variant.height)


def has_audio_rendition(live: LiveStream) -> bool:
    return (hls_root() / f"{live.stream_name}_{AUDIO_SUFFIX}" / "index.m3u8").exists()


def master_playlist(live: LiveStream) -> str | None:
    """The live master playlist, written here from the renditions present (nginx-rtmp's own
    hls_variant would list rungs a small source never gets)."""
    variants = live_variants(live)
    if not variants:
        return None
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in variants:
        bandwidth = (variant.kbps + AUDIO_KBPS) * 1000
        lines.append(f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},NAME="{variant.height}p"')
        lines.append(f"{variant.stream}/index.m3u8")
    return "\n".join(lines) + "\n"
