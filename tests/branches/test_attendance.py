import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.factories import MemberFactory, SessionFactory, session_type
from branches.models import Attendance, AttendanceStatus, LeaveStatus, Role
from branches.services import attendance

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(tree, people):
    return SessionFactory(branch=tree.a, session_type=session_type("general-meeting"))


def test_quorum_counts_only_voting_members(meeting, people, tree):
    # Voting: secretary, member (the probationary member has no vote) → 2 voting, need 2.
    attendance.mark_attendance(meeting, people.probationary, AttendanceStatus.PRESENT, by=people.secretary_user)
    attendance.mark_attendance(meeting, people.secretary, AttendanceStatus.PRESENT, by=people.secretary_user)
    q = attendance.quorum(meeting)
    assert (q.voting, q.present, q.needed, q.reached) == (2, 1, 2, False)
    attendance.mark_attendance(meeting, people.member, AttendanceStatus.LATE, by=people.secretary_user)
    assert attendance.quorum(meeting).reached
    for _ in range(2):
        MemberFactory(branch=tree.a, role=Role.COMMITTEE_MEMBER)
    q = attendance.quorum(meeting)
    assert (q.voting, q.present, q.reached) == (4, 2, False)  # exactly half is not more than half


def test_manual_marking_stays_in_branch(meeting, people):
    with pytest.raises(ValidationError):
        attendance.mark_attendance(meeting, people.other, AttendanceStatus.PRESENT, by=people.secretary_user)
    with pytest.raises(ValidationError):
        attendance.mark_attendance(meeting, people.member, "sleeping", by=people.secretary_user)
    attendance.mark_attendance(meeting, people.member, AttendanceStatus.ABSENT, by=people.secretary_user)
    attendance.mark_attendance(meeting, people.member, AttendanceStatus.PRESENT, by=people.secretary_user)
    assert Attendance.objects.get(member=people.member).status == AttendanceStatus.PRESENT


def test_leave_request_and_approval(meeting, people):
    with pytest.raises(ValidationError):
        attendance.request_leave(meeting, people.member, "  ")
    leave = attendance.request_leave(meeting, people.member, "出差")
    leave = attendance.request_leave(meeting, people.member, "出差在外地")
    assert leave.reason == "出差在外地" and leave.status == LeaveStatus.PENDING
    attendance.decide_leave(leave, approve=True, by=people.secretary_user)
    assert Attendance.objects.get(member=people.member).status == AttendanceStatus.LEAVE
    with pytest.raises(ValidationError):
        attendance.decide_leave(leave, approve=False, by=people.secretary_user)
    with pytest.raises(ValidationError):
        attendance.request_leave(meeting, people.member, "改主意")


def test_rejected_leave_and_past_sessions(meeting, people):
    leave = attendance.request_leave(meeting, people.probationary, "家中有事")
    attendance.decide_leave(leave, approve=False, by=people.secretary_user)
    assert not Attendance.objects.filter(member=people.probationary).exists()
    past = SessionFactory(branch=meeting.branch, starts_at=timezone.now() - dt.timedelta(days=2),
                          ends_at=timezone.now() - dt.timedelta(days=2, hours=-1))
    with pytest.raises(ValidationError):
        attendance.request_leave(past, people.member, "晚了")


def test_close_session_marks_the_rest_absent(meeting, people):
    attendance.mark_attendance(meeting, people.member, AttendanceStatus.PRESENT, by=people.secretary_user)
    attendance.close_session(meeting, by=people.secretary_user)
    statuses = dict(Attendance.objects.filter(session=meeting).values_list("member__name", "status"))
    assert statuses == {"甲党员": "present", "甲书记": "absent", "甲预备": "absent"}
    meeting.refresh_from_db()
    assert meeting.status == "held"
