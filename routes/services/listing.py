"""The route index (filters: district, theme, total time) and the site index."""

from __future__ import annotations

from dataclasses import dataclass

from . import routes as route_services

# Total-time buckets for the filter: (value, label, upper bound in minutes, inclusive).
DURATION_BUCKETS = [
    ("half-day", "半天以内（4 小时内）", 4 * 60),
    ("day", "一天（4–8 小时）", 8 * 60),
    ("long", "一天以上（8 小时以上）", None),
]


@dataclass
class RouteCard:
    page: object
    summary: route_services.RouteSummary
    districts: list[str]

    @property
    def duration_bucket(self) -> str:
        return duration_bucket(self.summary.total_minutes)


def duration_bucket(total_minutes: int) -> str:
    for value, _label, upper in DURATION_BUCKETS:
        if upper is None or total_minutes <= upper:
            return value
    return DURATION_BUCKETS[-1][0]


def route_cards(routes) -> list[RouteCard]:
    cards = []
    for route in routes:
        summary = route_services.summarise(route, with_status=False)
        districts = []
        for stop in summary.stops:
            if stop.site.district not in districts:
                districts.append(stop.site.district)
        cards.append(RouteCard(route, summary, districts))
    return cards


def filter_cards(cards, *, district="", theme="", duration="") -> list[RouteCard]:
    return [
        card
        for card in cards
        if (not district or district in card.districts)
        and (not theme or card.page.theme == theme)
        and (not duration or card.duration_bucket == duration)
    ]


def route_listing(index_page, request) -> dict:
    from ..models import DISTRICTS, RoutePage

    routes = RoutePage.objects.child_of(index_page).live().public().order_by("path")
    cards = route_cards(routes)
    district = request.GET.get("district", "")
    theme = request.GET.get("theme", "")
    duration = request.GET.get("duration", "")
    district = district if district in DISTRICTS else ""
    theme = theme if theme in RoutePage.Theme.values else ""
    duration = duration if duration in {b[0] for b in DURATION_BUCKETS} else ""
    shown = filter_cards(cards, district=district, theme=theme, duration=duration)
    return {
        "route_cards": shown,
        "route_total": len(cards),
        "districts": DISTRICTS,
        "themes": RoutePage.Theme.choices,
        "duration_buckets": [(value, label) for value, label, _ in DURATION_BUCKETS],
        "selected": {"district": district, "theme": theme, "duration": duration},
        "filtered": bool(district or theme or duration),
    }


def site_listing(index_page, request) -> dict:
    from ..models import DISTRICTS, SitePage

    sites = SitePage.objects.child_of(index_page).live().public().order_by("district", "title")
    district = request.GET.get("district", "")
    district = district if district in DISTRICTS else ""
    if district:
        sites = sites.filter(district=district)
    return {"sites": sites, "districts": DISTRICTS, "selected": {"district": district}}
