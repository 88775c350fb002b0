import datetime as dt

import pytest
from django.core import signing

from branches.factories import SessionFactory
from branches.models import Attendance, AttendanceStatus
from branches.services.attendance import SignInRefused, make_qr_token, read_qr_token, sign_in_with_token

from .conftest import local_dt

pytestmark = pytest.mark.django_db
START = local_dt(2026, 6, 12, 14, 30)


@pytest.fixture
def session(tree, people):
    return SessionFactory(branch=tree.a, starts_at=START, ends_at=START + dt.timedelta(hours=2))


def test_token_rotates_and_expires(session, settings):
    settings.BRANCHES_QR_PERIOD, settings.BRANCHES_QR_MAX_AGE = 30, 60
    token = make_qr_token(session, now=START)
    assert make_qr_token(session, now=START + dt.timedelta(seconds=29)) == token
    assert make_qr_token(session, now=START + dt.timedelta(seconds=31)) != token
    assert read_qr_token(token, now=START + dt.timedelta(seconds=59)) == session.pk
    with pytest.raises(SignInRefused, match="过期"):
        read_qr_token(token, now=START + dt.timedelta(seconds=61))
    with pytest.raises(SignInRefused, match="无效"):
        read_qr_token(token[:-2] + "xx", now=START)
    forged = signing.dumps({"s": session.pk, "t": int(START.timestamp())}, salt="another-salt")
    with pytest.raises(SignInRefused):
        read_qr_token(forged, now=START)


def test_sign_in_once_however_often_scanned(session, people):
    token = make_qr_token(session, now=START)
    first = sign_in_with_token(people.member_user, token, now=START + dt.timedelta(seconds=5))
    assert first.created and first.attendance.status == AttendanceStatus.PRESENT
    again = sign_in_with_token(people.member_user, token, now=START + dt.timedelta(seconds=10))
    later_token = make_qr_token(session, now=START + dt.timedelta(minutes=20))
    third = sign_in_with_token(people.member_user, later_token, now=START + dt.timedelta(minutes=20))
    assert not again.created and not third.created
    assert Attendance.objects.filter(session=session, member=people.member).count() == 1
    assert third.attendance.signed_in_at == START + dt.timedelta(seconds=5)


def test_replayed_old_token_is_refused(session, people):
    token = make_qr_token(session, now=START)
    with pytest.raises(SignInRefused, match="过期"):
        sign_in_with_token(people.member_user, token, now=START + dt.timedelta(minutes=10))
    assert not Attendance.objects.exists()


def test_wrong_branch_and_non_members_refused(session, people):
    token = make_qr_token(session, now=START)
    for user in (people.other_user, people.outsider, people.dept_user):
        with pytest.raises(SignInRefused, match="不是本支部党员"):
            sign_in_with_token(user, token, now=START)
    assert not Attendance.objects.exists()


def test_outside_the_session_window(session, people):
    early = START - dt.timedelta(minutes=31)
    with pytest.raises(SignInRefused, match="不在签到时间"):
        sign_in_with_token(people.member_user, make_qr_token(session, now=early), now=early)
    after = session.ends_at + dt.timedelta(minutes=1)
    with pytest.raises(SignInRefused, match="不在签到时间"):
        sign_in_with_token(people.member_user, make_qr_token(session, now=after), now=after)
    session.status = "cancelled"
    session.save()
    with pytest.raises(SignInRefused, match="不在签到时间"):
        sign_in_with_token(people.member_user, make_qr_token(session, now=START), now=START)


def test_late_and_coming_despite_leave(session, people, settings):
    settings.BRANCHES_LATE_AFTER_MINUTES = 10
    Attendance.objects.create(session=session, member=people.member, status=AttendanceStatus.LEAVE, method="manual")
    late = START + dt.timedelta(minutes=15)
    result = sign_in_with_token(people.member_user, make_qr_token(session, now=late), now=late)
    assert result.attendance.status == AttendanceStatus.LATE and result.attendance.method == "qr"
