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


def parse_filters(params) -> tuple[dict[str, str], dict[str, str]]:
    """({"district", "theme", "duration"}, errors in Chinese for unknown values)."""
    from ..models import DISTRICTS, RoutePage

    allowed = {
        "district": (DISTRICTS, "区域"),
        "theme": (RoutePage.Theme.values, "主题"),
        "duration": ([b[0] for b in DURATION_BUCKETS], "总用时"),
    }
    filters: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, (values, label) in allowed.items():
        value = (params.get(name) or "").strip()
        if value and value not in values:
            errors[name] = f"没有这个{label}：{value}。可选：{'、'.join(values)}"
            value = ""
        filters[name] = value
    return filters, errors


def route_listing(index_page, request) -> dict:
    from ..models import DISTRICTS, RoutePage

    routes = RoutePage.objects.child_of(index_page).live().public().order_by("path")
    cards = route_cards(routes)
    # The page ignores unknown filter values (a stale link still shows routes); the API reports them.
    filters, _errors = parse_filters(request.GET)
    district, theme, duration = filters["district"], filters["theme"], filters["duration"]
    shown = filter_cards(cards, **filters)
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
