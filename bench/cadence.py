"""Benchmark of the cadence checker at city scale on PostgreSQL.

    .venv/bin/python bench/cadence.py [--keep] [--database-url postgres://postgres@127.0.0.1:5432/dangke_bench_cadence]

Generates the city of ../shared/DOMAIN.md (16,000 organisations, 168,000 members, a year of sessions
with gaps) in its own database with COPY, then times the city-wide cadence report for a quarter and a
year, one district's report (the baseline) and one secretary's work desk, and counts the SQL queries of
a one-street report against the city report: they must be equal (aggregate queries only)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dangke_bench_cadence"
YEAR = 2025
DISTRICTS, STREETS_PER_DISTRICT, COMMITTEES_PER_STREET, BRANCHES_PER_COMMITTEE = 16, 10, 5, 15
TOTAL_ORGANISATIONS, MEMBERS_PER_BRANCH = 16_000, 14
ROLES = ["secretary", "deputy", "committee", "committee"] + ["member"] * 9 + ["probationary"]


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def copy_rows(table: str, columns: list[str], rows) -> int:
    from django.db import connection

    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def generate_tree() -> int:
    """The city's organisation tree (DISTRICTS → streets → committees → branches, then party groups up
    to TOTAL_ORGANISATIONS) written directly as materialised paths (path, depth, numchild); returns the
    number of organisations."""
    from branches.models import Organisation

    step = Organisation._get_path
    orgs = [("0001", 1, DISTRICTS, "city", "市委", "C")]  # (path, depth, numchild, kind, name, code)
    branches = []  # indexes of session-holding branches
    for d in range(1, DISTRICTS + 1):
        dpath = step("0001", 2, d)
        orgs.append((dpath, 2, STREETS_PER_DISTRICT, "district", f"第{d}区", f"D{d}"))
        for s in range(1, STREETS_PER_DISTRICT + 1):
            spath = step(dpath, 3, s)
            orgs.append((spath, 3, COMMITTEES_PER_STREET, "street", f"第{d}区第{s}街道", f"D{d}S{s}"))
            for c in range(1, COMMITTEES_PER_STREET + 1):
                cpath = step(spath, 4, c)
                orgs.append(
                    (cpath, 4, BRANCHES_PER_COMMITTEE, "committee", f"D{d}S{s}C{c}党委", f"D{d}S{s}C{c}")
                )
                for b in range(1, BRANCHES_PER_COMMITTEE + 1):
                    bpath = step(cpath, 5, b)
                    kind = "grid_branch" if b > 12 else "branch"
                    orgs.append([bpath, 5, 0, kind, f"D{d}S{s}C{c}第{b}支部", f"D{d}S{s}C{c}B{b}"])
                    branches.append(len(orgs) - 1)
    groups_needed = TOTAL_ORGANISATIONS - len(orgs)
    for i in range(groups_needed):
        parent = orgs[branches[i]]
        parent[2] = 1
        orgs.append((step(parent[0], 6, 1), 6, 0, "group", f"{parent[4]}第一党小组", f"{parent[5]}G1"))
    copy_rows(
        "branches_organisation",
        ["path", "depth", "numchild", "kind", "name", "code", "established_on", "is_active"],
        ((*row, dt.date(2000, 1, 1), True) for row in orgs),
    )
    return len(orgs)


def generate_city() -> dict:
    """Organisations as a materialised-path tree written directly (path, depth, numchild), then
    members and a year of sessions. Returns handles for the measurements."""
    from django.db import connection
    from django.utils import timezone

    from branches.models import Member, Organisation, SessionType

    rng = random.Random(7)
    organisations = generate_tree()
    # A few branches founded mid-year, so the report has real boundary cases.
    Organisation.objects.filter(kind="branch", code__endswith="B11").update(
        established_on=dt.date(YEAR, 5, 15)
    )
    branch_ids = dict(
        Organisation.objects.filter(kind__in=["branch", "grid_branch"]).values_list("code", "pk")
    )

    member_rows = (
        (f"{code}-{i:02d}", f"党员{code}-{i}", pk, ROLES[i], f"139{pk % 10**8:08d}", True, "")
        for code, pk in branch_ids.items()
        for i in range(MEMBERS_PER_BRANCH)
    )
    members = copy_rows(
        "branches_member", ["code", "name", "branch_id", "role", "phone", "is_active", "email"], member_rows
    )

    types = list(SessionType.objects.filter(required=True))
    # Most secretaries give the November party lesson themselves; the others leave a yearly gap.
    secretaries = dict(Member.objects.filter(role="secretary").values_list("branch_id", "pk"))
    tz = timezone.get_current_timezone()
    now = timezone.now()

    def months_for(st):
        return range(1, 13) if st.cadence == "month" else (2, 5, 8, 11) if st.cadence == "quarter" else (12,)

    def session_rows():
        for pk in branch_ids.values():
            for st in types:
                for month in months_for(st):
                    roll = rng.random()
                    if roll < 0.02:
                        continue  # a gap: never planned
                    status = "cancelled" if roll < 0.03 else "postponed" if roll < 0.04 else "held"
                    start = timezone.make_aware(dt.datetime(YEAR, month, rng.randint(1, 28), 15), tz)
                    lecturer = None
                    if st.is_party_lesson and month == 11 and rng.random() < 0.9:
                        lecturer = secretaries.get(pk)
                    yield (
                        pk,
                        st.pk,
                        f"{month}月{st.name}",
                        start,
                        start + dt.timedelta(hours=2),
                        "活动室",
                        "",
                        status,
                        "",
                        "",
                        False,
                        now,
                        now,
                        lecturer,
                    )

    sessions = copy_rows(
        "branches_session",
        [
            "branch_id",
            "session_type_id",
            "topic",
            "starts_at",
            "ends_at",
            "place",
            "agenda",
            "status",
            "minutes",
            "decisions",
            "counts_as_party_lesson",
            "created_at",
            "updated_at",
            "lecturer_id",
        ],
        session_rows(),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"organisations": organisations, "branches": len(branch_ids), "members": members, "sessions": sessions}


def timed(fn, repeat=5):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


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
        from django.core.management import call_command

        if args.reuse:
            measure()
            return

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter() - started
        started = time.perf_counter()
        sizes = generate_city()
        generated = time.perf_counter() - started
        print(
            f"city: {sizes['organisations']:,} organisations ({sizes['branches']:,} branches), "
            f"{sizes['members']:,} members, {sizes['sessions']:,} sessions "
            f"(migrate {migrated:.1f} s, generate {generated:.1f} s)"
        )
        measure()
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(args.database_url)


def measure() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from branches.models import Member, Organisation
    from branches.services.cadence import cadence_report, window_for

    city = Organisation.objects.get(code="C")
    district = Organisation.objects.get(code="D1")
    street = Organisation.objects.get(code="D1S1")
    quarter, year = window_for("quarter", YEAR, 2), window_for("year", YEAR)

    report = cadence_report(city, quarter)
    print(
        f"Q2 report: {len(report.branches):,} branches checked, {len(report.branches_with_gaps):,} with gaps"
    )

    base = timed(lambda: cadence_report(district, quarter))
    city_quarter = timed(lambda: cadence_report(city, quarter))
    city_year = timed(lambda: cadence_report(city, year), repeat=3)

    secretary = Member.objects.filter(role="secretary").order_by("pk").first()
    user, _ = get_user_model().objects.get_or_create(username="bench-secretary")
    user.groups.add(Group.objects.get(name="支部书记"))
    secretary.user = user
    secretary.save(update_fields=["user"])
    client = Client()
    client.force_login(user)
    assert client.get("/branches/desk/").status_code == 200
    desk = timed(lambda: client.get("/branches/desk/"))
    desk_queries = count_queries(lambda: client.get("/branches/desk/"))

    street_queries = count_queries(lambda: cadence_report(street, quarter))
    city_queries = count_queries(lambda: cadence_report(city, quarter))
    year_queries = count_queries(lambda: cadence_report(city, year))
    street_branches = len(cadence_report(street, quarter).branches)

    print()
    print(
        f"baseline: district report for a quarter ({len(cadence_report(district, quarter).branches):,} branches) = {base * 1000:.0f} ms"
    )
    print(f"{'measurement':44} {'seconds':>8} {'× baseline':>11}")
    for label, value in [
        ("city report, quarter (target ≤ 2 s)", city_quarter),
        ("city report, year", city_year),
        ("one secretary's work desk (HTTP)", desk),
    ]:
        print(f"{label:44} {value:8.3f} {value / base:11.1f}")
    print()
    print(
        f"SQL queries: street ({street_branches} branches) {street_queries}, city ({len(report.branches):,} branches) "
        f"{city_queries}, city year {year_queries} → ratio {city_queries / street_queries:.2f} "
        f"(branches ×{len(report.branches) / street_branches:,.0f}); work desk {desk_queries} queries"
    )
    assert street_queries == city_queries == year_queries, "query count depends on the number of branches"
    print("target city quarter ≤ 2 s:", "met" if city_quarter <= 2 else "NOT met")


if __name__ == "__main__":
    main()
