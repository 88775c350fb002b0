"""Recurrence rules (RFC 5545 RRULE) for planning a year of organisational life, bounded before
anything is expanded.

Organisational life recurs yearly, monthly or weekly, on days (the start time is a separate field),
so a rule may only use FREQ=YEARLY/MONTHLY/WEEKLY with INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY,
BYDAY, BYSETPOS and WKST, each value range-checked. A rule that passes is expanded lazily and never
past BRANCHES_MAX_SESSIONS_PER_PLAN occurrences, so `FREQ=SECONDLY;COUNT=100000` is refused with a
message instead of tying up a web worker.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from itertools import islice

from dateutil import rrule as du
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

FREQUENCIES = {"YEARLY": du.YEARLY, "MONTHLY": du.MONTHLY, "WEEKLY": du.WEEKLY}
WEEKDAYS = {"MO": du.MO, "TU": du.TU, "WE": du.WE, "TH": du.TH, "FR": du.FR, "SA": du.SA, "SU": du.SU}
PARTS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST")
MAX_INTERVAL = 52
MAX_LIST = 31
BYDAY_PATTERN = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
UNTIL_PATTERN = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")
# A BYDAY ordinal counts weekdays within the month (MONTHLY) or the year (YEARLY without BYMONTH).
MAX_ORDINAL = {du.YEARLY: 53, du.MONTHLY: 5}
# A year's calendar (weekdays and leap days) repeats exactly every 400 years.
CALENDAR_CYCLE = 400


def max_sessions() -> int:
    return settings.BRANCHES_MAX_SESSIONS_PER_PLAN


@dataclass(frozen=True)
class Recurrence:
    freq: int
    interval: int = 1
    count: int | None = None
    until: dt.datetime | None = None  # naive, local time
    bymonth: tuple[int, ...] = ()
    bymonthday: tuple[int, ...] = ()
    byday: tuple = ()
    bysetpos: tuple[int, ...] = ()
    wkst: int | None = None


def _int(name: str, value: str, low: int, high: int) -> int:
    if not re.fullmatch(r"[+-]?\d{1,4}", value) or not low <= int(value) <= high or int(value) == 0:
        raise ValidationError(f"重复规则中 {name} 的取值“{value}”无效，应为 {low} 到 {high} 之间的整数。")
    return int(value)


def _int_list(name: str, value: str, low: int, high: int) -> tuple[int, ...]:
    items = value.split(",")
    if len(items) > MAX_LIST:
        raise ValidationError(f"重复规则中 {name} 最多列出 {MAX_LIST} 个值。")
    return tuple(_int(name, item, low, high) for item in items)


def _until(value: str) -> dt.datetime:
    match = UNTIL_PATTERN.match(value)
    try:
        if match is None:
            raise ValueError
        moment = dt.datetime.strptime(match[1] + (match[2] or "235959"), "%Y%m%d%H%M%S")
    except ValueError:
        raise ValidationError(f"重复规则中 UNTIL 的取值“{value}”无效，应写作 20261231 或 20261231T235959。") from None
    if match[3]:  # UTC
        moment = timezone.localtime(moment.replace(tzinfo=dt.UTC)).replace(tzinfo=None)
    return moment


def _byday(value: str, freq: int) -> tuple:
    items = value.split(",")
    if len(items) > MAX_LIST:
        raise ValidationError(f"重复规则中 BYDAY 最多列出 {MAX_LIST} 个值。")
    days = []
    for item in items:
        match = BYDAY_PATTERN.match(item)
        if match is None:
            raise ValidationError(f"重复规则中 BYDAY 的取值“{item}”无效，应写作 MO、TU……SU，或如 2FR、-1MO。")
        weekday = WEEKDAYS[match[2]]
        if match[1]:
            if freq == du.WEEKLY:
                raise ValidationError("按周重复的规则中，BYDAY 不能带序号（如 2FR）。")
            days.append(weekday(_int("BYDAY", match[1], -MAX_ORDINAL[freq], MAX_ORDINAL[freq])))
        else:
            days.append(weekday)
    return tuple(days)


def parse_rule(text: str) -> Recurrence:
    """The rule, checked part by part; ValidationError with a Chinese message says what is wrong."""
    rule = (text or "").strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:"):]
    if not rule:
        raise ValidationError("请填写重复规则。")
    if not rule.isprintable() or len(rule) > 200:
        raise ValidationError("重复规则只能是一行 RRULE，例如 FREQ=MONTHLY;BYDAY=FR;BYSETPOS=2。")
    parts: dict[str, str] = {}
    for piece in rule.strip(";").split(";"):
        name, sep, value = piece.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not value:
            raise ValidationError(f"重复规则中“{piece}”无效，每一项应写作 名称=值。")
        if name not in PARTS:
            raise ValidationError(
                f"重复规则不支持 {name}。组织生活按日安排（开始时间另填），可用：{'、'.join(PARTS)}。"
            )
        if name in parts:
            raise ValidationError(f"重复规则中 {name} 出现了两次。")
        parts[name] = value
    if parts.get("FREQ") not in FREQUENCIES:
        raise ValidationError("重复规则只支持按年（FREQ=YEARLY）、按月（FREQ=MONTHLY）或按周（FREQ=WEEKLY）重复。")
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValidationError("重复规则中 COUNT 和 UNTIL 只能填一个。")
    freq = FREQUENCIES[parts["FREQ"]]
    wkst = parts.get("WKST")
    if wkst is not None and wkst not in WEEKDAYS:
        raise ValidationError(f"重复规则中 WKST 的取值“{wkst}”无效，应为 MO、TU……SU。")
    return Recurrence(
        freq=freq,
        interval=_int("INTERVAL", parts["INTERVAL"], 1, MAX_INTERVAL) if "INTERVAL" in parts else 1,
        count=_int("COUNT", parts["COUNT"], 1, max_sessions()) if "COUNT" in parts else None,
        until=_until(parts["UNTIL"]) if "UNTIL" in parts else None,
        bymonth=_int_list("BYMONTH", parts["BYMONTH"], 1, 12) if "BYMONTH" in parts else (),
        bymonthday=_int_list("BYMONTHDAY", parts["BYMONTHDAY"], -31, 31) if "BYMONTHDAY" in parts else (),
        byday=_byday(parts["BYDAY"], freq) if "BYDAY" in parts else (),
        bysetpos=_int_list("BYSETPOS", parts["BYSETPOS"], -366, 366) if "BYSETPOS" in parts else (),
        wkst=WEEKDAYS[wkst].weekday if wkst else None,
    )


def validate_rule(text: str) -> None:
    """For model and form fields that store a rule: the same checks as planning."""
    parse_rule(text)


def occurrences(text: str, *, dtstart: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """Occurrences of the rule from `dtstart` up to `until` (inclusive, within one calendar year), in
    dtstart's timezone. ValidationError when the rule is not allowed or gives more than
    BRANCHES_MAX_SESSIONS_PER_PLAN occurrences."""
    recurrence = parse_rule(text)
    tz = dtstart.tzinfo
    start, end = dtstart.replace(tzinfo=None), until.replace(tzinfo=None)
    if start.year != end.year:
        raise ValueError("a plan covers one calendar year")
    if recurrence.until is not None:
        if recurrence.until < start:
            return []
        end = min(end, recurrence.until)
    # dateutil scans on to year 9999 when a rule can never match (FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2
    # has no second Monday in a week): expand in the latest year with the same calendar, so that a
    # scan ends within 400 years, then move the dates back.
    shift = (dt.MAXYEAR - start.year) // CALENDAR_CYCLE * CALENDAR_CYCLE
    rule = du.rrule(
        recurrence.freq,
        dtstart=start.replace(year=start.year + shift),
        # RFC 5545 has COUNT or UNTIL: with a COUNT (at most the cap) the plan's end is applied below.
        until=None if recurrence.count else end.replace(year=end.year + shift),
        interval=recurrence.interval,
        count=recurrence.count,
        wkst=recurrence.wkst,
        bymonth=recurrence.bymonth or None,
        bymonthday=recurrence.bymonthday or None,
        byweekday=recurrence.byday or None,
        bysetpos=recurrence.bysetpos or None,
        cache=False,
    )
    limit = max_sessions()
    moments = list(islice(rule, limit + 1))
    if len(moments) > limit:
        raise ValidationError(f"按此规则一年将安排超过 {limit} 次会议，超出每个计划的上限，请检查规则。")
    moments = [moment.replace(year=moment.year - shift) for moment in moments]
    moments = [moment for moment in moments if moment <= end]
    return [timezone.make_aware(moment, tz) if tz else moment for moment in moments]
