"""Study assignments (学习任务): who may assign to which organisations, who an assignment counts,
completion rates down the tree, a branch's per-member view, a member's own open assignments, and the
reminders before the due date.

Who counts: the members of the assignment's subtree on its due date. Until the due date has passed
that is the live roll; the first periodic run after the due date writes the roll of that day to
AssignmentMember (`freeze_due_rosters`), so a member who moves branch later stays counted where they
were, with their own record (progress is per user, not per branch).

Every figure is aggregated in SQL: one query per report, whatever the size of the subtree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Case, Count, F, Q, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from lessons.models import LessonPage, LessonProgress
from lessons.services.completion import finished_q

from ..models import (
    Assignment,
    AssignmentMember,
    AssignmentReminder,
    AssignmentReminderKind,
    Member,
    Organisation,
    OrganisationKind,
)
from . import scope

STEP = Organisation.steplen


# --- who may assign and see --------------------------------------------------------------------


def ancestor_paths(path: str) -> list[str]:
    """The paths of an organisation and all its ancestors."""
    return [path[:end] for end in range(STEP, len(path) + 1, STEP)]


def assignable_organisations(user):
    """Organisations this user may assign to: a department its subtrees, a secretary their branch."""
    qs = Organisation.objects.filter(is_active=True)
    if user.is_superuser:
        return qs
    q = scope.managed_subtrees_q(user)
    branch = scope.secretary_branch(user)
    if branch is not None:
        q |= Q(pk=branch.pk)
    return qs.filter(q)


def may_assign(user) -> bool:
    return user.is_superuser or bool(scope.managed_paths(user)) or scope.secretary_branch(user) is not None


def can_assign_to(user, organisation: Organisation) -> bool:
    if user.is_superuser:
        return True
    if any(organisation.path.startswith(path) for path in scope.managed_paths(user)):
        return True
    branch = scope.secretary_branch(user)
    return branch is not None and branch.pk == organisation.pk


def can_edit(user, assignment: Assignment) -> bool:
    return can_assign_to(user, assignment.organisation)


def report_scopes(user) -> list[Organisation]:
    """The organisations whose part of an assignment this user may see: departments their managed
    organisations, a secretary their branch."""
    roots = list(Organisation.objects.filter(managers__user=user).order_by("path"))
    branch = scope.secretary_branch(user)
    if branch is not None and not any(branch.path.startswith(root.path) for root in roots):
        roots.append(branch)
    return roots


def visible_assignments(user):
    """Assignments reaching into the user's scope: given to one of their organisations' ancestors
    (a city assignment seen by a district) or to an organisation inside their subtree."""
    qs = Assignment.objects.select_related("organisation")
    if user.is_superuser:
        return qs
    q = Q(pk__in=[])
    for root in report_scopes(user):
        q |= Q(organisation__path__in=ancestor_paths(root.path)) | Q(organisation__path__startswith=root.path)
    return qs.filter(q)


def report_root(
    user, assignment: Assignment, organisation: Organisation | None = None
) -> Organisation | None:
    """The organisation to report on: the one asked for if the user may see it inside the
    assignment's subtree, else the deepest organisation both cover. None: not theirs to see."""
    target = assignment.organisation
    if organisation is not None:
        if not organisation.path.startswith(target.path):
            return None
        return organisation if scope.can_report_on(user, organisation) else None
    if user.is_superuser:
        return target
    for root in report_scopes(user):
        if target.path.startswith(root.path):
            return target
        if root.path.startswith(target.path):
            return root
    return None


def may_see_members(user, organisation: Organisation) -> bool:
    """Per-member lists only at branch level, and only for that branch's secretary."""
    return organisation.holds_sessions and scope.can_manage_branch(user, organisation)


# --- what an assignment asks -------------------------------------------------------------------


def create_assignment(*, lessons, created_by=None, **fields) -> Assignment:
    assignment = Assignment(created_by=created_by, **fields)
    assignment.full_clean()
    with transaction.atomic():
        assignment.save()
        assignment.lessons.set(lessons)
        include_series(assignment)
    return assignment


def update_assignment(assignment: Assignment, *, lessons, **fields) -> Assignment:
    """Change an assignment. Once its roster is frozen the organisation stays: the roster is its subtree's."""
    if (
        is_frozen(assignment)
        and fields.get("organisation", assignment.organisation) != assignment.organisation
    ):
        raise ValidationError({"organisation": "任务已截止并按截止日名单统计，不能再更改下达范围。"})
    for name, value in fields.items():
        setattr(assignment, name, value)
    assignment.full_clean()
    with transaction.atomic():
        assignment.save()
        assignment.lessons.set(lessons)
        include_series(assignment)
    if hasattr(assignment, "_lesson_ids"):
        del assignment._lesson_ids
    return assignment


def include_series(assignment: Assignment) -> None:
    """A whole series: its lessons live when the assignment is saved become the assignment's lessons."""
    if assignment.series_id:
        assignment.lessons.add(*LessonPage.objects.live().filter(series_id=assignment.series_id))


def lesson_ids(assignment: Assignment) -> list[int]:
    if not hasattr(assignment, "_lesson_ids"):
        assignment._lesson_ids = list(assignment.lessons.values_list("pk", flat=True))
    return assignment._lesson_ids


def finished_users(assignment: Assignment):
    """User ids (a subquery) who finished every lesson of the assignment at its required share."""
    ids = lesson_ids(assignment)
    if not ids:
        return LessonProgress.objects.none().values("user_id")
    return (
        LessonProgress.objects.filter(lesson_id__in=ids)
        .filter(finished_q(assignment.required_share))
        .values("user_id")
        .annotate(n=Count("lesson_id"))
        .filter(n__gte=len(ids))
        .values("user_id")
    )


# --- who counts --------------------------------------------------------------------------------


def is_frozen(assignment: Assignment) -> bool:
    return assignment.roster_frozen_at is not None


def roster(assignment: Assignment, within: Organisation | None = None):
    """Rows with member_id, user_id, branch_id and path (the branch's): who the assignment counts."""
    within_path = (within or assignment.organisation).path
    if is_frozen(assignment):
        return AssignmentMember.objects.filter(
            assignment=assignment, branch__path__startswith=within_path
        ).annotate(path=F("branch__path"))
    return Member.objects.filter(is_active=True, branch__path__startswith=within_path).annotate(
        member_id=F("pk"), path=F("branch__path")
    )


def freeze_roster(assignment: Assignment, *, now: dt.datetime | None = None) -> int:
    """Write today's roll of the subtree as the assignment's roster, once (claimed by one UPDATE)."""
    now = now or timezone.now()
    with transaction.atomic():
        if not Assignment.objects.filter(pk=assignment.pk, roster_frozen_at__isnull=True).update(
            roster_frozen_at=now
        ):
            return 0
        live = Member.objects.filter(
            is_active=True, branch__path__startswith=assignment.organisation.path
        ).values_list(Value(assignment.pk), "pk", "branch_id", "user_id")
        sql, params = live.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {AssignmentMember._meta.db_table} (assignment_id, member_id, branch_id, user_id) {sql}",
                params,
            )
            return cursor.rowcount


def freeze_due_rosters(today: dt.date | None = None) -> int:
    """Assignments whose due date has passed get the roll of (the end of) their due date."""
    today = today or timezone.localdate()
    frozen = 0
    due = Assignment.objects.filter(due_on__lt=today, roster_frozen_at__isnull=True).select_related(
        "organisation"
    )
    for assignment in due[:100]:
        freeze_roster(assignment)
        frozen += 1
    return frozen


# --- reports -----------------------------------------------------------------------------------


@dataclass
class Rate:
    organisation: Organisation | None  # None: members directly in the organisation reported on
    members: int
    finished: int

    @property
    def unfinished(self) -> int:
        return self.members - self.finished

    @property
    def percent(self) -> float:
        return round(self.finished * 100 / self.members, 1) if self.members else 0.0


@dataclass
class RateReport:
    assignment: Assignment
    root: Organisation
    total: Rate
    children: list[Rate] = field(default_factory=list)


def rate_report(assignment: Assignment, root: Organisation) -> RateReport:
    """Members and finished members per child organisation of `root` (one GROUP BY)."""
    end = len(root.path) + STEP
    rows = (
        roster(assignment, root)
        .annotate(child=Substr("path", 1, end))
        .values("child")
        .annotate(
            members=Count("member_id"),
            finished=Count("member_id", filter=Q(user_id__in=finished_users(assignment))),
        )
        .order_by()
    )
    counts = {row["child"]: (row["members"], row["finished"]) for row in rows}
    children = []
    # Party groups hold no members of their own (members sit on their branch's roll): not a row.
    shown = Q(path__in=list(counts)) | (Q(is_active=True) & ~Q(kind=OrganisationKind.GROUP))
    for child in root.get_children().filter(shown):
        members, finished = counts.pop(child.path, (0, 0))
        children.append(Rate(child, members, finished))
    own = counts.pop(root.path, None)
    if own:
        children.insert(0, Rate(None, *own))
    members = sum(r.members for r in children)
    finished = sum(r.finished for r in children)
    return RateReport(assignment, root, Rate(root, members, finished), children)


RATE_HEADERS = ["组织", "组织代码", "应学人数", "已完成人数", "未完成人数", "完成率（%）"]


def rate_table(report: RateReport):
    from tabular.exports import Table

    def row(rate: Rate, name: str, code: str):
        return [name, code, rate.members, rate.finished, rate.unfinished, rate.percent]

    rows = [row(report.total, f"{report.root.name}（合计）", report.root.code)]
    for rate in report.children:
        if rate.organisation is None:
            rows.append(row(rate, f"{report.root.name}（本级）", report.root.code))
        else:
            rows.append(row(rate, rate.organisation.name, rate.organisation.code))
    a = report.assignment
    return Table(
        RATE_HEADERS,
        rows,
        title=f"{a.title}：{report.root.name}完成率（截止 {a.due_on:%Y-%m-%d}）",
        sheet_name="完成率",
        widths=(30, 16, 10, 10, 10, 10),
    )


@dataclass
class MemberStatus:
    member_id: int
    name: str
    finished_lessons: int
    lessons: int
    percent: int
    reminded_today: bool
    last_reminded: dt.date | None
    has_account: bool

    @property
    def finished(self) -> bool:
        return self.lessons > 0 and self.finished_lessons >= self.lessons


def _progress_rows(assignment: Assignment, user_ids):
    """(user_id, lesson_id, finished, share watched) of the assignment's lessons for these users."""
    return (
        LessonProgress.objects.filter(lesson_id__in=lesson_ids(assignment), user_id__in=user_ids)
        .annotate(
            finished=Case(
                When(finished_q(assignment.required_share), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values_list("user_id", "lesson_id", "finished", "played_seconds", "lesson__recording__duration")
    )


def branch_members(
    assignment: Assignment, branch: Organisation, *, today: dt.date | None = None
) -> list[MemberStatus]:
    """The secretary's view: every member the assignment counts in the branch, unfinished first."""
    today = today or timezone.localdate()
    name = F("member__name") if is_frozen(assignment) else F("name")
    people = list(
        roster(assignment, branch)
        .filter(branch_id=branch.pk)
        .annotate(member_name=name)
        .values("member_id", "user_id", "member_name")
    )
    total = len(lesson_ids(assignment))
    done: dict[int, int] = {}
    watched: dict[int, float] = {}
    users = [p["user_id"] for p in people if p["user_id"]]
    for user_id, _lesson, finished, played, duration in _progress_rows(assignment, users):
        done[user_id] = done.get(user_id, 0) + (1 if finished else 0)
        share = 1.0 if finished else (min(1.0, played / duration) if duration else 0.0)
        watched[user_id] = watched.get(user_id, 0.0) + share
    reminders: dict[int, dt.date] = {}
    for member_id, sent_on in (
        AssignmentReminder.objects.filter(
            assignment=assignment, member_id__in=[p["member_id"] for p in people]
        )
        .order_by("sent_on")
        .values_list("member_id", "sent_on")
    ):
        reminders[member_id] = sent_on
    rows = [
        MemberStatus(
            member_id=p["member_id"],
            name=p["member_name"],
            finished_lessons=done.get(p["user_id"], 0),
            lessons=total,
            percent=int(watched.get(p["user_id"], 0.0) * 100 / total) if total else 0,
            reminded_today=reminders.get(p["member_id"]) == today,
            last_reminded=reminders.get(p["member_id"]),
            has_account=bool(p["user_id"]),
        )
        for p in people
    ]
    rows.sort(key=lambda r: (r.finished, r.name))  # who has not finished first, then by name
    return rows


def branch_overview(branch: Organisation, *, today: dt.date | None = None) -> list[tuple[Assignment, Rate]]:
    """The secretary's desk: open assignments reaching the branch with the branch's own totals."""
    today = today or timezone.localdate()
    open_ones = Assignment.objects.filter(
        organisation__path__in=ancestor_paths(branch.path), starts_on__lte=today, due_on__gte=today
    ).select_related("organisation")
    return [(a, rate_report(a, branch).total) for a in open_ones.order_by("due_on", "pk")]


# --- the member's own assignments --------------------------------------------------------------


@dataclass
class MyLesson:
    lesson: LessonPage
    finished: bool
    percent: int


@dataclass
class MyAssignment:
    assignment: Assignment
    lessons: list[MyLesson]
    days_left: int

    @property
    def finished_lessons(self) -> int:
        return sum(1 for item in self.lessons if item.finished)

    @property
    def finished(self) -> bool:
        return bool(self.lessons) and self.finished_lessons == len(self.lessons)


def member_assignments(user, *, today: dt.date | None = None) -> list[MyAssignment]:
    """The member's open assignments (started, not yet due), soonest due first, with their own
    progress. The queries touch only assignments of the member's branch and its ancestors."""
    today = today or timezone.localdate()
    member = scope.member_for(user)
    if member is None:
        return []
    assignments = list(
        Assignment.objects.filter(
            organisation__path__in=ancestor_paths(member.branch.path), starts_on__lte=today, due_on__gte=today
        )
        .select_related("organisation")
        .order_by("due_on", "pk")
    )
    if not assignments:
        return []
    links = list(
        Assignment.lessons.through.objects.filter(assignment_id__in=[a.pk for a in assignments]).values_list(
            "assignment_id", "lessonpage_id"
        )
    )
    lessons = {
        lesson.pk: lesson
        for lesson in LessonPage.objects.live()
        .filter(pk__in={pk for _, pk in links})
        .select_related("recording")
    }
    # One query for the member's rows, with "finished" worked out for each share the assignments ask.
    shares = sorted({a.required_share for a in assignments})
    progress = {
        row.lesson_id: row
        for row in LessonProgress.objects.filter(user=user, lesson_id__in=list(lessons)).annotate(
            **{
                f"finished_{i}": Case(
                    When(finished_q(share), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
                for i, share in enumerate(shares)
            }
        )
    }
    result = []
    for assignment in assignments:
        items = []
        for assignment_id, lesson_id in links:
            if assignment_id != assignment.pk or lesson_id not in lessons:
                continue
            row = progress.get(lesson_id)
            finished = bool(row and getattr(row, f"finished_{shares.index(assignment.required_share)}"))
            items.append(MyLesson(lessons[lesson_id], finished, row.percent if row else 0))
        items.sort(key=lambda item: (item.lesson.date_given, item.lesson.pk))
        result.append(MyAssignment(assignment, items, (assignment.due_on - today).days))
    result.sort(key=lambda item: (item.finished, item.assignment.due_on))
    return result


# --- reminders ---------------------------------------------------------------------------------


def unfinished_roster(assignment: Assignment, branch: Organisation | None = None):
    """Active members the assignment counts who have not finished it."""
    rows = roster(assignment, branch).exclude(user_id__in=finished_users(assignment))
    if branch is not None:
        rows = rows.filter(branch_id=branch.pk)
    return Member.objects.filter(pk__in=rows.values("member_id"), is_active=True).select_related("user")


def _remind(assignment: Assignment, member: Member, *, kind: str, today: dt.date, sent_by=None) -> bool:
    """Send one reminder, at most one per member, assignment and day (the unique row decides)."""
    address = member.contact_email
    if not address:
        return False
    unfinished = len(lesson_ids(assignment)) - (
        LessonProgress.objects.filter(user_id=member.user_id, lesson_id__in=lesson_ids(assignment))
        .filter(finished_q(assignment.required_share))
        .count()
        if member.user_id
        else 0
    )
    try:
        with transaction.atomic():
            AssignmentReminder.objects.create(
                assignment=assignment, member=member, sent_on=today, kind=kind, sent_by=sent_by
            )
            send_mail(
                subject=f"学习任务提醒：{assignment.title}",
                message=(
                    f"{member.name}同志：\n\n{assignment.organisation.name}下达的学习任务“{assignment.title}”"
                    f"将于{assignment.due_on:%Y年%m月%d日}截止，您还有 {unfinished} 讲党课未学完。\n"
                    "请登录平台，在“我的学习”中完成学习。\n"
                ),
                from_email=None,
                recipient_list=[address],
            )
    except IntegrityError:  # already reminded today
        return False
    return True


def send_due_reminders(assignment_pk: int, *, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    assignment = Assignment.objects.select_related("organisation").filter(pk=assignment_pk).first()
    if assignment is None or assignment.due_on < today:
        return 0
    return sum(
        _remind(assignment, member, kind=AssignmentReminderKind.DUE, today=today)
        for member in unfinished_roster(assignment)
    )


def due_for_reminders(today: dt.date):
    horizon = today + dt.timedelta(days=settings.BRANCHES_ASSIGNMENT_REMINDER_DAYS_BEFORE)
    return Assignment.objects.filter(
        reminders_queued_at__isnull=True, starts_on__lte=today, due_on__gte=today, due_on__lte=horizon
    )


def queue_due_reminders(now: dt.datetime | None = None) -> int:
    """Claim assignments due soon (one UPDATE each) and enqueue their reminders."""
    from ..tasks import send_assignment_reminders

    now = now or timezone.now()
    queued = 0
    for pk in list(due_for_reminders(timezone.localdate(now)).values_list("pk", flat=True)[:200]):
        if Assignment.objects.filter(pk=pk, reminders_queued_at__isnull=True).update(reminders_queued_at=now):
            transaction.on_commit(lambda pk=pk: send_assignment_reminders.enqueue(pk))
            queued += 1
    return queued


class NudgeRefused(Exception):
    """Why a nudge was not sent, in words for the secretary."""


def nudge(assignment: Assignment, member: Member, *, sent_by, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    if assignment.due_on < today:
        raise NudgeRefused("任务已截止，不再发送提醒。")
    if not unfinished_roster(assignment, member.branch).filter(pk=member.pk).exists():
        raise NudgeRefused(f"{member.name}已完成该任务或不在任务名单中。")
    if not member.contact_email:
        raise NudgeRefused(f"{member.name}没有登记电子邮箱，无法发送提醒。")
    if not _remind(assignment, member, kind=AssignmentReminderKind.NUDGE, today=today, sent_by=sent_by):
        raise NudgeRefused(f"今天已经提醒过{member.name}，每人每天最多提醒一次。")
