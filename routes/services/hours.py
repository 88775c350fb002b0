"""Opening hours: a weekly schedule of periods plus closed dates, evaluated in Asia/Shanghai time.

Rules:
- A period belongs to the day it starts on. `closes` at or before `opens` means it runs past midnight
  into the next day (Fri 18:00–02:00 is open on Saturday at 01:00); opens == closes means 24 hours.
- A weekday without periods is a closed day (e.g. no Monday rows = closed on Mondays).
- A closure (a date or a date range, e.g. a holiday or renovation) cancels every period that starts
  on those dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
LOOKAHEAD_DAYS = 14


@dataclass(frozen=True)
class WeeklyPeriod:
    weekday: int  # 0 = Monday, as date.weekday()
    opens: time
    closes: time

    def interval_on(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, self.opens, tzinfo=SHANGHAI)
        end = datetime.combine(day, self.closes, tzinfo=SHANGHAI)
        if end <= start:
            end += timedelta(days=1)
        return start, end


@dataclass(frozen=True)
class Closure:
    start_date: date
    end_date: date | None = None
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= (self.end_date or self.start_date)


@dataclass(frozen=True)
class OpenStatus:
    is_open: bool
    label: str  # Chinese, e.g. "开放中，17:00 闭馆" / "今日闭馆（周一例行闭馆）"
    closes_at: datetime | None = None
    next_opens_at: datetime | None = None
    has_schedule: bool = True


def _intervals(periods: Sequence[WeeklyPeriod], closures: Sequence[Closure], day: date):
    if any(c.covers(day) for c in closures):
        return []
    return sorted(p.interval_on(day) for p in periods if p.weekday == day.weekday())


def _relative_day(day: date, today: date) -> str:
    delta = (day - today).days
    if delta == 0:
        return "今天"
    if delta == 1:
        return "明天"
    if delta == 2:
        return "后天"
    return f"{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"


def opening_status(
    periods: Iterable[WeeklyPeriod], closures: Iterable[Closure], at: datetime | None = None
) -> OpenStatus:
    periods = list(periods)
    closures = list(closures)
    if not periods:
        return OpenStatus(False, "开放时间未提供，请电话咨询", has_schedule=False)
    now = (at or timezone.now()).astimezone(SHANGHAI)
    today = now.date()
    # Yesterday's periods may still run past midnight.
    for offset in (-1, 0):
        day = today + timedelta(days=offset)
        for start, end in _intervals(periods, closures, day):
            if start <= now < end:
                end_label = end.strftime("%H:%M") if end.date() == today else f"次日 {end:%H:%M}"
                if end - start >= timedelta(days=1):
                    return OpenStatus(True, "开放中（全天开放）", closes_at=end)
                return OpenStatus(True, f"开放中，{end_label} 闭馆", closes_at=end)
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        for start, _end in _intervals(periods, closures, day):
            if start > now:
                closure_today = next((c for c in closures if c.covers(today)), None)
                if closure_today is not None:
                    prefix = f"今日闭馆（{closure_today.reason or '临时闭馆'}）"
                elif not _intervals(periods, closures, today):
                    prefix = f"今日闭馆（{WEEKDAYS[today.weekday()]}例行闭馆）"
                else:
                    prefix = "未开放"
                when = f"{_relative_day(start.date(), today)} {start:%H:%M}"
                return OpenStatus(False, f"{prefix}，{when} 开放", next_opens_at=start)
    return OpenStatus(False, f"近 {LOOKAHEAD_DAYS} 天闭馆")


def weekly_summary(periods: Iterable[WeeklyPeriod]) -> list[tuple[str, str]]:
    """[("周一", "闭馆"), ("周二", "09:00–16:30"), ...] for the page's hours table."""
    by_day: dict[int, list[str]] = {d: [] for d in range(7)}
    for p in sorted(periods, key=lambda p: (p.weekday, p.opens)):
        if p.opens == p.closes:
            text = "全天开放"
        elif p.closes < p.opens:
            text = f"{p.opens:%H:%M}–次日 {p.closes:%H:%M}"
        else:
            text = f"{p.opens:%H:%M}–{p.closes:%H:%M}"
        by_day[p.weekday].append(text)
    return [(WEEKDAYS[d], "，".join(texts) if texts else "闭馆") for d, texts in by_day.items()]
