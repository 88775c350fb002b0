import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.factories import MemberFactory, SessionFactory, organisation, session_type
from branches.models import OrganisationKind, SessionStatus
from branches.services.cadence import cadence_periods, cadence_report, window_for

from .conftest import local_dt

pytestmark = pytest.mark.django_db


def hold(branch, slug, *args, status=SessionStatus.HELD, **kwargs):
    start = local_dt(*args)
    return SessionFactory(branch=branch, session_type=session_type(slug), starts_at=start,
                          ends_at=start + dt.timedelta(hours=1), status=status, **kwargs)


def missing(report, branch, slug):
    result = next(b for b in report.branches if b.pk == branch.pk)
    st = session_type(slug)
    return result.missing.get(st.pk, [])


def test_windows_and_periods():
    q4 = window_for("quarter", 2026, 4)
    assert (q4.start, q4.end) == (dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    dec = window_for("month", 2026, 12)
    assert (dec.start, dec.end) == (dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    year = window_for("year", 2026)
    assert [b for b, _ in cadence_periods("quarter", year)] == [1, 2, 3, 4]
    assert [b for b, _ in cadence_periods("month", q4)] == [10, 11, 12]
    with pytest.raises(ValueError):
        window_for("quarter", 2026, 5)


def test_month_boundaries_in_local_time(tree):
    # 23:30 on 31 March (Shanghai) belongs to March, 00:10 on 1 April to April, whatever UTC says.
    hold(tree.a, "theme-day", 2026, 3, 31, 23, 30)
    hold(tree.a, "theme-day", 2026, 5, 1, 0, 10)
    march = cadence_report(tree.a, window_for("month", 2026, 3))
    assert missing(march, tree.a, "theme-day") == []
    april = cadence_report(tree.a, window_for("month", 2026, 4))
    assert missing(april, tree.a, "theme-day") == [4]
    q2 = cadence_report(tree.a, window_for("quarter", 2026, 2))
    assert missing(q2, tree.a, "theme-day") == [4, 6]


def test_quarter_boundary_and_yearly_types_only_in_year_report(tree):
    hold(tree.a, "general-meeting", 2026, 3, 31, 15)
    hold(tree.a, "general-meeting", 2026, 4, 1, 9)
    q1 = cadence_report(tree.a, window_for("quarter", 2026, 1))
    assert missing(q1, tree.a, "general-meeting") == []
    assert session_type("life-meeting").pk not in {st.pk for st in q1.session_types}
    q3 = cadence_report(tree.a, window_for("quarter", 2026, 3))
    assert missing(q3, tree.a, "general-meeting") == [3]
    year = cadence_report(tree.a, window_for("year", 2026))
    assert missing(year, tree.a, "general-meeting") == [3, 4]
    assert missing(year, tree.a, "life-meeting") == [1]


def test_cancelled_do_not_count_and_postponed_count_where_held(tree):
    hold(tree.a, "committee-meeting", 2026, 1, 5, 9, status=SessionStatus.CANCELLED)
    # Planned for February, postponed into March: it counts for March, February is missing.
    postponed = hold(tree.a, "committee-meeting", 2026, 3, 10, 9, status=SessionStatus.POSTPONED)
    postponed.occurrence_start = local_dt(2026, 2, 2, 9)
    postponed.save()
    q1 = cadence_report(tree.a, window_for("quarter", 2026, 1))
    assert missing(q1, tree.a, "committee-meeting") == [1, 2]


def test_branch_created_mid_quarter_owes_nothing_for_that_quarter(tree):
    late = organisation("LATE", parent=tree.street, established_on=dt.date(2026, 2, 15))
    report = cadence_report(tree.street, window_for("quarter", 2026, 1))
    assert missing(report, late, "general-meeting") == []
    assert missing(report, late, "theme-day") == [3]  # March is a full month of its life
    assert missing(report, tree.a, "theme-day") == [1, 2, 3]
    # A branch founded after the window is not in the report at all.
    organisation("FUTURE", parent=tree.street, established_on=dt.date(2026, 5, 1))
    codes = {b.code for b in cadence_report(tree.street, window_for("quarter", 2026, 1)).branches}
    assert "FUTURE" not in codes and "LATE" in codes


def test_group_viewing_of_a_lesson_counts_as_party_lesson(tree):
    day = hold(tree.a, "theme-day", 2026, 2, 13, 14)
    q1 = cadence_report(tree.a, window_for("quarter", 2026, 1))
    assert missing(q1, tree.a, "party-lesson") == [1]
    day.counts_as_party_lesson = True
    day.save()
    q1 = cadence_report(tree.a, window_for("quarter", 2026, 1))
    assert missing(q1, tree.a, "party-lesson") == []
    assert missing(q1, tree.a, "theme-day") == [1, 3]


def test_planned_but_not_held_is_reported_as_unconfirmed(tree):
    hold(tree.a, "theme-day", 2026, 1, 9, 14, status=SessionStatus.PLANNED)
    q1 = cadence_report(tree.a, window_for("quarter", 2026, 1))
    result = q1.branches[0]
    assert result.unconfirmed[session_type("theme-day").pk] == [1]


def test_summary_drills_down_by_child(tree):
    for slug in ("theme-day", "committee-meeting", "group-meeting"):
        hold(tree.a, slug, 2026, 1, 9, 14)
    report = cadence_report(tree.city, window_for("month", 2026, 1))
    rows = {row["organisation"].code: row for row in report.summary(list(tree.city.get_children()))}
    assert rows["C-D1"]["branches"] == 2 and rows["C-D1"]["with_gaps"] == 1
    assert rows["C-D2"]["branches"] == 1 and rows["C-D2"]["with_gaps"] == 1


def test_query_count_does_not_grow_with_branches(tree):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            cadence_report(tree.city, window_for("year", 2026))
        return len(ctx)

    before = queries()
    for i in range(15):
        branch = organisation(f"X{i}", parent=tree.street2, kind=OrganisationKind.GRID_BRANCH)
        MemberFactory(branch=branch)
        hold(branch, "theme-day", 2026, 1 + i % 12, 9, 14)
    assert queries() == before


def test_the_secretary_gives_a_party_lesson_a_year(tree):
    from branches.models import Role
    from branches.services.cadence import SECRETARY_LESSON

    secretary = MemberFactory(branch=tree.a, role=Role.SECRETARY)
    member = MemberFactory(branch=tree.a, role=Role.MEMBER)

    def gap(kind="year", index=1):
        result = next(b for b in cadence_report(tree.a, window_for(kind, 2026, index)).branches if b.pk == tree.a.pk)
        return result.missing.get(SECRETARY_LESSON.pk, [])

    hold(tree.a, "party-lesson", 2026, 3, 6, 14, lecturer=member)
    assert gap() == [1]  # a lesson by another member does not discharge the secretary's
    assert gap("quarter") == []  # and a quarter report does not judge a yearly duty
    hold(tree.a, "party-lesson", 2026, 11, 6, 14, status=SessionStatus.CANCELLED, lecturer=secretary)
    assert gap() == [1]  # cancelled
    viewing = hold(tree.a, "theme-day", 2026, 9, 11, 14, lecturer=secretary)
    assert gap() == [1]  # not a party lesson ...
    viewing.counts_as_party_lesson = True
    viewing.save()
    assert gap() == []  # ... until a lesson is watched in it: a group viewing counts
    report = cadence_report(tree.a, window_for("year", 2026))
    assert ("书记讲党课", ["2026年"]) not in [(st.name, labels) for st, labels in report.missing_labels(report.branches[0])]


def test_secretary_lesson_gap_in_the_report_and_csv(tree, client, make_user):
    from branches.models import Role

    MemberFactory(branch=tree.a, role=Role.SECRETARY)
    admin = make_user("cityadmin", is_superuser=True)
    client.force_login(admin)
    html = client.get("/branches/report/", {"org": tree.a.pk, "period": "year", "year": 2026, "index": 1}).content.decode()
    assert "书记讲党课：2026年" in html
    csv_text = client.get("/branches/report.csv", {"org": tree.a.pk, "period": "year", "year": 2026, "index": 1}).content.decode()
    assert "书记讲党课" in csv_text


def test_lecturer_must_belong_to_the_branch(tree):
    from django.core.exceptions import ValidationError

    outsider = MemberFactory(branch=tree.b)
    session = hold(tree.a, "party-lesson", 2026, 3, 6, 14)
    session.lecturer = outsider
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert "讲课人必须是本支部党员。" in str(error.value)
