"""Benchmark of "near me" (issue 6): one command, `.venv/bin/python bench/routes_near.py`.

Builds a throwaway SQLite database (or DATABASE_URL's) with N heritage sites scattered over
Dalian's bounding box (default 20,000: far more than the city has, to show the shape), then
answers the same random "within 10 km" queries two ways in one run:

  (a) baseline: load the coordinates of every live site and compute the great-circle distance
      to each, then build the nearest pages;
  (b) nearest_sites(): the bounding-box prefilter in SQL (indexed on latitude, longitude), then the
      exact distance on the few rows left.

Checks both give the same answer, and prints the time per query and a/b. Also times the route
summary (distance, duration, status of each stop) over the 21 demo routes.
Options: --sites N (default 20000), --queries Q (default 200), --km (default 10).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    os.environ.setdefault("DANGKE_VAR_DIR", str(tmp))
    import logging

    import django
    from django.conf import settings

    django.setup()
    logging.disable(logging.INFO)
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        settings.DATABASES["default"]["NAME"] = str(tmp / "bench.sqlite3")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_sites(count: int, rng: random.Random) -> None:
    """Adds sites straight into the tree (paths computed, child rows saved raw): add_child() with
    its revisions and index updates would take minutes for thousands of pages."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from wagtail.models import Page

    from cms.demo import ensure_site_tree
    from routes.models import DISTRICTS, SiteIndexPage, SitePage
    from routes.services import geo

    home = ensure_site_tree()
    index = home.add_child(instance=SiteIndexPage(title="基准基地", slug="bench-sites"))
    content_type = ContentType.objects.get_for_model(SitePage)
    south, west, north, east = geo.city_bbox()
    with transaction.atomic():
        parents = Page.objects.bulk_create(
            [
                Page(
                    title=f"基地{n}",
                    slug=f"bench-site-{n}",
                    content_type=content_type,
                    path=Page._get_path(index.path, index.depth + 1, n + 1),
                    depth=index.depth + 1,
                    numchild=0,
                    live=True,
                    url_path=f"{index.url_path}bench-site-{n}/",
                    locale_id=index.locale_id,
                    draft_title=f"基地{n}",
                )
                for n in range(count)
            ]
        )
        if parents[0].pk is None:  # backends that do not return ids from bulk inserts
            parents = list(
                Page.objects.filter(path__startswith=index.path, depth=index.depth + 1).order_by("path")
            )
        for parent in parents:
            site = SitePage(
                page_ptr_id=parent.pk,
                category="museum",
                district=rng.choice(DISTRICTS),
                address="示例",
                latitude=rng.uniform(south, north),
                longitude=rng.uniform(west, east),
            )
            site.save_base(raw=True)
        Page.objects.filter(pk=index.pk).update(numchild=count)


def full_scan(lat: float, lon: float, km: float, limit: int):
    from routes.models import SitePage
    from routes.services import geo
    from routes.services.nearby import RESULT_FIELDS

    found = []
    for pk, s_lat, s_lon in SitePage.objects.live().public().values_list("pk", "latitude", "longitude"):
        distance = geo.haversine_km(lat, lon, s_lat, s_lon)
        if distance <= km:
            found.append((distance, pk))
    found.sort()
    found = found[:limit]
    # The same page building as nearest_sites(), so only the scan differs.
    pages = SitePage.objects.only(*RESULT_FIELDS).in_bulk([pk for _, pk in found])
    return [pages[pk].pk for _, pk in found]


def timed(fn, queries):
    started = time.perf_counter()
    results = [fn(*q) for q in queries]
    return (time.perf_counter() - started) / len(queries), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--km", type=float, default=10.0)
    args = parser.parse_args()
    rng = random.Random(6)
    with tempfile.TemporaryDirectory(prefix="bench-routes-") as tmp:
        setup_django(Path(tmp))
        from django.conf import settings

        from routes.services import geo
        from routes.services.nearby import nearest_sites

        started = time.perf_counter()
        build_sites(args.sites, rng)
        print(
            f"built {args.sites} sites in {time.perf_counter() - started:.1f} s "
            f"({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )
        south, west, north, east = geo.city_bbox()
        queries = [(rng.uniform(south, north), rng.uniform(west, east), args.km) for _ in range(args.queries)]
        limit = settings.ROUTES_NEAR_LIMIT

        baseline_s, baseline = timed(lambda lat, lon, km: full_scan(lat, lon, km, limit), queries)
        prefilter_s, prefiltered = timed(
            lambda lat, lon, km: [n.site.pk for n in nearest_sites(lat, lon, km, limit=limit)], queries
        )
        assert baseline == prefiltered, "the prefilter changed the answer"
        hits = sum(len(r) for r in prefiltered) / len(prefiltered)
        print(
            f"near me within {args.km:g} km, {args.queries} queries, {hits:.1f} sites returned per query on average (limit {limit})"
        )
        print(f"  (a) full scan + haversine : {baseline_s * 1000:8.2f} ms/query")
        print(f"  (b) bbox prefilter in SQL : {prefilter_s * 1000:8.2f} ms/query")
        print(f"  a/b = {baseline_s / prefilter_s:.1f}x faster with the prefilter")

        from io import StringIO

        from cms.demo import ensure_site_tree
        from routes.demo import load_demo_routes
        from routes.models import RoutePage
        from routes.services import routes as route_services

        load_demo_routes(home_page=ensure_site_tree(), stdout=StringIO())
        routes = list(RoutePage.objects.live())
        started = time.perf_counter()
        for route in routes:
            route_services.summarise(route)
        per_route = (time.perf_counter() - started) / len(routes)
        print(
            f"route summary (distance, duration, open status of each stop): {per_route * 1000:.2f} ms/route "
            f"over {len(routes)} demo routes"
        )


if __name__ == "__main__":
    main()
