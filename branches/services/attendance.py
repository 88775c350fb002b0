"""During the session: rotating QR sign-in, manual marking, leave, quorum."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lessons.services.group_viewing import credit_group_viewing

from ..models import (
    Attendance,
    AttendanceStatus,
    LeaveRequest,
    LeaveStatus,
    Member,
    Session,
    SessionStatus,
)
from ..models.organisations import Role
from .planning import invited_members

QR_SALT = "branches.qr-sign-in"
PRESENT_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class SignInRefused(Exception):
    """A QR sign-in that cannot be accepted; the message is shown to the member."""


def sign_in_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    opens = session.starts_at - dt.timedelta(minutes=settings.BRANCHES_SIGN_IN_OPENS_MINUTES)
    return opens, session.ends_at


def in_sign_in_window(session: Session, now: dt.datetime) -> bool:
    opens, closes = sign_in_window(session)
    return opens <= now <= closes and session.status in (
        SessionStatus.PLANNED,
        SessionStatus.POSTPONED,
        SessionStatus.HELD,
    )


def make_qr_token(session: Session, *, now: dt.datetime | None = None) -> str:
    """The code shown now. It is stable within one QR period and changes at the next."""
    now = now or timezone.now()
    period = settings.BRANCHES_QR_PERIOD
    step = int(now.timestamp()) // period
    return signing.dumps({"s": session.pk, "t": step * period}, salt=QR_SALT, compress=False)


def read_qr_token(token: str, *, now: dt.datetime | None = None) -> int:
    """The session pk in a token, if the token is genuine and fresh; raises SignInRefused otherwise."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=QR_SALT)
    except signing.BadSignature as exc:
        raise SignInRefused("签到码无效，请重新扫描现场二维码。") from exc
    issued = int(payload.get("t", 0))
    age = now.timestamp() - issued
    if age > settings.BRANCHES_QR_MAX_AGE or age < -settings.BRANCHES_QR_PERIOD:
        raise SignInRefused("签到码已过期，请扫描屏幕上最新的二维码。")
    return int(payload["s"])


def status_for_arrival(session: Session, now: dt.datetime) -> str:
    late_after = session.starts_at + dt.timedelta(minutes=settings.BRANCHES_LATE_AFTER_MINUTES)
    return AttendanceStatus.LATE if now > late_after else AttendanceStatus.PRESENT


@dataclass(frozen=True)
class SignInResult:
    attendance: Attendance
    created: bool


def sign_in_with_token(user, token: str, *, now: dt.datetime | None = None) -> SignInResult:
    """Record the member's attendance from a scanned code. Scanning again changes nothing."""
    now = now or timezone.now()
    session_pk = read_qr_token(token, now=now)
    session = Session.objects.select_related("branch", "session_type").filter(pk=session_pk).first()
    if session is None:
        raise SignInRefused("会议不存在。")
    member = Member.objects.filter(user=user, is_active=True).first() if user.is_authenticated else None
    if member is None or member.branch_id != session.branch_id:
        raise SignInRefused("您不是本支部党员，不能签到此会议。")
    if not is_invited(session, member):
        raise SignInRefused("此会议仅限支委会成员参加，您不能签到。")
    if not in_sign_in_window(session, now):
        raise SignInRefused("不在签到时间内（会前30分钟至会议结束）。")
    existing = Attendance.objects.filter(session=session, member=member).first()
    if existing is not None and existing.signed_in_at is not None:
        return SignInResult(existing, False)
    status = status_for_arrival(session, now)
    if existing is not None:
        # Marked on leave or absent beforehand, but came after all.
        with transaction.atomic():
            existing.status, existing.signed_in_at, existing.method = status, now, "qr"
            existing.save(update_fields=["status", "signed_in_at", "method"])
            sync_group_viewing(session.pk)
        return SignInResult(existing, True)
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                session=session, member=member, status=status, signed_in_at=now, method="qr"
            )
            sync_group_viewing(session.pk)
    except IntegrityError:  # two scans racing: the first one won
        return SignInResult(Attendance.objects.get(session=session, member=member), False)
    return SignInResult(attendance, True)


def mark_attendance(session: Session, member: Member, status: str, *, by) -> Attendance:
    """The secretary's manual fallback."""
    if member.branch_id != session.branch_id:
        raise ValidationError("只能登记本支部党员的出勤。")
    if not is_invited(session, member):
        raise ValidationError("此会议仅限支委会成员参加，不能登记其他党员的出勤。")
    if status not in AttendanceStatus.values:
        raise ValidationError("出勤状态无效。")
    with transaction.atomic():
        attendance, _ = Attendance.objects.update_or_create(
            session=session,
            member=member,
            defaults={"status": status, "method": "manual", "marked_by": by},
        )
        sync_group_viewing(session.pk)
    return attendance


def is_invited(session: Session, member: Member) -> bool:
    """Whether the member is among the session's invitees (committee-only: the committee)."""
    return invited_members(session).filter(pk=member.pk).exists()


def request_leave(session: Session, member: Member, reason: str) -> LeaveRequest:
    if member.branch_id != session.branch_id or not is_invited(session, member):
        raise PermissionDenied
    reason = reason.strip()
    if not reason:
        raise ValidationError("请填写请假事由。")
    if session.status == SessionStatus.CANCELLED or session.ends_at < timezone.now():
        raise ValidationError("该会议已结束或已取消，无需请假。")
    leave, created = LeaveRequest.objects.get_or_create(
        session=session, member=member, defaults={"reason": reason}
    )
    if not created:
        if leave.status != LeaveStatus.PENDING:
            raise ValidationError("请假申请已审批，不能修改。")
        leave.reason = reason
        leave.save(update_fields=["reason"])
    return leave


@transaction.atomic
def decide_leave(leave: LeaveRequest, *, approve: bool, by) -> LeaveRequest:
    if leave.status != LeaveStatus.PENDING:
        raise ValidationError("该请假申请已审批。")
    leave.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    leave.decided_by, leave.decided_at = by, timezone.now()
    leave.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:
        Attendance.objects.update_or_create(
            session=leave.session,
            member=leave.member,
            defaults={"status": AttendanceStatus.LEAVE, "method": "manual", "marked_by": by},
        )
        sync_group_viewing(leave.session_id)
    return leave


def group_viewing_source(session_pk: int) -> str:
    return f"branches.session:{session_pk}"


def sync_group_viewing(session_pk: int):
    """Credit the session's lessons (watched together) to the members marked present or late, as
    集体学习 in their study record; members on leave, absent or not marked get nothing, and a
    present mark taken back takes its credit back. Called, in the same transaction, wherever the
    attendance, the lessons or the status of a session change; idempotent, so calling it again
    changes nothing. The session row is locked so two secretaries marking at once both count."""
    with transaction.atomic():
        session = Session.objects.select_for_update().filter(pk=session_pk).first()
        if session is None:  # deleted: its credits go
            return credit_group_viewing(group_viewing_source(session_pk), [], [])
        lesson_ids, present = [], []
        if session.status != SessionStatus.CANCELLED:
            lesson_ids = list(session.lesson_links.values_list("lesson_id", flat=True))
            present = list(
                Attendance.objects.filter(
                    session=session, status__in=PRESENT_STATUSES, member__user__isnull=False
                ).values_list("member__user_id", flat=True)
            )
        return credit_group_viewing(
            group_viewing_source(session.pk), lesson_ids, present, viewed_at=session.starts_at
        )


@dataclass(frozen=True)
class Quorum:
    voting: int
    present: int

    @property
    def needed(self) -> int:
        return self.voting // 2 + 1

    @property
    def reached(self) -> bool:
        # More than half of the members with a vote; 预备党员 have none.
        return self.voting > 0 and self.present * 2 > self.voting


def quorum(session: Session) -> Quorum:
    voting = Member.objects.filter(branch_id=session.branch_id, is_active=True).exclude(
        role=Role.PROBATIONARY
    )
    present = Attendance.objects.filter(session=session, status__in=PRESENT_STATUSES, member__in=voting).count()
    return Quorum(voting=voting.count(), present=present)


def attendance_sheet(session: Session) -> list[tuple[Member, Attendance | None]]:
    """Every invited member with their attendance (or None when not yet marked)."""
    marks = {a.member_id: a for a in Attendance.objects.filter(session=session)}
    return [(member, marks.get(member.pk)) for member in invited_members(session).order_by("name")]


def close_session(session: Session, *, by) -> Session:
    """Mark the session held; invited members with no mark become absent."""
    with transaction.atomic():
        marked = set(Attendance.objects.filter(session=session).values_list("member_id", flat=True))
        Attendance.objects.bulk_create(
            [
                Attendance(
                    session=session, member=m, status=AttendanceStatus.ABSENT, method="manual", marked_by=by
                )
                for m in invited_members(session)
                if m.pk not in marked
            ]
        )
        session.status = SessionStatus.HELD
        session.save(update_fields=["status", "updated_at"])
    return session
