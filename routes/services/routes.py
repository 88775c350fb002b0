"""A route's numbers and drawing data: distance, duration, each stop's status and links, the map
payload (points in the tile server's coordinate system) and the SVG schematic."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from . import geo, hours, navigation

SVG_WIDTH = 640
SVG_HEIGHT = 400
SVG_MARGIN = 70


@dataclass
class StopView:
    number: int
    stop: object  # RouteStop
    site: object  # SitePage
    lat: float
    lon: float
    leg_km: float  # from the previous stop; 0 for the first
    minutes_on_site: int
    status: hours.OpenStatus | None
    amap_url: str
    baidu_url: str
    x: float = 0.0
    y: float = 0.0


@dataclass
class RouteSummary:
    stops: list[StopView] = field(default_factory=list)
    distance_km: float = 0.0
    travel_minutes: int = 0
    on_site_minutes: int = 0

    @property
    def total_minutes(self) -> int:
        return self.travel_minutes + self.on_site_minutes

    @property
    def distance_label(self) -> str:
        return f"{self.distance_km:.1f} 公里"

    @property
    def duration_label(self) -> str:
        return duration_label(self.total_minutes)


def duration_label(minutes: int) -> str:
    h, m = divmod(int(minutes), 60)
    if h and m:
        return f"约 {h} 小时 {m} 分钟"
    if h:
        return f"约 {h} 小时"
    return f"约 {m} 分钟"


def travel_minutes(distance_km: float, speed_kmh: float | None = None) -> int:
    speed = speed_kmh or settings.ROUTES_TRAVEL_SPEED_KMH
    return math.ceil(distance_km / speed * 60) if distance_km else 0


def summarise(route, at: datetime | None = None, *, with_status: bool = True) -> RouteSummary:
    """Everything the route page, API and exports show about a route, computed once."""
    summary = RouteSummary()
    previous = None
    for number, stop in enumerate(route.ordered_stops(), start=1):
        site = stop.site
        leg = geo.haversine_km(*previous, site.latitude, site.longitude) if previous else 0.0
        summary.stops.append(
            StopView(
                number=number,
                stop=stop,
                site=site,
                lat=site.latitude,
                lon=site.longitude,
                leg_km=leg,
                minutes_on_site=stop.minutes_on_site,
                status=site.opening_status(at) if with_status else None,
                amap_url=navigation.amap_navigation_url(site.latitude, site.longitude, site.title),
                baidu_url=navigation.baidu_navigation_url(
                    site.latitude, site.longitude, site.title, site.address
                ),
            )
        )
        summary.distance_km += leg
        summary.on_site_minutes += stop.minutes_on_site
        previous = (site.latitude, site.longitude)
    summary.travel_minutes = travel_minutes(summary.distance_km)
    points = geo.project_points([(s.lat, s.lon) for s in summary.stops], SVG_WIDTH, SVG_HEIGHT, SVG_MARGIN)
    for stop_view, (x, y) in zip(summary.stops, points, strict=True):
        stop_view.x, stop_view.y = x, y
    return summary


def map_payload(summary: RouteSummary) -> dict:
    """What route_map.js draws: tiles from settings, points already in the tiles' datum."""
    crs = settings.ROUTES_TILE_CRS.lower()
    points = []
    for stop in summary.stops:
        lat, lon = geo.to_display_crs(stop.lat, stop.lon, crs)
        points.append(
            {
                "number": stop.number,
                "name": stop.site.title,
                "url": stop.site.url,
                "lat": round(lat, 6),
                "lon": round(lon, 6),
            }
        )
    return {
        "tileUrl": settings.ROUTES_TILE_URL,
        "attribution": settings.ROUTES_TILE_ATTRIBUTION,
        "subdomains": settings.ROUTES_TILE_SUBDOMAINS,
        "maxZoom": settings.ROUTES_TILE_MAX_ZOOM,
        "crs": crs,
        "stops": points,
    }


def svg_path(summary: RouteSummary) -> str:
    """The `points` attribute of the schematic's polyline."""
    return " ".join(f"{s.x},{s.y}" for s in summary.stops)
