"""Benchmark of study assignments (学习任务) at city scale on PostgreSQL.

    .venv/bin/python bench/learning.py [--keep] [--reuse] [--database-url postgres://postgres@127.0.0.1:5432/dangke_bench_learning]

Generates the city of ../shared/DOMAIN.md (16,000 organisations, 168,000 members with login accounts)
in its own database with COPY, 24 assignments in a year (8 city-wide, 16 for one district, 2 lessons
each, the last ones still open) and the progress rows of a city where most members finish most
assignments; the rosters of the assignments past due are frozen as the periodic job does. Then it
times, each against a plain COUNT(*) of the progress rows of the measured assignment in the same run:
the city-wide completion report, a district's subtree, a branch's per-member view (service and the
secretary's HTTP page) and the member's 我的学习 query, and shows that the member's query neither
grows in time nor in number of queries when the city has ten times as many assignments."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cadence import (  # noqa: E402
    DISTRICTS,
    MEMBERS_PER_BRANCH,
    ROLES,
    TOTAL_ORGANISATIONS,
    copy_rows,
    count_queries,
    drop_database,
    generate_tree,
    recreate_database,
    timed,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dangke_bench_learning"
ASSIGNMENTS, CITY_WIDE, LESSONS_PER_ASSIGNMENT = 24, 8, 2
DURATION = 1800.0


def branch_ids_by_code() -> dict[str, int]:
    """The city's tree (bench.cadence.generate_tree); returns branch code → pk."""
    from branches.models import Organisation

    generate_tree()
    return dict(Organisation.objects.filter(kind__in=["branch", "grid_branch"]).values_list("code", "pk"))


def generate_members(branch_ids: dict[str, int]) -> int:
    """One login account per member (a few members have none), then the members."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    User = get_user_model()
    now = timezone.now()
    codes = [f"{code}-{i:02d}" for code in branch_ids for i in range(MEMBERS_PER_BRANCH)]
    with_account = {c for n, c in enumerate(codes) if n % 25 != 7}  # 4 % without an account
    copy_rows(
        User._meta.db_table,
        [
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        (
            ("!", False, f"u{c}", "", "", f"{c}@example.org", False, True, now)
            for c in codes
            if c in with_account
        ),
    )
    users = dict(User.objects.filter(username__startswith="u").values_list("username", "pk"))
    rows = (
        (
            f"{code}-{i:02d}",
            f"党员{code}-{i}",
            pk,
            ROLES[i],
            "13900000000",
            True,
            f"{code}-{i:02d}@example.org",
            users.get(f"u{code}-{i:02d}"),
        )
        for code, pk in branch_ids.items()
        for i in range(MEMBERS_PER_BRANCH)
    )
    return copy_rows(
        "branches_member",
        ["code", "name", "branch_id", "role", "phone", "is_active", "email", "user_id"],
        rows,
    )


def generate_assignments(today: dt.date) -> list:
    """24 assignments over the past year, two 30-minute lessons each; the last two are still open."""
    from branches.models import Assignment, Organisation
    from cms.demo import ensure_site_tree
    from lessons.factories import LessonIndexPageFactory, LessonPageFactory
    from media.factories import RecordingFactory

    index = LessonIndexPageFactory(parent=ensure_site_tree())
    city = Organisation.objects.get(code="C")
    districts = list(Organisation.objects.filter(kind="district").order_by("path"))
    created = []
    for n in range(ASSIGNMENTS):
        lessons = [
            LessonPageFactory(
                parent=index, title=f"第{n + 1}期第{k + 1}讲", recording=RecordingFactory(duration=DURATION)
            )
            for k in range(LESSONS_PER_ASSIGNMENT)
        ]
        starts = today - dt.timedelta(days=360 - 15 * n)
        # Every third one city-wide (8 of 24, the last of them still open), the others for one district.
        org = city if n % 3 == 2 else districts[n % DISTRICTS]
        assignment = Assignment.objects.create(
            title=f"学习任务{n + 1}",
            organisation=org,
            starts_on=starts,
            due_on=starts + dt.timedelta(days=30),
        )
        assignment.lessons.set(lessons)
        created.append(assignment)
    return created


def generate_progress(assignments, today: dt.date) -> int:
    """Most members finish most assignments: per member and assignment 85 % finish both lessons,
    9 % one of them and part of the other, 3 % start one, 3 % never open it. Open assignments are
    half done."""
    from django.utils import timezone

    from branches.models import Member
    from branches.services.assignments import lesson_ids

    rng = random.Random(12)
    members = list(Member.objects.filter(user_id__isnull=False).values_list("user_id", "branch__path"))
    tz = timezone.get_current_timezone()
    year = str(today.year)

    # Everything read before the COPY starts: the connection is busy with it until it ends.
    plan = [(a, a.organisation.path, lesson_ids(a)) for a in assignments]

    def rows():
        for assignment, path, lessons in plan:
            is_open = assignment.due_on >= today
            when = timezone.make_aware(dt.datetime.combine(assignment.starts_on, dt.time(20)), tz)
            for user_id, branch_path in members:
                if not branch_path.startswith(path):
                    continue
                roll = rng.random()
                if is_open:
                    roll = roll * 2 if roll < 0.5 else roll  # fewer have finished yet
                if roll < 0.85:
                    played = [DURATION] * len(lessons)
                elif roll < 0.94:
                    played = [DURATION] + [rng.uniform(60, DURATION * 0.8)] * (len(lessons) - 1)
                elif roll < 0.97:
                    played = [rng.uniform(30, DURATION * 0.5)]
                else:
                    continue
                for lesson_id, seconds in zip(lessons, played, strict=False):
                    done = when if seconds >= DURATION * 0.9 else None
                    yield (
                        user_id,
                        lesson_id,
                        seconds,
                        json.dumps([[0, seconds]]),
                        seconds,
                        json.dumps({year: seconds}),
                        DURATION,
                        done,
                        when,
                        when,
                    )

    return copy_rows(
        "lessons_lessonprogress",
        [
            "user_id",
            "lesson_id",
            "position",
            "played_ranges",
            "played_seconds",
            "seconds_by_year",
            "duration",
            "completed_at",
            "created_at",
            "updated_at",
        ],
        rows(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="measure a database kept by an earlier --keep run"
    )
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "cms.settings.test"
    if not args.reuse:
        recreate_database(args.database_url)
    try:
        import django

        django.setup()
        logging.disable(logging.INFO)  # page creation and task logs would drown the figures
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        if not args.reuse:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            migrated = time.perf_counter() - started
            today = timezone.localdate()
            started = time.perf_counter()
            branch_ids = branch_ids_by_code()
            members = generate_members(branch_ids)
            assignments = generate_assignments(today)
            rows = generate_progress(assignments, today)
            generated = time.perf_counter() - started
            from branches.services.assignments import freeze_due_rosters

            started = time.perf_counter()
            frozen = freeze_due_rosters(today)
            froze = time.perf_counter() - started
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(
                f"city: {TOTAL_ORGANISATIONS:,} organisations ({len(branch_ids):,} branches), {members:,} members, "
                f"{len(assignments)} assignments, {rows:,} progress rows "
                f"(migrate {migrated:.1f} s, generate {generated:.1f} s); "
                f"{frozen} rosters frozen on their due date in {froze:.1f} s"
            )
        measure()
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)


def measure() -> None:
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.utils import timezone

    from branches.models import Assignment, AssignmentMember, Member, Organisation
    from branches.services import assignments as svc
    from lessons.models import LessonProgress

    today = timezone.localdate()
    city = Organisation.objects.get(code="C")
    district = Organisation.objects.get(code="D1")
    city_wide = Assignment.objects.filter(organisation=city).select_related("organisation")
    past = city_wide.filter(roster_frozen_at__isnull=False).order_by("-due_on").first()
    live = city_wide.filter(due_on__gte=today).order_by("due_on").first()

    def baseline_for(assignment):
        ids = svc.lesson_ids(assignment)
        return lambda: LessonProgress.objects.filter(lesson_id__in=ids).count()

    base = timed(baseline_for(past))
    base_rows = baseline_for(past)()
    report = svc.rate_report(past, city)
    roster = AssignmentMember.objects.filter(assignment=past).count()
    print(
        f"measured: {past.title} (city-wide, past due, roster frozen: {roster:,} members, "
        f"{report.total.finished:,} finished = {report.total.percent}%), {base_rows:,} progress rows"
    )
    print(f"baseline: COUNT(*) of that assignment's progress rows = {base * 1000:.0f} ms")

    secretary = (
        Member.objects.filter(role="secretary", branch__path__startswith=district.path).order_by("pk").first()
    )
    secretary.user.groups.add(Group.objects.get(name="支部书记"))
    branch = secretary.branch
    client = Client()
    client.force_login(secretary.user)
    page = f"/branches/assignments/{past.pk}/?org={branch.pk}"
    assert client.get(page).status_code == 200

    member = Member.objects.filter(role="member", branch=branch, user__isnull=False).order_by("pk").first()
    member_client = Client()
    member_client.force_login(member.user)
    assert "我的学习任务" in member_client.get("/me/learning/").content.decode()
    mine_page_before = timed(lambda: member_client.get("/me/learning/"))
    mine_before = timed(lambda: svc.member_assignments(member.user))
    mine_queries_before = count_queries(lambda: svc.member_assignments(member.user))
    mine_open = len(svc.member_assignments(member.user))

    measurements = [
        ("city report, past due (target ≤ 2 s)", timed(lambda: svc.rate_report(past, city), repeat=3)),
    ]
    if live is not None:
        measurements.append(
            ("city report, open (live roll)", timed(lambda: svc.rate_report(live, city), repeat=3))
        )
    measurements += [
        ("district report (D1 subtree)", timed(lambda: svc.rate_report(past, district))),
        ("branch per-member view (target ≤ 50 ms)", timed(lambda: svc.branch_members(past, branch))),
        ("branch page, secretary (HTTP)", timed(lambda: client.get(page))),
        (f"member's 我的学习 query ({mine_open} open)", mine_before),
        ("member's 我的学习 page (HTTP)", mine_page_before),
    ]

    # Ten times as many assignments in the city, none for this member: their query must not change.
    others = list(Organisation.objects.filter(kind="district").exclude(pk=district.pk).order_by("path"))
    lesson = past.lessons.first()
    extra = Assignment.objects.bulk_create(
        Assignment(
            title=f"其他区任务{i}",
            organisation=others[i % len(others)],
            starts_on=today - dt.timedelta(days=5),
            due_on=today + dt.timedelta(days=20),
        )
        for i in range(ASSIGNMENTS * 10)
    )
    Assignment.lessons.through.objects.bulk_create(
        Assignment.lessons.through(assignment_id=a.pk, lessonpage_id=lesson.pk) for a in extra
    )
    mine_after = timed(lambda: svc.member_assignments(member.user))
    mine_queries_after = count_queries(lambda: svc.member_assignments(member.user))
    mine_page_after = timed(lambda: member_client.get("/me/learning/"))
    measurements.append((f"member's query, {ASSIGNMENTS * 11} assignments in city", mine_after))
    measurements.append((f"member's page, {ASSIGNMENTS * 11} assignments in city", mine_page_after))

    print(f"{'measurement':46} {'seconds':>8} {'× COUNT(*)':>11}")
    for label, value in measurements:
        print(f"{label:46} {value:8.3f} {value / base:11.1f}")
    print()
    print(
        f"member's query: {mine_queries_before} queries with {ASSIGNMENTS} assignments in the city, "
        f"{mine_queries_after} with {ASSIGNMENTS * 11}"
    )
    city_time = measurements[0][1]
    branch_time = next(v for label, v in measurements if label.startswith("branch per-member"))
    print("target city report ≤ 2 s:", "met" if city_time <= 2 else "NOT met")
    print("target branch view ≤ 50 ms:", "met" if branch_time <= 0.05 else "NOT met")
    print(
        "member's page independent of the city's assignments:",
        "yes" if mine_queries_before == mine_queries_after and mine_after < mine_before * 2 + 0.005 else "NO",
    )


if __name__ == "__main__":
    main()
