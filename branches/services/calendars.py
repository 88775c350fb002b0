"""Per-member and per-branch iCalendar feeds behind secret, revocable URLs."""

from __future__ import annotations

from django.utils import timezone
from icalendar import Calendar, Event

from ..models import FeedToken, Member, Organisation, Session, SessionStatus
from ..models.organisations import COMMITTEE_ROLES
from . import live_viewing, scope


def active_token(token: str) -> FeedToken | None:
    """The feed behind a URL, if it is not revoked and its owner may still read it today: a URL is
    a credential that outlives logins, so membership and role are checked on every request."""
    feed = (
        FeedToken.objects.select_related("member__branch", "member__user", "branch", "created_by")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )
    if feed is None or not owner_may_read(feed):
        return None
    return feed


def owner_may_read(feed: FeedToken) -> bool:
    """A member's feed: while the member is active (and their login, if any, is not disabled).
    A branch feed (committee meetings included): while whoever issued it still runs that branch."""
    if feed.member_id:
        member = feed.member
        return member.is_active and (member.user is None or member.user.is_active)
    issuer = feed.created_by
    if issuer is None or not issuer.is_active:
        return False
    if issuer.is_superuser:
        return True
    branch = scope.secretary_branch(issuer)
    return branch is not None and branch.pk == feed.branch_id


def issue_token(*, member: Member | None = None, branch: Organisation | None = None, by=None) -> FeedToken:
    """A fresh feed URL; the previous one for the same owner stops working."""
    revoke_tokens(member=member, branch=branch)
    return FeedToken.objects.create(member=member, branch=branch, created_by=by)


def revoke_tokens(*, member: Member | None = None, branch: Organisation | None = None) -> int:
    tokens = FeedToken.objects.filter(revoked_at__isnull=True)
    tokens = (
        tokens.filter(member=member)
        if member is not None
        else tokens.filter(branch=branch, member__isnull=True)
    )
    return tokens.update(revoked_at=timezone.now())


def feed_sessions(feed: FeedToken):
    branch_id = feed.member.branch_id if feed.member_id else feed.branch_id
    sessions = Session.objects.filter(branch_id=branch_id).select_related("session_type", "branch")
    if feed.member_id and feed.member.role not in COMMITTEE_ROLES:  # today's role, not the one at issue
        sessions = sessions.filter(session_type__committee_only=False)
    return sessions.order_by("starts_at")


def build_calendar(feed: FeedToken, *, domain: str = "dangke", base_url: str = "") -> bytes:
    """The feed; ``base_url`` (scheme and host) makes a lesson's relative URL absolute."""
    owner = feed.member.name if feed.member_id else feed.branch.name
    calendar = Calendar()
    calendar.add("prodid", "-//Dangke//Branch life//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{owner} · 组织生活")
    sessions = list(feed_sessions(feed))
    lives = live_viewing.live_viewings(sessions)
    for session in sessions:
        event = Event()
        event.add("uid", f"session-{session.pk}@{domain}")
        event.add("summary", f"{session.session_type.name}：{session.topic}")
        event.add("dtstart", session.starts_at.replace(microsecond=0))
        event.add("dtend", session.ends_at.replace(microsecond=0))
        event.add("dtstamp", session.updated_at.replace(microsecond=0))
        if session.place:
            event.add("location", session.place)
        description = [session.agenda] if session.agenda else []
        viewing = lives.get(session.pk)
        if viewing is not None:
            url = viewing.url or ""
            url = base_url.rstrip("/") + url if url.startswith("/") else url
            start = timezone.localtime(viewing.scheduled_start)
            description.insert(0, f"{viewing.label}\n直播开始：{start:%Y-%m-%d %H:%M}\n{url}")
            if url:
                event.add("url", url)
        if description:
            event.add("description", "\n".join(description))
        event.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
