"""Progress heartbeats: merging the ranges a player reports into a member's progress, and when a
saved position is worth offering to resume."""

from __future__ import annotations

import datetime
import logging
import random
import time

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from .. import ranges as played
from ..models import LessonPage, LessonProgress
from .access import LessonAccess, recording_duration

# A saved position this close to the start or the end is not worth offering to resume
# (at most this many seconds; a tenth of the recording for very short ones).
RESUME_MARGIN = 5
# Longest duration accepted from a client when the recording's own duration is not known yet.
MAX_CLIENT_DURATION = 12 * 3600
HEARTBEAT_ATTEMPTS = 5

logger = logging.getLogger(__name__)


def offers_resume(position: float, duration: float | None) -> bool:
    margin = min(RESUME_MARGIN, duration * 0.1) if duration else RESUME_MARGIN
    if position <= margin:
        return False
    return not duration or position < duration - margin


class HeartbeatError(ValueError):
    """A heartbeat the server refuses; the message is shown to nobody but logged by the client."""


def record_heartbeat(
    user, lesson: LessonPage | LessonAccess, *, position, ranges, duration=None
) -> LessonProgress:
    """Merge the ranges a player reports into the member's progress and move the saved position.

    Safe to call concurrently (two tabs, two devices): the row is read and written under a row
    lock, and a lost race on creating the row or a deadlock is retried, so no range is lost.
    Reporting the same range twice changes nothing.

    Only as many new distinct seconds are accepted as real time allows (`heartbeat_budget`); the
    rest is dropped and logged, not refused: the player keeps every range it played on the page
    and sends them all again with the next heartbeat, so a real watcher's seconds arrive later.
    The returned row carries ``accepted_seconds`` and ``dropped_seconds`` for this heartbeat.

    Only the server's duration counts: ``duration`` (what the client says) is ignored, so a lesson
    whose recording is not probed yet clips ranges at MAX_CLIENT_DURATION and completes nothing."""
    del duration  # kept in the signature for callers and old players; never trusted
    limit = lesson.duration if isinstance(lesson, LessonAccess) else recording_duration(lesson)
    try:
        new_ranges = played.normalise(ranges or [], limit=limit or MAX_CLIENT_DURATION)
        position = max(0.0, float(position))
    except (TypeError, ValueError) as exc:
        raise HeartbeatError(str(exc) or "播放位置格式不正确") from None
    if position != position:  # NaN
        raise HeartbeatError("播放位置格式不正确")
    position = min(position, limit or MAX_CLIENT_DURATION)

    for attempt in range(HEARTBEAT_ATTEMPTS):
        try:
            with transaction.atomic():
                return _merge_heartbeat(user, lesson.pk, position, new_ranges, limit)
        except OperationalError:  # deadlock, serialization failure, SQLite "database is locked"
            if attempt == HEARTBEAT_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (2**attempt) + random.random() * 0.01)  # noqa: S311 (jitter)
    raise AssertionError("unreachable")


def _max_rate() -> float:
    return max(float(settings.LESSONS_MAX_PLAYBACK_RATE), 0.01)


def heartbeat_budget(last_heartbeat_at, now) -> float:
    """The most new distinct seconds a heartbeat arriving ``now`` may add: the wall-clock time since
    the last accepted heartbeat times the fastest playback rate, plus a small allowance (network
    jitter, the player's rounding). A row's first heartbeat gets the allowance only; the player
    sends an empty heartbeat when playback starts, so its first real one is measured from then.

    Budget does not pile up: each heartbeat starts the clock again (`next_heartbeat_clock`), and
    one that used the allowance moves the clock past its own time by the seconds it took beyond
    real time, so that many heartbeats sent at once share one allowance instead of getting one each."""
    allowance = settings.LESSONS_HEARTBEAT_ALLOWANCE_SECONDS
    if last_heartbeat_at is None:
        return allowance
    elapsed = (now - last_heartbeat_at).total_seconds()
    return max(0.0, elapsed * _max_rate() + allowance)


def next_heartbeat_clock(last_heartbeat_at, now, accepted: float):
    """What LessonProgress.last_heartbeat_at becomes after a heartbeat that added ``accepted``
    seconds: now, or later when those seconds took more than the time since the last one allows."""
    paid_until = (last_heartbeat_at or now) + datetime.timedelta(seconds=accepted / _max_rate())
    return max(now, paid_until)


def locked_progress(user_id, lesson_id) -> LessonProgress:
    """The member's progress row on the lesson, created if missing, locked for this transaction."""
    rows = LessonProgress.objects.select_for_update()
    try:
        return rows.get(user_id=user_id, lesson_id=lesson_id)
    except LessonProgress.DoesNotExist:
        pass
    try:
        with transaction.atomic():  # a savepoint: losing the race to create must not spoil the transaction
            return LessonProgress.objects.create(user_id=user_id, lesson_id=lesson_id)
    except IntegrityError:
        return rows.get(user_id=user_id, lesson_id=lesson_id)


def _merge_heartbeat(user, lesson_id, position, new_ranges, duration) -> LessonProgress:
    progress = locked_progress(user.pk, lesson_id)
    now = timezone.now()
    fresh = played.subtract(new_ranges, progress.played_ranges)
    claimed = played.total(fresh)
    budget = heartbeat_budget(progress.last_heartbeat_at, now)
    if claimed > budget:
        fresh = played.take(fresh, budget)
    before = progress.played_seconds
    merged = played.merge(progress.played_ranges, fresh)
    progress.played_ranges = [list(r) for r in merged]
    progress.played_seconds = played.total(merged)
    added = max(0.0, round(progress.played_seconds - before, 3))
    if added > 0:
        year = str(timezone.localdate(now).year)
        by_year = dict(progress.seconds_by_year)
        by_year[year] = round(by_year.get(year, 0) + added, 3)
        progress.seconds_by_year = by_year
    progress.position = position
    progress.last_heartbeat_at = next_heartbeat_clock(progress.last_heartbeat_at, now, added)
    if duration:
        progress.duration = duration
    if progress.completed_at is None and played.is_complete(
        progress.played_seconds, progress.duration, threshold=settings.LESSONS_COMPLETION_RATIO
    ):
        progress.completed_at = now
    progress.save()
    progress.accepted_seconds = added
    progress.dropped_seconds = max(0.0, round(claimed - added, 3))
    if progress.dropped_seconds > 0:
        logger.warning(
            "progress heartbeat over budget: user=%s lesson=%s claimed=%.1fs accepted=%.1fs budget=%.1fs",
            progress.user_id,
            lesson_id,
            claimed,
            added,
            budget,
        )
    return progress
