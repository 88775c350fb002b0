"""Recurrence rules are bounded before anything is expanded (#15, #19): yearly, monthly and weekly
only, every part range-checked, at most BRANCHES_MAX_SESSIONS_PER_PLAN sessions per plan."""

import datetime as dt

import pytest
from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.factories import session_type
from branches.models import Session, SessionType
from branches.services import recurrence

from .conftest import local_dt

RULES = [
    "FREQ=MONTHLY;BYMONTH=1,4,7,10;BYDAY=TU;BYSETPOS=3",
    "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1",
    "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=2",
    "FREQ=YEARLY;BYMONTH=12;BYDAY=TH;BYSETPOS=3",
    "FREQ=MONTHLY;BYMONTHDAY=-1",
    "FREQ=WEEKLY;BYDAY=MO",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;WKST=SU",
    "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR",
    "FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=1",
    "FREQ=YEARLY;BYDAY=20MO",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=MONTHLY;COUNT=3",
    "FREQ=MONTHLY;UNTIL=20260630",
    "RRULE:freq=monthly;byday=2fr",
]


@pytest.mark.parametrize("year", [2026, 2028])
@pytest.mark.parametrize("rule", RULES)
def test_occurrences_match_dateutil_for_the_rules_organisational_life_uses(rule, year):
    start, end = local_dt(year, 1, 1, 15), local_dt(year, 12, 31, 23, 59)
    expected = rrulestr(rule.upper().removeprefix("RRULE:"), dtstart=start.replace(tzinfo=None)).between(
        start.replace(tzinfo=None), end.replace(tzinfo=None), inc=True
    )
    got = recurrence.occurrences(rule, dtstart=start, until=end)
    assert [moment.replace(tzinfo=None) for moment in got] == expected
    assert all(moment.tzinfo is not None for moment in got)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=SECONDLY;COUNT=100000", "只支持按年"),
        ("FREQ=HOURLY", "只支持按年"),
        ("FREQ=DAILY", "只支持按年"),
        ("BYDAY=MO", "只支持按年"),
        ("FREQ=WEEKLY;BYHOUR=1,2,3", "不支持 BYHOUR"),
        ("FREQ=WEEKLY;BYEASTER=0", "不支持 BYEASTER"),
        ("FREQ=MONTHLY;COUNT=0", "COUNT"),
        ("FREQ=MONTHLY;COUNT=100000", "COUNT"),
        ("FREQ=MONTHLY;INTERVAL=0", "INTERVAL"),
        ("FREQ=YEARLY;INTERVAL=999999999", "INTERVAL"),
        ("FREQ=MONTHLY;BYMONTH=13", "BYMONTH"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=" + ",".join(["1"] * 40), "最多列出"),
        ("FREQ=MONTHLY;BYDAY=9FR", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=2FR", "不能带序号"),
        ("FREQ=MONTHLY;BYDAY=XX", "BYDAY"),
        ("FREQ=MONTHLY;BYSETPOS=999", "BYSETPOS"),
        ("FREQ=MONTHLY;UNTIL=tomorrow", "UNTIL"),
        ("FREQ=MONTHLY;UNTIL=20261331", "UNTIL"),
        ("FREQ=MONTHLY;COUNT=3;UNTIL=20261231", "只能填一个"),
        ("FREQ=MONTHLY;FREQ=WEEKLY", "出现了两次"),
        ("FREQ=MONTHLY;WKST=XX", "WKST"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=SECONDLY", "一行"),
        ("FREQ=MONTHLY;BYDAY", "名称=值"),
        ("", "请填写"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "超过 60 次"),
    ],
)
def test_rules_outside_organisational_life_are_refused_with_a_reason(rule, message):
    with pytest.raises(ValidationError) as refused:
        recurrence.occurrences(rule, dtstart=local_dt(2026, 1, 1, 15), until=local_dt(2026, 12, 31, 23, 59))
    assert message in refused.value.messages[0]


def test_the_rule_is_checked_before_anything_is_expanded(monkeypatch):
    def expanding(*args, **kwargs):
        raise AssertionError("expanded a rule that should have been refused")

    monkeypatch.setattr(recurrence.du, "rrule", expanding)
    with pytest.raises(ValidationError):
        recurrence.occurrences("FREQ=SECONDLY;COUNT=100000", dtstart=local_dt(2026, 1, 1), until=local_dt(2026, 12, 31))


def test_a_rule_that_can_never_match_gives_nothing():
    # dateutil alone scans on to the year 9999 looking for a second Monday in a week.
    start, end = local_dt(2026, 1, 1, 15), local_dt(2026, 12, 31, 23, 59)
    assert recurrence.occurrences("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2", dtstart=start, until=end) == []
    assert recurrence.occurrences("FREQ=MONTHLY;UNTIL=20251231", dtstart=start, until=end) == []


def test_the_cap_is_a_setting(settings):
    settings.BRANCHES_MAX_SESSIONS_PER_PLAN = 11
    with pytest.raises(ValidationError, match="超过 11 次"):
        recurrence.occurrences("FREQ=MONTHLY", dtstart=local_dt(2026, 1, 1), until=local_dt(2026, 12, 31))


@pytest.mark.django_db
@pytest.mark.parametrize("rule", ["FREQ=SECONDLY;COUNT=100000", "FREQ=HOURLY", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"])
def test_plan_year_refuses_the_rule_and_keeps_what_was_typed(client, people, tree, rule):
    client.force_login(people.secretary_user)
    theme_day = session_type("theme-day")
    response = client.post(reverse("branches:plan_year"), {
        "session_type": theme_day.pk, "year": 2026, "rule": rule, "start_time": "09:30", "place": "党员活动室",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and ("只支持按年" in html or "超过 60 次" in html)
    assert f'value="{rule}"' in html and 'value="党员活动室"' in html and 'value="09:30"' in html
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_a_session_type_default_rule_is_checked_the_same_way():
    kind = SessionType(name="每小时会", slug="hourly", cadence="month", default_rrule="FREQ=HOURLY")
    with pytest.raises(ValidationError) as refused:
        kind.full_clean()
    assert "只支持按年" in refused.value.message_dict["default_rrule"][0]
    kind.default_rrule = "FREQ=MONTHLY;BYDAY=FR;BYSETPOS=2"
    kind.full_clean()


def test_a_leap_day_until_stays_a_leap_day():
    got = recurrence.occurrences(
        "FREQ=WEEKLY;BYDAY=TH;UNTIL=20280229", dtstart=local_dt(2028, 1, 1, 15), until=local_dt(2028, 12, 31, 23, 59)
    )
    assert got[-1].date() == dt.date(2028, 2, 24) and len(got) == 8
