from datetime import UTC, date, datetime, time

from routes.services.hours import SHANGHAI, Closure, WeeklyPeriod, opening_status, weekly_summary

# 2026-11-23 is a Monday.
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
MUSEUM = [WeeklyPeriod(d, time(9), time(16, 30)) for d in (TUE, WED, THU, FRI, SAT, SUN)]


def at(day, hour, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_open_during_the_period_with_closing_time():
    status = opening_status(MUSEUM, [], at(24, 10))  # Tuesday 10:00
    assert status.is_open
    assert status.label == "开放中，16:30 闭馆"


def test_closing_time_is_exclusive_and_next_opening_is_tomorrow():
    status = opening_status(MUSEUM, [], at(24, 16, 30))
    assert not status.is_open
    assert status.label == "未开放，明天 09:00 开放"
    assert status.next_opens_at == at(25, 9)


def test_before_opening_today():
    status = opening_status(MUSEUM, [], at(24, 8, 59))
    assert not status.is_open
    assert status.label == "未开放，今天 09:00 开放"


def test_closed_on_mondays():
    status = opening_status(MUSEUM, [], at(23, 11))  # Monday
    assert not status.is_open
    assert status.label == "今日闭馆（周一例行闭馆），明天 09:00 开放"


def test_sunday_evening_skips_monday():
    status = opening_status(MUSEUM, [], at(29, 18))  # Sunday after closing
    assert status.next_opens_at == datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    assert status.label == "未开放，后天 09:00 开放"


def test_holiday_closure_overrides_the_weekly_schedule():
    closures = [Closure(date(2026, 11, 25), date(2026, 11, 27), "布展")]
    status = opening_status(MUSEUM, closures, at(25, 10))  # Wednesday, normally open
    assert not status.is_open
    assert status.label == "今日闭馆（布展），11月28日（周六） 09:00 开放"


def test_single_day_closure():
    closures = [Closure(date(2026, 11, 24))]
    assert not opening_status(MUSEUM, closures, at(24, 10)).is_open
    assert opening_status(MUSEUM, closures, at(25, 10)).is_open


def test_period_across_midnight_belongs_to_the_day_it_starts():
    night = [WeeklyPeriod(FRI, time(18), time(2))]
    assert opening_status(night, [], at(27, 23)).is_open  # Friday 23:00
    saturday_early = opening_status(night, [], at(28, 1, 30))
    assert saturday_early.is_open
    assert saturday_early.label == "开放中，02:00 闭馆"
    assert not opening_status(night, [], at(28, 2)).is_open
    friday_evening = opening_status(night, [], at(27, 19))
    assert friday_evening.label == "开放中，次日 02:00 闭馆"


def test_closure_on_the_start_day_cancels_the_overnight_period():
    night = [WeeklyPeriod(FRI, time(18), time(2))]
    closures = [Closure(date(2026, 11, 27))]
    assert not opening_status(night, closures, at(28, 1)).is_open


def test_midnight_boundary_of_a_daytime_period():
    day_only = [WeeklyPeriod(d, time(0), time(23, 59)) for d in range(7)]
    assert opening_status(day_only, [], at(24, 0, 0)).is_open
    assert not opening_status(day_only, [], at(24, 23, 59)).is_open


def test_equal_times_mean_open_all_day():
    always = [WeeklyPeriod(d, time(0), time(0)) for d in range(7)]
    status = opening_status(always, [], at(24, 3))
    assert status.is_open and status.label == "开放中（全天开放）"


def test_time_is_evaluated_in_shanghai():
    # 2026-11-24 01:30 UTC is 09:30 in Shanghai on Tuesday: open.
    assert opening_status(MUSEUM, [], datetime(2026, 11, 24, 1, 30, tzinfo=UTC)).is_open
    # 2026-11-23 23:30 UTC is Tuesday 07:30 in Shanghai: not yet open (Monday in UTC).
    status = opening_status(MUSEUM, [], datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    assert status.label == "未开放，今天 09:00 开放"


def test_no_schedule_says_so():
    status = opening_status([], [], at(24, 10))
    assert not status.is_open and not status.has_schedule
    assert "请电话咨询" in status.label


def test_closed_for_the_whole_lookahead():
    closures = [Closure(date(2026, 11, 1), date(2027, 3, 1), "维修")]
    assert opening_status(MUSEUM, closures, at(24, 10)).label == "近 14 天闭馆"


def test_weekly_summary_table():
    rows = weekly_summary(MUSEUM + [WeeklyPeriod(FRI, time(18), time(2))])
    assert rows[0] == ("周一", "闭馆")
    assert rows[1] == ("周二", "09:00–16:30")
    assert rows[4] == ("周五", "09:00–16:30，18:00–次日 02:00")
