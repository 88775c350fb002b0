"""The cadence checker: for a month, quarter or year and any subtree, which branches miss which
required sessions.

The report runs a fixed number of aggregate queries whatever the number of branches: one for the
branches, one for the session types, one grouping the sessions by (branch, type, period). Cancelled
sessions do not count; a postponed session counts in the period in which it is (re)scheduled, since
its start moves with it. A branch established during a cadence period owes nothing for that period.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, ExtractMonth, Power
from django.utils import timezone

from tabular.exports import Table

from ..models import Cadence, Organisation, Session, SessionStatus, SessionType
from ..models.organisations import SESSION_HOLDING_KINDS, Role

PERIOD_KINDS = ("month", "quarter", "year")
# Which cadences a report period can judge: a yearly duty is not missed in March.
CHECKED_CADENCES = {
    "month": (Cadence.MONTH,),
    "quarter": (Cadence.MONTH, Cadence.QUARTER),
    "year": (Cadence.MONTH, Cadence.QUARTER, Cadence.YEAR),
}


@dataclass(frozen=True)
class Window:
    kind: str
    year: int
    index: int  # month 1-12, quarter 1-4, or 1 for the year
    start: dt.date
    end: dt.date  # exclusive

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}年{self.index}月"
        if self.kind == "quarter":
            return f"{self.year}年第{self.index}季度"
        return f"{self.year}年"


def window_for(kind: str, year: int, index: int = 1) -> Window:
    if kind == "month":
        if not 1 <= index <= 12:
            raise ValueError("月份应为 1-12")
        start = dt.date(year, index, 1)
        end = dt.date(year + (index == 12), index % 12 + 1, 1)
    elif kind == "quarter":
        if not 1 <= index <= 4:
            raise ValueError("季度应为 1-4")
        start = dt.date(year, 3 * index - 2, 1)
        end = dt.date(year + (index == 4), (3 * index) % 12 + 1, 1)
    elif kind == "year":
        index = 1
        start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    else:
        raise ValueError(f"unknown period kind {kind!r}")
    return Window(kind, year, index, start, end)


def current_window(kind: str, today: dt.date | None = None) -> Window:
    today = today or timezone.localdate()
    index = {"month": today.month, "quarter": (today.month - 1) // 3 + 1, "year": 1}[kind]
    return window_for(kind, today.year, index)


def cadence_periods(cadence: str, window: Window) -> list[tuple[int, dt.date]]:
    """(bucket, first day) of each cadence period inside the window; bucket is the month or quarter number."""
    if cadence == Cadence.YEAR:
        return [(1, window.start)]
    months = []
    day = window.start
    while day < window.end:
        months.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    if cadence == Cadence.MONTH:
        return [(day.month, day) for day in months]
    return [((day.month - 1) // 3 + 1, day) for day in months if day.month % 3 == 1]


def _months_mask(cadence: str, bucket: int) -> int:
    if cadence == Cadence.MONTH:
        months = [bucket]
    elif cadence == Cadence.QUARTER:
        months = range(3 * bucket - 2, 3 * bucket + 1)
    else:
        months = range(1, 13)
    return sum(1 << m for m in months)


def period_label(cadence: str, year: int, bucket: int) -> str:
    if cadence == Cadence.MONTH:
        return f"{bucket}月"
    if cadence == Cadence.QUARTER:
        return f"第{bucket}季度"
    return f"{year}年"


@dataclass(frozen=True)
class SecretaryLesson:
    """The yearly duty beside the session types: the secretary gives at least one party lesson a year
    (a party-lesson session, or a group viewing, with the secretary as its lecturer). It stands in the
    report's list of session types, so every view, column and export shows it like one."""

    pk: str = "secretary-lesson"
    name: str = "书记讲党课"
    cadence: str = Cadence.YEAR
    is_party_lesson: bool = False


SECRETARY_LESSON = SecretaryLesson()


@dataclass
class BranchResult:
    pk: int
    path: str
    name: str
    code: str
    established_on: dt.date
    # session type pk (or SECRETARY_LESSON.pk) -> buckets with no active session
    missing: dict[int | str, list[int]] = field(default_factory=dict)
    # session type pk -> buckets with sessions planned but none held yet
    unconfirmed: dict[int, list[int]] = field(default_factory=dict)

    @property
    def has_gaps(self) -> bool:
        return bool(self.missing)

    @property
    def missing_count(self) -> int:
        return sum(len(buckets) for buckets in self.missing.values())


@dataclass
class CadenceReport:
    root: Organisation
    window: Window
    session_types: list[SessionType | SecretaryLesson]
    branches: list[BranchResult]

    @property
    def branches_with_gaps(self) -> list[BranchResult]:
        return [branch for branch in self.branches if branch.has_gaps]

    def missing_labels(self, branch: BranchResult) -> list[tuple[SessionType, list[str]]]:
        return [
            (st, [period_label(st.cadence, self.window.year, b) for b in branch.missing[st.pk]])
            for st in self.session_types
            if st.pk in branch.missing
        ]

    def gaps_table(self) -> Table:
        """The branches with gaps, one row per (branch, session type), for the CSV export."""
        types = {st.pk: st for st in self.session_types}
        rows = []
        for branch in self.branches_with_gaps:
            for type_pk, buckets in branch.missing.items():
                st = types[type_pk]
                labels = "、".join(period_label(st.cadence, self.window.year, b) for b in buckets)
                rows.append([branch.code, branch.name, st.name, labels, len(buckets), self.window.label])
        return Table(["组织代码", "支部", "会议类型", "缺少的周期", "缺少次数", "统计周期"], rows)

    def summary(self, children: list[Organisation]) -> list[dict]:
        """One row per child organisation (drill-down), aggregated from the branch results."""
        by_path = {child.path: child for child in children}
        step = len(self.root.path) + Organisation.steplen
        rows = {
            child.path: {"organisation": child, "branches": 0, "with_gaps": 0, "missing": defaultdict(int)}
            for child in children
        }
        for branch in self.branches:
            prefix = branch.path[:step]
            if prefix not in by_path:
                continue
            row = rows[prefix]
            row["branches"] += 1
            if branch.has_gaps:
                row["with_gaps"] += 1
                for type_pk, buckets in branch.missing.items():
                    row["missing"][type_pk] += len(buckets)
        result = []
        for child in children:
            row = rows[child.path]
            row["missing_by_type"] = [row["missing"].get(st.pk, 0) for st in self.session_types]
            result.append(row)
        return result


def _bit_or(expression):
    """BIT_OR where the database has it (PostgreSQL: no sort per group); elsewhere SUM(DISTINCT 2^m),
    which is the same number because each bit is a distinct power of two."""
    if connection.vendor == "postgresql":
        from django.contrib.postgres.aggregates import BitOr

        return BitOr(expression)
    return Sum(expression, distinct=True)


def cadence_report(root: Organisation, window: Window) -> CadenceReport:
    session_types = list(SessionType.objects.filter(required=True, cadence__in=CHECKED_CADENCES[window.kind]))
    lesson_types = {st.pk for st in session_types if st.is_party_lesson}
    branch_rows = Organisation.objects.filter(
        path__startswith=root.path,
        kind__in=SESSION_HOLDING_KINDS,
        is_active=True,
        established_on__lt=window.end,
    ).values_list("pk", "path", "name", "code", "established_on")
    branches = {row[0]: BranchResult(*row) for row in branch_rows}

    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(window.start, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(window.end, dt.time.min), tz)
    sessions = Session.objects.filter(starts_at__gte=start, starts_at__lt=end).exclude(
        status=SessionStatus.CANCELLED
    )
    if root.holds_sessions:
        sessions = sessions.filter(branch_id=root.pk)
    elif root.depth > 1:
        sessions = sessions.filter(branch__path__startswith=root.path)
    # A group viewing of a lesson counts as the party lesson, whatever the session's own type.
    type_filter = Q(session_type_id__in=[st.pk for st in session_types])
    lesson_type = min(lesson_types) if lesson_types else None
    if lesson_type:
        type_filter |= Q(counts_as_party_lesson=True)
    # One row per (branch, type, lesson flag) with the months covered as a bit mask: SUM(DISTINCT 2^month)
    # is the OR of the months (portable, unlike BIT_OR), so Python never sees one row per session.
    month_bit = Cast(Power(Value(2), ExtractMonth("starts_at", tzinfo=tz)), IntegerField())
    held_bit = Case(When(status=SessionStatus.HELD, then=month_bit), default=Value(0))
    # The same for the sessions the secretary lectured, in the same rows (a join, not another query).
    secretary_bit = Case(When(lecturer__role=Role.SECRETARY, then=month_bit), default=Value(0))
    secretary_held_bit = Case(
        When(lecturer__role=Role.SECRETARY, status=SessionStatus.HELD, then=month_bit), default=Value(0)
    )
    rows = (
        sessions.filter(type_filter)
        .values_list("branch_id", "session_type_id", "counts_as_party_lesson")
        .annotate(
            months=_bit_or(month_bit),
            held=_bit_or(held_bit),
            secretary_months=_bit_or(secretary_bit),
            secretary_held=_bit_or(secretary_held_bit),
        )
        .order_by()
    )
    # (months covered, months held) per (branch, type), OR-ed over the rows.
    covered: dict[tuple[int, int | str], tuple[int, int]] = {}
    type_pks = {st.pk for st in session_types}
    checks_secretary = window.kind == "year" and lesson_type is not None
    if checks_secretary:
        session_types.append(SECRETARY_LESSON)
    for branch_id, type_id, as_lesson, month_bits, held_bits, secretary_bits, secretary_held in rows:
        months, held_months = int(month_bits), int(held_bits or 0)
        keys = (type_id,) if type_id in type_pks else ()
        if as_lesson and lesson_type and lesson_type != type_id:
            keys += (lesson_type,)
        found = [(key, months, held_months) for key in keys]
        if checks_secretary and int(secretary_bits or 0) and (as_lesson or type_id == lesson_type):
            found.append((SECRETARY_LESSON.pk, int(secretary_bits), int(secretary_held or 0)))
        for key, key_months, key_held in found:
            old = covered.get((branch_id, key))
            covered[(branch_id, key)] = (old[0] | key_months, old[1] | key_held) if old else (key_months, key_held)

    periods = {
        st.pk: [
            (bucket, _months_mask(st.cadence, bucket), day)
            for bucket, day in cadence_periods(st.cadence, window)
        ]
        for st in session_types
    }
    period_starts = {pk: [day for _, _, day in plist] for pk, plist in periods.items()}
    window_start = window.start
    for branch in branches.values():
        for st_pk, plist in periods.items():
            # Periods that began before the branch existed are not owed (bisect: first period starting on/after).
            if branch.established_on > window_start:
                plist = plist[bisect_left(period_starts[st_pk], branch.established_on) :]
            months, held_months = covered.get((branch.pk, st_pk), (0, 0))
            missing = [b for b, mask, _ in plist if not months & mask]
            if missing:
                branch.missing[st_pk] = missing
            if months != held_months:
                unconfirmed = [b for b, mask, _ in plist if months & mask and not held_months & mask]
                if unconfirmed:
                    branch.unconfirmed[st_pk] = unconfirmed
    ordered = sorted(branches.values(), key=lambda b: b.path)
    return CadenceReport(root=root, window=window, session_types=session_types, branches=ordered)
