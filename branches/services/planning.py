"""Planning: a year from the cadence in one step (an RRULE bounded by services.recurrence),
single-occurrence exceptions, and clash warnings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Attendance, Member, Organisation, Session, SessionSeries, SessionStatus, SessionType
from ..models.organisations import COMMITTEE_ROLES
from . import recurrence
from .live_viewing import window_errors


@transaction.atomic
def plan_year(
    *,
    branch: Organisation,
    session_type: SessionType,
    year: int,
    rule: str | None = None,
    start_time: dt.time | None = None,
    duration_minutes: int | None = None,
    place: str = "",
    organiser: Member | None = None,
    topic: str = "",
) -> SessionSeries:
    """Create (or complete) a year of sessions of one type. Running it again adds nothing new:
    an occurrence already planned — or moved, postponed or cancelled — is left as it is."""
    if not branch.holds_sessions:
        raise ValidationError("只有党支部可以安排三会一课。")
    rule = (rule or session_type.default_rrule).strip()
    start_time = start_time or session_type.default_start_time
    if isinstance(start_time, str):
        start_time = dt.time.fromisoformat(start_time)
    duration = dt.timedelta(minutes=duration_minutes or session_type.default_duration_minutes)
    tz = timezone.get_current_timezone()
    dtstart = timezone.make_aware(dt.datetime.combine(dt.date(year, 1, 1), start_time), tz)
    until = timezone.make_aware(dt.datetime.combine(dt.date(year, 12, 31), dt.time(23, 59)), tz)
    moments = recurrence.occurrences(rule, dtstart=dtstart, until=until)  # checks the rule first
    series, _ = SessionSeries.objects.get_or_create(
        branch=branch,
        session_type=session_type,
        rrule=rule,
        dtstart=dtstart,
        defaults={"until": until, "duration_minutes": duration.seconds // 60, "place": place},
    )
    existing = set(series.sessions.values_list("occurrence_start", flat=True))
    new_sessions = []
    for moment in moments:
        if moment in existing:
            continue
        new_sessions.append(
            Session(
                branch=branch,
                session_type=session_type,
                topic=topic or f"{moment.month}月{session_type.name}",
                starts_at=moment,
                ends_at=moment + duration,
                place=place,
                organiser=organiser,
                series=series,
                occurrence_start=moment,
            )
        )
    Session.objects.bulk_create(new_sessions)
    return series


def move_session(session: Session, *, starts_at: dt.datetime, ends_at: dt.datetime | None = None) -> Session:
    """Move one occurrence; the rest of its series stays where it was."""
    if session.status in (SessionStatus.CANCELLED, SessionStatus.HELD):
        raise ValidationError("已取消或已召开的会议不能调整时间。")
    length = session.ends_at - session.starts_at
    session.starts_at = starts_at
    session.ends_at = ends_at or starts_at + length
    if session.ends_at <= session.starts_at:
        raise ValidationError("结束时间必须晚于开始时间。")
    # A group viewing of a live that has not ended stays on the live.
    lessons = [link.lesson for link in session.lesson_links.select_related("lesson")]
    errors = window_errors(lessons, session.starts_at, session.ends_at)
    if errors:
        raise ValidationError(errors)
    session.save(update_fields=["starts_at", "ends_at", "updated_at"])
    return session


def postpone_session(session: Session, *, starts_at: dt.datetime) -> Session:
    """Postponed to a later date: it counts in the period in which it is then held."""
    if starts_at <= session.starts_at:
        raise ValidationError("延期后的时间必须晚于原定时间。")
    move_session(session, starts_at=starts_at)
    session.status = SessionStatus.POSTPONED
    session.reminders_queued_at = None
    session.save(update_fields=["status", "reminders_queued_at", "updated_at"])
    return session


def cancel_session(session: Session) -> Session:
    if session.status == SessionStatus.HELD:
        raise ValidationError("已召开的会议不能取消。")
    session.status = SessionStatus.CANCELLED
    session.save(update_fields=["status", "updated_at"])
    return session


def invited_members(session: Session):
    members = Member.objects.filter(branch_id=session.branch_id, is_active=True)
    if session.session_type.committee_only:
        members = members.filter(role__in=COMMITTEE_ROLES)
    return members


@dataclass(frozen=True)
class Clash:
    kind: str  # place | organiser | members
    session: Session
    detail: str


def find_clashes(session: Session) -> list[Clash]:
    """Other active sessions overlapping in time that share the place, the organiser or members."""
    overlapping = (
        Session.objects.exclude(pk=session.pk)
        .exclude(status=SessionStatus.CANCELLED)
        .filter(starts_at__lt=session.ends_at, ends_at__gt=session.starts_at)
        .select_related("branch", "organiser")
    )
    clashes = []
    if session.place:
        for other in overlapping.filter(place=session.place):
            clashes.append(
                Clash("place", other, f"地点“{session.place}”已被“{other.topic}”（{other.branch}）占用")
            )
    if session.organiser_id:
        for other in overlapping.filter(organiser_id=session.organiser_id):
            clashes.append(Clash("organiser", other, f"组织人{session.organiser}同时负责“{other.topic}”"))
    invited = set(invited_members(session).values_list("pk", flat=True)) if session.branch_id else set()
    if invited:
        # Members invited to another session at the same time: same branch, or marked there already.
        for other in overlapping.filter(
            Q(branch_id=session.branch_id) | Q(attendances__member_id__in=invited)
        ).distinct():
            others = set(invited_members(other).values_list("pk", flat=True)) | set(
                Attendance.objects.filter(session=other).values_list("member_id", flat=True)
            )
            shared = invited & others
            if shared:
                clashes.append(Clash("members", other, f"{len(shared)}名党员同时需参加“{other.topic}”"))
    return clashes
