"""Demo branch life: a district with three streets and twelve branches with members, this year's
sessions from the cadence with some gaps, and the demo users `secretary` and `member` linked to
the first branch. Idempotent: every object is looked up by its code first."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .models import (
    Attendance,
    AttendanceStatus,
    Member,
    Organisation,
    OrganisationKind,
    Role,
    Session,
    SessionStatus,
    SessionType,
)
from .services import planning

STREETS = ["中山街道（示例）", "人民路街道（示例）", "青泥洼桥街道（示例）"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = [
    "建国",
    "秀兰",
    "志强",
    "海燕",
    "明",
    "丽",
    "伟",
    "静",
    "磊",
    "洋",
    "芳",
    "军",
    "红梅",
    "国庆",
    "春华",
    "立新",
]
ROLES = (
    [Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.COMMITTEE_MEMBER] + [Role.MEMBER] * 5 + [Role.PROBATIONARY]
)
# (branch number, session type slug, months) cancelled to leave gaps in the cadence report
GAPS = [
    (2, "theme-day", (2, 3)),
    (5, "party-lesson", (2,)),
    (7, "committee-meeting", (1, 4, 5)),
    (11, "general-meeting", (1,)),
]
SECRETARY_LESSON_GAP = 9  # the branch whose secretary gives no party lesson this year


def _org(code, name, kind, parent=None, established_on=None):
    org = Organisation.objects.filter(code=code).first()
    if org is not None:
        return org
    fields = {
        "code": code,
        "name": name,
        "kind": kind,
        "established_on": established_on or dt.date(2000, 1, 1),
    }
    return parent.add_child(**fields) if parent else Organisation.add_root(**fields)


@transaction.atomic
def load_branch_demo(stdout=None) -> None:
    city = _org("DL", "中共大连市委（示例）", OrganisationKind.CITY)
    district = _org("DL-ZS", "中共中山区委（示例）", OrganisationKind.DISTRICT, city)
    branches = []
    number = 0
    for s, street_name in enumerate(STREETS, start=1):
        street = _org(f"DL-ZS-{s:02d}", f"{street_name}党工委", OrganisationKind.STREET, district)
        committee = _org(
            f"DL-ZS-{s:02d}-C",
            f"{street_name.removesuffix('（示例）')}社区党委（示例）",
            OrganisationKind.COMMITTEE,
            street,
        )
        for b in range(1, 5):
            number += 1
            kind = OrganisationKind.GRID_BRANCH if b == 4 else OrganisationKind.BRANCH
            name = f"第{b}网格党支部" if b == 4 else f"第{b}党支部"
            branch = _org(
                f"DL-ZS-{s:02d}-B{b}", f"{committee.name.removesuffix('（示例）')}{name}", kind, committee
            )
            _org(f"DL-ZS-{s:02d}-B{b}-G1", f"{name}第一党小组", OrganisationKind.GROUP, branch)
            branches.append((number, branch))

    for number, branch in branches:
        group = Organisation.objects.get(code=f"{branch.code}-G1")
        for i, role in enumerate(ROLES):
            name = SURNAMES[(number * 3 + i) % len(SURNAMES)] + GIVEN[(number + i * 5) % len(GIVEN)]
            Member.objects.get_or_create(
                code=f"{branch.code}-M{i + 1:02d}",
                defaults={
                    "name": name,
                    "branch": branch,
                    "party_group": group,
                    "role": role,
                    "joined_on": dt.date(1990 + (number + i) % 30, 7, 1),
                    "phone": f"139{number:04d}{i:04d}",
                },
            )
    _link_demo_users(branches[0][1])

    year = timezone.localdate().year
    session_types = list(SessionType.objects.filter(required=True))
    for _number, branch in branches:
        organiser = Member.objects.filter(branch=branch, role=Role.SECRETARY).first()
        for st in session_types:
            planning.plan_year(
                branch=branch, session_type=st, year=year, place=f"{branch.name}活动室", organiser=organiser
            )
    # Each secretary gives the party lesson of the year's last quarter, except in branch 9 (a gap to show).
    for number, branch in branches:
        secretary = Member.objects.filter(branch=branch, role=Role.SECRETARY).first()
        if number == SECRETARY_LESSON_GAP or secretary is None:
            continue
        Session.objects.filter(
            branch=branch, session_type__is_party_lesson=True, starts_at__year=year, starts_at__month__gte=10
        ).update(lecturer=secretary)
    for number, slug, months in GAPS:
        branch = branches[number - 1][1]
        for session in Session.objects.filter(
            branch=branch, session_type__slug=slug, starts_at__year=year, starts_at__month__in=months
        ):
            if session.status != SessionStatus.CANCELLED:
                planning.cancel_session(session)
    now = timezone.now()
    Session.objects.filter(
        branch__code__startswith="DL-ZS-", ends_at__lt=now, status=SessionStatus.PLANNED
    ).update(status=SessionStatus.HELD)
    # Attendance for the first branch's held sessions so its register has figures.
    first = branches[0][1]
    members = list(Member.objects.filter(branch=first))
    for session in Session.objects.filter(
        branch=first, status=SessionStatus.HELD, attendances__isnull=True
    ).select_related("session_type"):
        invited = [
            m
            for m in members
            if not session.session_type.committee_only
            or m.role in (Role.SECRETARY, Role.DEPUTY_SECRETARY, Role.COMMITTEE_MEMBER)
        ]
        Attendance.objects.bulk_create(
            [
                Attendance(
                    session=session,
                    member=m,
                    method="manual",
                    status=AttendanceStatus.ABSENT
                    if (m.pk + session.pk) % 11 == 0
                    else AttendanceStatus.PRESENT,
                )
                for m in invited
            ]
        )
    if stdout is not None:
        stdout.write(
            f"branches: {Organisation.objects.filter(code__startswith='DL').count()} organisations, "
            f"{Member.objects.filter(code__startswith='DL-ZS-').count()} members, "
            f"{Session.objects.filter(branch__code__startswith='DL-ZS-').count()} sessions"
        )


def _link_demo_users(branch: Organisation) -> None:
    User = get_user_model()
    for username, code in (("secretary", f"{branch.code}-M01"), ("member", f"{branch.code}-M04")):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        member = Member.objects.get(code=code)
        if member.user_id == user.pk:
            continue
        Member.objects.filter(user=user).exclude(pk=member.pk).update(user=None)
        member.user = user
        member.name = f"{user.last_name}{user.first_name}" or member.name
        member.email = user.email
        member.save()
