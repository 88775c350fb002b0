"""Reminder emails before a session, sent at most once per member and session."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from security.public_urls import absolute_url

from ..models import Session, SessionReminder, SessionStatus
from .planning import invited_members


def due_sessions(now: dt.datetime | None = None):
    """Active sessions starting within the reminder horizon whose reminders are not yet queued."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=settings.BRANCHES_REMINDER_DAYS_BEFORE)
    return Session.objects.filter(
        starts_at__gt=now,
        starts_at__lte=horizon,
        reminders_queued_at__isnull=True,
        status__in=(SessionStatus.PLANNED, SessionStatus.POSTPONED),
    )


def queue_due_reminders(now: dt.datetime | None = None) -> int:
    """Claim due sessions (one UPDATE each, so two workers never both claim one) and enqueue a task."""
    from ..tasks import send_session_reminders

    now = now or timezone.now()
    queued = 0
    for pk in list(due_sessions(now).values_list("pk", flat=True)[:500]):
        claimed = Session.objects.filter(pk=pk, reminders_queued_at__isnull=True).update(
            reminders_queued_at=now
        )
        if claimed:
            transaction.on_commit(lambda pk=pk: send_session_reminders.enqueue(pk))
            queued += 1
    return queued


def send_reminders(session_pk: int) -> int:
    session = Session.objects.select_related("session_type", "branch").filter(pk=session_pk).first()
    if session is None or session.status not in (SessionStatus.PLANNED, SessionStatus.POSTPONED):
        return 0
    tz = timezone.get_current_timezone()
    when = session.starts_at.astimezone(tz)
    my_sessions = absolute_url(reverse("branches:my_sessions"))  # no request here: the public address
    sent = 0
    for member in invited_members(session).select_related("user"):
        address = member.contact_email
        if not address:
            continue
        try:
            with transaction.atomic():
                SessionReminder.objects.create(session=session, member=member)
                send_mail(
                    subject=f"会议提醒：{session.session_type.name}·{session.topic}",
                    message=(
                        f"{member.name}同志：\n\n{session.branch.name}将于{when:%Y年%m月%d日 %H:%M}"
                        f"在{session.place or '（地点另行通知）'}召开{session.session_type.name}，"
                        f"主题：{session.topic}。\n如不能参加，请登录平台“我的会议”请假：{my_sessions}\n"
                    ),
                    from_email=None,
                    recipient_list=[address],
                )
        except IntegrityError:  # already reminded (an earlier run, or a re-queued task)
            continue
        sent += 1
    return sent
