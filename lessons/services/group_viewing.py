"""Group viewing (集体学习): lessons watched together, credited to the members who were there.

Another app (branches, for a session's attendance) says which members were present where which
lessons were shown, under an opaque source key; lessons never imports it. Each member present gets
each lesson's length once, however many sources credit it, shown apart from watching alone (自学),
and the lesson counts as completed for them. A member no longer present loses the credit unless
another source still gives it.

A lesson watched together live (its page has a live stream and no recording yet, or a replay not
probed yet) is credited the live's scheduled length: that is what the members sat through, and they
see it in their record right after the session. The credit is not changed when the replay is ready
later: a study record does not move under a member's feet (a credit given or moved after that uses
the replay's length)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..models import GroupViewingCredit, LessonPage, LessonProgress
from .access import recording_duration
from .progress import locked_progress


@dataclass(frozen=True)
class GroupCreditResult:
    added: int  # (member, lesson) credits given by this source now
    removed: int  # credits of this source taken back
    refreshed: int  # progress rows recomputed


def credit_group_viewing(
    source_key: str, lesson_ids, user_ids_present, *, viewed_at: dt.datetime | None = None
) -> GroupCreditResult:
    """Make this source's credits exactly every lesson in ``lesson_ids`` for every user in
    ``user_ids_present``, seen at ``viewed_at`` (its year books the seconds; now if not given).

    Idempotent: calling it again with the same lists changes nothing, so the caller simply calls it
    whenever its attendance or lessons change, with the whole current lists. Callers running it
    concurrently for the same source must serialise (branches locks the session row)."""
    if not source_key or len(source_key) > 100:
        raise ValueError("source_key must be 1 to 100 characters")
    viewed_at = viewed_at or timezone.now()
    lessons = {
        lesson.pk: lesson
        for lesson in LessonPage.objects.filter(pk__in=set(lesson_ids)).select_related(
            "recording", "live_stream__recording"
        )
    }
    wanted = {(int(user_id), lesson_id) for user_id in set(user_ids_present) for lesson_id in lessons}
    with transaction.atomic():
        existing = {
            (credit.user_id, credit.lesson_id): credit
            for credit in GroupViewingCredit.objects.filter(source_key=source_key)
        }
        gone = [existing[pair].pk for pair in existing.keys() - wanted]
        new = wanted - existing.keys()
        moved = {pair for pair in wanted & existing.keys() if existing[pair].viewed_at != viewed_at}
        if gone:
            GroupViewingCredit.objects.filter(pk__in=gone).delete()
        if moved:
            GroupViewingCredit.objects.filter(pk__in=[existing[pair].pk for pair in moved]).update(
                viewed_at=viewed_at
            )
        GroupViewingCredit.objects.bulk_create(
            [
                GroupViewingCredit(
                    user_id=user_id, lesson_id=lesson_id, source_key=source_key, viewed_at=viewed_at
                )
                for user_id, lesson_id in sorted(new)
            ],
            ignore_conflicts=True,
        )
        changed = (existing.keys() - wanted) | new | moved
        # One order for every caller, so two sources crediting the same members cannot deadlock.
        for user_id, lesson_id in sorted(changed):
            _refresh(user_id, lesson_id, lessons.get(lesson_id))
    return GroupCreditResult(added=len(new), removed=len(gone), refreshed=len(changed))


def _refresh(user_id: int, lesson_id: int, lesson: LessonPage | None) -> LessonProgress:
    """Recompute the member's group aggregate on the lesson from the credits that remain."""
    progress = locked_progress(user_id, lesson_id)
    first = (
        GroupViewingCredit.objects.filter(user_id=user_id, lesson_id=lesson_id).order_by("viewed_at").first()
    )
    if lesson is None:
        lesson = LessonPage.objects.select_related("recording", "live_stream__recording").get(pk=lesson_id)
    duration = recording_duration(lesson)
    new_at = first.viewed_at if first else None
    new_seconds = float(credited_duration(lesson) or 0) if first else 0.0

    by_year = dict(progress.seconds_by_year)
    if progress.group_credited_at is not None and progress.group_seconds:
        _book(by_year, progress.group_credited_at, -progress.group_seconds)
    if new_at is not None and new_seconds:
        _book(by_year, new_at, new_seconds)
    progress.seconds_by_year = by_year
    progress.group_seconds, progress.group_credited_at = new_seconds, new_at
    if duration and not progress.duration:
        progress.duration = duration
    alone = progress.completed_alone
    if not alone:
        # Completed by the group viewing alone: since the first one, or no longer when none is left.
        progress.completed_at = new_at
    elif progress.completed_at is None:
        progress.completed_at = timezone.now()
    progress.save()
    return progress


def credited_duration(lesson: LessonPage) -> float | None:
    """Seconds one group viewing of the lesson is worth: its recording's (or replay's) length, or,
    while that is unknown, the scheduled length of its live."""
    duration = recording_duration(lesson)
    if duration is None and lesson.live_stream_id:
        live = lesson.live_stream
        scheduled = (live.scheduled_end - live.scheduled_start).total_seconds()
        return float(scheduled) if scheduled > 0 else None
    return duration


def _book(by_year: dict, when: dt.datetime, seconds: float) -> None:
    year = str(timezone.localdate(when).year)
    total = round(by_year.get(year, 0) + seconds, 3)
    if total > 0.001:
        by_year[year] = total
    else:
        by_year.pop(year, None)
