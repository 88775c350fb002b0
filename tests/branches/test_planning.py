import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from branches.factories import SessionFactory, session_type
from branches.models import Session, SessionStatus
from branches.services import planning
from branches.services.cadence import cadence_report, window_for

from .conftest import local_dt

pytestmark = pytest.mark.django_db


def test_second_friday_of_every_month(tree):
    series = planning.plan_year(branch=tree.a, session_type=session_type("theme-day"), year=2026)
    starts = [s.starts_at for s in series.sessions.order_by("starts_at")]
    assert len(starts) == 12
    assert starts[0] == local_dt(2026, 1, 9, 14, 30)
    assert starts[4] == local_dt(2026, 5, 8, 14, 30)
    assert all(s.weekday() == 4 and 8 <= s.astimezone(starts[0].tzinfo).day <= 14 for s in starts)


def test_quarterly_rule_and_custom_rule(tree):
    meetings = planning.plan_year(branch=tree.a, session_type=session_type("general-meeting"), year=2026)
    assert [s.starts_at.month for s in meetings.sessions.order_by("starts_at")] == [1, 4, 7, 10]
    custom = planning.plan_year(
        branch=tree.a, session_type=session_type("group-meeting"), year=2026,
        rule="FREQ=MONTHLY;BYMONTHDAY=-1", start_time=dt.time(19, 0),
    )
    assert custom.sessions.order_by("starts_at").first().starts_at == local_dt(2026, 1, 31, 19)
    with pytest.raises(ValidationError):
        planning.plan_year(branch=tree.a, session_type=session_type("group-meeting"), year=2026, rule="FREQ=SOMETIMES")
    with pytest.raises(ValidationError):
        planning.plan_year(branch=tree.street, session_type=session_type("group-meeting"), year=2026)


def test_exceptions_survive_replanning(tree):
    theme_day = session_type("theme-day")
    series = planning.plan_year(branch=tree.a, session_type=theme_day, year=2026)
    sessions = list(series.sessions.order_by("starts_at"))
    planning.cancel_session(sessions[1])  # February cancelled
    planning.move_session(sessions[2], starts_at=local_dt(2026, 3, 20, 9))  # March moved
    planning.postpone_session(sessions[3], starts_at=local_dt(2026, 5, 2, 9))  # April postponed into May
    planning.plan_year(branch=tree.a, session_type=theme_day, year=2026)  # run again: nothing new
    assert Session.objects.filter(series=series).count() == 12
    sessions = list(series.sessions.order_by("occurrence_start"))
    assert sessions[1].status == SessionStatus.CANCELLED
    assert sessions[2].starts_at == local_dt(2026, 3, 20, 9)
    assert sessions[2].ends_at - sessions[2].starts_at == dt.timedelta(minutes=theme_day.default_duration_minutes)
    assert sessions[3].status == SessionStatus.POSTPONED
    report = cadence_report(tree.a, window_for("year", 2026))
    assert report.branches[0].missing[theme_day.pk] == [2, 4]
    with pytest.raises(ValidationError):
        planning.postpone_session(sessions[4], starts_at=local_dt(2026, 1, 1, 9))
    with pytest.raises(ValidationError):
        planning.move_session(sessions[1], starts_at=local_dt(2026, 2, 20, 9))


def test_clash_warnings(tree, people):
    start = local_dt(2026, 6, 1, 9)
    first = SessionFactory(branch=tree.a, starts_at=start, ends_at=start + dt.timedelta(hours=2), place="会议室",
                           organiser=people.secretary)
    other_branch = SessionFactory(branch=tree.b, starts_at=start + dt.timedelta(hours=1),
                                  ends_at=start + dt.timedelta(hours=3), place="会议室")
    same_branch = SessionFactory(branch=tree.a, session_type=session_type("group-meeting"),
                                 starts_at=start + dt.timedelta(minutes=30), ends_at=start + dt.timedelta(hours=1),
                                 place="活动室", organiser=people.secretary)
    kinds = {(c.kind, c.session.pk) for c in planning.find_clashes(first)}
    assert ("place", other_branch.pk) in kinds
    assert ("organiser", same_branch.pk) in kinds
    assert ("members", same_branch.pk) in kinds
    assert ("members", other_branch.pk) not in kinds
    planning.cancel_session(same_branch)
    assert {c.session.pk for c in planning.find_clashes(first)} == {other_branch.pk}
