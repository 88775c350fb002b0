"""Demo content: the 21 red routes over real Dalian heritage sites (routes/data/*.json).
Coordinates and opening hours there are sample values; every site is flagged `sample_data`.
Idempotent: pages are found by slug and only created when missing."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

from django.db import transaction
from wagtail.models import Page

from .models import (
    RouteIndexPage,
    RoutePage,
    RouteStop,
    SiteClosure,
    SiteIndexPage,
    SiteOpeningPeriod,
    SitePage,
    SiteRelatedLesson,
    is_lesson_page,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_CLOSURE = (date(2027, 2, 5), date(2027, 2, 6), "春节闭馆（示例）")


def load_data(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _parse_time(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _publish_child(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def ensure_index_pages(home_page) -> tuple[RouteIndexPage, SiteIndexPage]:
    route_index = RouteIndexPage.objects.child_of(home_page).first()
    if route_index is None:
        route_index = _publish_child(
            home_page,
            RouteIndexPage(
                title="红色线路",
                slug="routes",
                show_in_menus=True,
                introduction="全市推荐的21条红色线路，串联党员思想教育基地，适合开展主题党日。",
            ),
        )
    site_index = SiteIndexPage.objects.child_of(home_page).first()
    if site_index is None:
        site_index = _publish_child(
            home_page,
            SiteIndexPage(
                title="红色基地",
                slug="sites",
                show_in_menus=True,
                introduction="大连的革命旧址、纪念馆、烈士陵园、博物馆和党员思想教育基地。",
            ),
        )
    return route_index, site_index


def _build_site(entry: dict, presets: dict) -> SitePage:
    preset = presets[entry["hours"]]
    site = SitePage(
        title=entry["name"],
        slug=entry["slug"],
        category=entry["category"],
        district=entry["district"],
        address=entry["address"],
        latitude=entry["lat"],
        longitude=entry["lon"],
        sample_data=True,
        summary=entry["summary"],
        hours_note=preset.get("note", ""),
        booking_lead_days=entry.get("lead_days") or 0,
        group_size_limit=entry.get("group_limit"),
        guided_tour=bool(entry.get("guided")),
        booking_notes="预约方式与电话以场馆公布为准（示例数据）。",
        accessibility_notes="主要展区有无障碍通道，轮椅使用者请提前电话联系（示例）。"
        if entry["category"] in ("museum", "memorial_hall")
        else "",
        description=[
            {"type": "paragraph", "value": f"<p>{entry['summary']}</p>"},
            {"type": "paragraph", "value": "<p>本页坐标与开放时间为示例数据，参观前请向场馆确认。</p>"},
        ],
    )
    opens, closes = _parse_time(preset["opens"]), _parse_time(preset["closes"])
    site.opening_periods = [
        SiteOpeningPeriod(weekday=d, opens=opens, closes=closes) for d in preset["weekdays"]
    ]
    if entry["hours"] in ("museum", "former_site"):
        start, end, reason = SAMPLE_CLOSURE
        site.closures = [SiteClosure(start_date=start, end_date=end, reason=reason)]
    return site


@transaction.atomic
def load_demo_routes(*, home_page, stdout) -> dict[str, int]:
    route_index, site_index = ensure_index_pages(home_page)
    site_data = load_data("sites.json")
    sites = {s.slug: s for s in SitePage.objects.child_of(site_index)}
    created_sites = 0
    for entry in site_data["sites"]:
        if entry["slug"] not in sites:
            sites[entry["slug"]] = _publish_child(site_index, _build_site(entry, site_data["hours_presets"]))
            created_sites += 1

    existing_routes = set(RoutePage.objects.child_of(route_index).values_list("slug", flat=True))
    created_routes = 0
    for entry in load_data("routes.json")["routes"]:
        if entry["slug"] in existing_routes:
            continue
        route = RoutePage(
            title=entry["title"],
            slug=entry["slug"],
            theme=entry["theme"],
            introduction=entry["introduction"],
        )
        route.stops = [
            RouteStop(site=sites[slug], note=note, minutes_on_site=minutes, sort_order=order)
            for order, (slug, note, minutes) in enumerate(entry["stops"])
        ]
        _publish_child(route_index, route)
        created_routes += 1
    stdout.write(
        f"红色线路：{RoutePage.objects.live().count()} 条线路、{SitePage.objects.live().count()} 处基地"
        f"（本次新建 {created_routes} 条线路、{created_sites} 处基地；坐标与开放时间为示例数据）\n"
    )
    return {"routes": created_routes, "sites": created_sites}


# Demo sites and the demo lessons about them (lesson slugs from lessons/demo.py).
DEMO_SITE_LESSONS = {
    "guan-xiangying-memorial": "monthly-02",  # 关向应：从大连走出的革命家
    "lushun-prison": "monthly-04",  # 旅顺日俄监狱旧址里的记忆
    "zhonghua-gongxuehui": "showcase-05",  # 大连中华工学会旧址的故事
}


@transaction.atomic
def link_demo_lessons(*, stdout) -> int:
    """Each demo site lists the demo lesson about it under 相关党课 (and so the lesson lists the site).
    Lessons are found as plain pages by slug: this app does not import the lessons app."""
    linked = 0
    for site_slug, lesson_slug in DEMO_SITE_LESSONS.items():
        site = SitePage.objects.filter(slug=site_slug).first()
        lesson = next((p for p in Page.objects.filter(slug=lesson_slug) if is_lesson_page(p)), None)
        if site is None or lesson is None or site.related_lessons.filter(lesson=lesson).exists():
            continue
        site.related_lessons.add(SiteRelatedLesson(lesson=lesson))
        site.save_revision().publish()
        linked += 1
    if linked:
        stdout.write(f"红色基地与党课：新关联 {linked} 处\n")
    return linked
