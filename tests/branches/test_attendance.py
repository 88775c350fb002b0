import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
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


# --- Group viewing (集体学习): attendance at a session that watched lessons together ---------


@pytest.fixture
def watched_lesson(home_page):
    from lessons.factories import LessonIndexPageFactory, LessonPageFactory
    from media.factories import RecordingFactory

    index = LessonIndexPageFactory(parent=home_page)
    lesson = LessonPageFactory(parent=index, title="集体观看：初心使命", recording=RecordingFactory(duration=2700))
    lesson.save_revision().publish()
    return lesson


@pytest.fixture
def viewing(tree, people, watched_lesson):
    from branches.models import SessionLesson

    session = SessionFactory(branch=tree.a, session_type=session_type("theme-day"), topic="主题党日：集体观看党课")
    SessionLesson.objects.create(session=session, lesson=watched_lesson, sort_order=0)
    return session


def _mark(client, session, member, status):
    url = reverse("branches:mark_attendance", kwargs={"pk": session.pk})
    response = client.post(url, {"member": member.pk, "status": status})
    assert response.status_code == 302


def _group_row(user, lesson):
    from lessons.models import LessonProgress

    return LessonProgress.objects.filter(user=user, lesson=lesson, group_credited_at__isnull=False).first()


def test_members_marked_present_get_the_lesson_as_group_study(client, viewing, people, tree, watched_lesson, make_user):
    absent_user = make_user("mem_absent", role="党员")
    absent = MemberFactory(branch=tree.a, role=Role.MEMBER, user=absent_user, name="甲缺席")
    leave = attendance.request_leave(viewing, people.secretary, "出差")
    client.force_login(people.secretary_user)
    for _ in range(2):  # taking attendance again credits once
        _mark(client, viewing, people.member, AttendanceStatus.PRESENT)
    _mark(client, viewing, absent, AttendanceStatus.ABSENT)
    url = reverse("branches:leave_decide", kwargs={"pk": leave.pk, "decision": "approve"})
    assert client.post(url).status_code == 302

    row = _group_row(people.member_user, watched_lesson)
    assert row is not None and row.group_seconds == 2700 and row.is_completed
    assert row.group_credited_at == viewing.starts_at
    assert _group_row(absent_user, watched_lesson) is None
    assert _group_row(people.secretary_user, watched_lesson) is None  # approved leave

    detail = client.get(reverse("branches:session_detail", kwargs={"pk": viewing.pk})).content.decode()
    assert "计入本人的“集体学习”" in detail

    client.force_login(people.member_user)
    page = client.get(reverse("lessons:my_learning"))
    html = page.content.decode()
    assert f'data-group-lesson="{watched_lesson.pk}"' in html and "集体学习" in html
    assert [r.lesson_id for r in page.context["record"].group_viewed] == [watched_lesson.pk]
    client.force_login(absent_user)
    assert client.get(reverse("lessons:my_learning")).context["record"].group_viewed == []


def test_changing_a_present_mark_to_absent_takes_the_credit_back(client, viewing, people, watched_lesson):
    client.force_login(people.secretary_user)
    _mark(client, viewing, people.member, AttendanceStatus.LATE)  # late still attended
    assert _group_row(people.member_user, watched_lesson) is not None
    _mark(client, viewing, people.member, AttendanceStatus.ABSENT)
    assert _group_row(people.member_user, watched_lesson) is None


def test_qr_sign_in_credits_the_member(viewing, people, watched_lesson):
    now = viewing.starts_at + dt.timedelta(minutes=1)
    attendance.sign_in_with_token(people.member_user, attendance.make_qr_token(viewing, now=now), now=now)
    assert _group_row(people.member_user, watched_lesson) is not None


def test_cancelling_the_session_takes_the_credit_back(client, viewing, people, watched_lesson):
    attendance.mark_attendance(viewing, people.member, AttendanceStatus.PRESENT, by=people.secretary_user)
    client.force_login(people.secretary_user)
    response = client.post(reverse("branches:session_action", kwargs={"pk": viewing.pk, "action": "cancel"}))
    assert response.status_code == 302
    assert _group_row(people.member_user, watched_lesson) is None


def test_two_sessions_showing_one_lesson_count_it_once(viewing, people, tree, watched_lesson):
    from branches.models import SessionLesson

    again = SessionFactory(branch=tree.a, session_type=session_type("theme-day"))
    SessionLesson.objects.create(session=again, lesson=watched_lesson, sort_order=0)
    for session in (viewing, again):
        attendance.mark_attendance(session, people.member, AttendanceStatus.PRESENT, by=people.secretary_user)
    row = _group_row(people.member_user, watched_lesson)
    assert row.group_seconds == 2700 and sum(row.seconds_by_year.values()) == 2700
    attendance.mark_attendance(viewing, people.member, AttendanceStatus.ABSENT, by=people.secretary_user)
    assert _group_row(people.member_user, watched_lesson).group_seconds == 2700  # the other session still counts


def test_dropping_the_lesson_from_the_session_takes_the_credit_back(client, viewing, people, watched_lesson):
    attendance.mark_attendance(viewing, people.member, AttendanceStatus.PRESENT, by=people.secretary_user)
    client.force_login(people.secretary_user)
    starts = timezone.localtime(viewing.starts_at)
    form = {
        "session_type": viewing.session_type_id, "topic": viewing.topic, "place": "活动室",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    }
    url = reverse("branches:session_edit", kwargs={"pk": viewing.pk})
    assert client.post(url, {**form, "lessons": [watched_lesson.pk]}).status_code == 302
    assert _group_row(people.member_user, watched_lesson) is not None
    assert client.post(url, form).status_code == 302
    assert _group_row(people.member_user, watched_lesson) is None


def test_deleting_the_session_takes_the_credit_back(viewing, people, watched_lesson, django_capture_on_commit_callbacks):
    attendance.mark_attendance(viewing, people.member, AttendanceStatus.PRESENT, by=people.secretary_user)
    assert _group_row(people.member_user, watched_lesson) is not None
    with django_capture_on_commit_callbacks(execute=True):
        viewing.delete()
    assert _group_row(people.member_user, watched_lesson) is None
