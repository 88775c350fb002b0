"""Sites near a point: a bounding box in SQL (indexable, cheap), then the exact great-circle
distance in Python on the few rows left, nearest first."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from . import geo

RESULT_FIELDS = ("title", "slug", "url_path", "category", "district", "address", "latitude", "longitude")


@dataclass
class NearbySite:
    site: object  # SitePage
    distance_km: float

    @property
    def distance_label(self) -> str:
        if self.distance_km < 1:
            return f"{round(self.distance_km * 1000)} 米"
        return f"{self.distance_km:.1f} 公里"


def parse_query(params) -> tuple[dict | None, dict[str, str]]:
    """({"lat", "lon", "km"} or None, errors by field in Chinese) from the query string."""
    errors: dict[str, str] = {}
    values: dict[str, float] = {}
    if not params.get("lat") and not params.get("lon"):
        return None, {}
    for name, label, low, high in (("lat", "纬度", -90, 90), ("lon", "经度", -180, 180)):
        raw = (params.get(name) or "").strip()
        if not raw:
            errors[name] = f"请填写{label}。"
            continue
        try:
            value = float(raw)
        except ValueError:
            errors[name] = f"{label}必须是数字，例如 38.9140。"
            continue
        if not low <= value <= high or value != value:  # value != value: NaN
            errors[name] = f"{label}必须在 {low} 到 {high} 之间。"
            continue
        values[name] = value
    raw_km = (params.get("km") or "").strip()
    if raw_km:
        try:
            km = float(raw_km)
        except ValueError:
            errors["km"] = "范围必须是数字（公里）。"
        else:
            if not 0 < km <= settings.ROUTES_NEAR_MAX_KM:
                errors["km"] = f"范围必须大于 0、不超过 {settings.ROUTES_NEAR_MAX_KM:g} 公里。"
            values["km"] = km
    else:
        values["km"] = settings.ROUTES_NEAR_DEFAULT_KM
    if errors:
        return None, errors
    return values, {}


def nearest_sites(lat: float, lon: float, km: float, *, limit: int | None = None, queryset=None):
    from ..models import SitePage

    limit = limit or settings.ROUTES_NEAR_LIMIT
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, km)
    qs = queryset if queryset is not None else SitePage.objects.live().public()
    # Only the coordinates of the rows in the box; pages are built for the few nearest only.
    candidates = qs.filter(
        latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon
    ).values_list("pk", "latitude", "longitude")
    found = []
    for pk, site_lat, site_lon in candidates:
        distance = geo.haversine_km(lat, lon, site_lat, site_lon)
        if distance <= km:
            found.append((distance, pk))
    found.sort()
    found = found[:limit]
    # Only what the near-me page and JSON show: building full pages dominates the cost otherwise.
    pages = SitePage.objects.only(*RESULT_FIELDS).in_bulk([pk for _, pk in found])
    return [NearbySite(pages[pk], distance) for distance, pk in found]
