"""Feeds and QR sign-in follow the owner's current membership and role, checked on every request (#19)."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from branches.factories import SessionFactory, session_type
from branches.models import Attendance, LeaveRequest, Role
from branches.services import calendars
from branches.services.attendance import SignInRefused, make_qr_token, request_leave, sign_in_with_token

from .conftest import local_dt

pytestmark = pytest.mark.django_db
START = local_dt(2026, 6, 12, 14, 30)


@pytest.fixture
def sessions(tree, people):
    theme = SessionFactory(branch=tree.a, topic="学习党章")
    committee = SessionFactory(branch=tree.a, session_type=session_type("committee-meeting"), topic="支委会")
    return theme, committee


def feed(client, token):
    return client.get(reverse("branches:calendar_feed", kwargs={"token": token.token}))


def summaries(response):
    assert response.status_code == 200
    return {str(e["summary"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_a_deactivated_members_feed_stops_answering(client, sessions, people):
    token = calendars.issue_token(member=people.member, by=people.member_user)
    assert feed(client, token).status_code == 200
    people.member.is_active = False
    people.member.save()
    assert feed(client, token).status_code == 404


def test_a_member_whose_login_is_disabled_gets_no_feed(client, sessions, people):
    token = calendars.issue_token(member=people.member, by=people.member_user)
    people.member_user.is_active = False
    people.member_user.save()
    assert feed(client, token).status_code == 404


def test_a_demoted_secretarys_branch_feed_stops_answering(client, sessions, people):
    token = calendars.issue_token(branch=people.secretary.branch, by=people.secretary_user)
    assert "支部委员会会议：支委会" in summaries(feed(client, token))
    people.secretary.role = Role.MEMBER
    people.secretary.save()
    response = feed(client, token)
    assert response.status_code == 404
    assert "支委会" not in response.content.decode()


def test_a_secretary_removed_from_the_group_or_deactivated_loses_the_branch_feed(client, sessions, people):
    token = calendars.issue_token(branch=people.secretary.branch, by=people.secretary_user)
    people.secretary_user.groups.clear()
    assert feed(client, token).status_code == 404
    token = calendars.issue_token(branch=people.secretary.branch, by=None)  # nobody vouches for it
    assert feed(client, token).status_code == 404


def test_a_secretary_moved_to_another_branch_loses_the_old_branch_feed(client, sessions, people, tree):
    token = calendars.issue_token(branch=tree.a, by=people.secretary_user)
    people.secretary.branch = tree.b
    people.secretary.save()
    assert feed(client, token).status_code == 404


def test_a_demoted_secretarys_own_feed_keeps_working_without_committee_meetings(client, sessions, people):
    token = calendars.issue_token(member=people.secretary, by=people.secretary_user)
    assert "支部委员会会议：支委会" in summaries(feed(client, token))
    people.secretary.role = Role.MEMBER
    people.secretary.save()
    assert summaries(feed(client, token)) == {"主题党日：学习党章"}


@pytest.fixture
def committee_meeting(tree, people):
    return SessionFactory(
        branch=tree.a,
        session_type=session_type("committee-meeting"),
        topic="支委会",
        starts_at=START,
        ends_at=START + dt.timedelta(hours=2),
    )


def test_a_plain_member_cannot_sign_in_to_a_committee_only_meeting(committee_meeting, people):
    token = make_qr_token(committee_meeting, now=START)
    with pytest.raises(SignInRefused, match="支委"):
        sign_in_with_token(people.member_user, token, now=START)
    assert not Attendance.objects.exists()
    result = sign_in_with_token(people.secretary_user, token, now=START)
    assert result.created


def test_the_sign_in_page_refuses_a_plain_member_and_shows_nothing_of_the_meeting(client, tree, people):
    from django.utils import timezone

    now = timezone.now()
    meeting = SessionFactory(
        branch=tree.a,
        session_type=session_type("committee-meeting"),
        topic="研究发展党员",
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=1),
    )
    token = make_qr_token(meeting)
    client.force_login(people.member_user)
    page = client.get(reverse("branches:sign_in", kwargs={"token": token}))
    assert "研究发展党员" not in page.content.decode()
    assert page.status_code == 403
    response = client.post(reverse("branches:sign_in", kwargs={"token": token}))
    assert response.status_code == 400
    assert "支委" in response.content.decode()
    assert not Attendance.objects.exists()
    client.force_login(people.secretary_user)
    assert client.post(reverse("branches:sign_in", kwargs={"token": token})).status_code == 200
    assert Attendance.objects.filter(member=people.secretary).exists()


def test_a_plain_member_cannot_ask_leave_from_a_committee_only_meeting(committee_meeting, people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        request_leave(committee_meeting, people.member, "出差")
    assert not LeaveRequest.objects.exists()


def test_the_secretary_cannot_mark_a_plain_member_at_a_committee_only_meeting(committee_meeting, people):
    from django.core.exceptions import ValidationError

    from branches.services.attendance import mark_attendance

    with pytest.raises(ValidationError, match="仅限支委会"):
        mark_attendance(committee_meeting, people.member, "present", by=people.secretary_user)
    assert mark_attendance(committee_meeting, people.secretary, "present", by=people.secretary_user).pk
