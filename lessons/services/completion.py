"""When a member's playback of a lesson counts as finished: the one rule behind every completion
figure outside the player (study assignments, their reports and reminders)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Q


def default_share() -> float:
    return float(settings.LESSONS_COMPLETION_RATIO)


def finished_q(share: float | None = None, prefix: str = "") -> Q:
    """LessonProgress rows (reached from another model through `prefix`, e.g. "lesson_progress__")
    that count as finished when `share` of the lesson must be watched.

    A row counts when its distinct played seconds reach `share` × the duration the server knows for
    the lesson's recording. At the default share (or a lower one) a row the player already marked
    completed counts too, so an assignment's default rule is exactly the existing completion rule.
    A lesson watched together at a session (集体学习, `group_credited_at`) counts at any share: the
    member sat through the whole of it."""
    share = default_share() if share is None else float(share)
    duration = f"{prefix}lesson__recording__duration"
    q = Q(**{f"{duration}__gt": 0, f"{prefix}played_seconds__gte": F(duration) * share})
    if share <= default_share():
        q |= Q(**{f"{prefix}completed_at__isnull": False})
    return q | Q(**{f"{prefix}group_credited_at__isnull": False})
