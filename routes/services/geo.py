"""Coordinates: great-circle distances, the city's bounding box, and the Chinese map datums.

Sites are stored in WGS-84 (what GPS and OpenStreetMap use). Chinese map providers draw in GCJ-02
(Amap, Tencent) or BD-09 (Baidu), which are WGS-84 shifted by an obfuscation formula by up to
several hundred metres; a WGS-84 point drawn on their tiles lands off target. The formulas below are
the widely published ones (e.g. eviltransform, coordtransform); GCJ-02 applies only inside China.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius

WGS84 = "wgs84"
GCJ02 = "gcj02"
CRS_CHOICES = (WGS84, GCJ02)

# Krasovsky 1940 ellipsoid, as the GCJ-02 formula uses it.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS-84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def path_length_km(points: Iterable[tuple[float, float]]) -> float:
    """Sum of the great-circle legs between consecutive (lat, lon) points."""
    total = 0.0
    previous = None
    for point in points:
        if previous is not None:
            total += haversine_km(previous[0], previous[1], point[0], point[1])
        previous = point
    return total


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box that contains every point within `km` of the
    centre on the sphere (exact: the widest longitude is reached north or south of the centre's
    parallel); a cheap SQL prefilter before the exact distance. Does not wrap the antimeridian."""
    angular = km / EARTH_RADIUS_KM
    dlat = math.degrees(angular)
    ratio = math.sin(angular) / max(math.cos(math.radians(lat)), 1e-12)
    dlon = 180.0 if ratio >= 1 or abs(lat) + dlat >= 90 else math.degrees(math.asin(ratio))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# --- validation -------------------------------------------------------------------------------


def city_bbox() -> tuple[float, float, float, float]:
    south, west, north, east = settings.ROUTES_CITY_BBOX
    return south, west, north, east


def in_city(lat: float, lon: float) -> bool:
    south, west, north, east = city_bbox()
    return south <= lat <= north and west <= lon <= east


def validate_coordinates(lat, lon, *, allow_outside_city: bool = False) -> dict[str, list[str]]:
    """Errors by field name ({} when valid), in Chinese for editors and end users."""
    errors: dict[str, list[str]] = {}
    if lat is None:
        errors.setdefault("latitude", []).append("请填写纬度。")
    elif not -90 <= lat <= 90:
        errors.setdefault("latitude", []).append("纬度必须在 -90 到 90 之间。")
    if lon is None:
        errors.setdefault("longitude", []).append("请填写经度。")
    elif not -180 <= lon <= 180:
        errors.setdefault("longitude", []).append("经度必须在 -180 到 180 之间。")
    if errors or allow_outside_city or in_city(lat, lon):
        return errors
    south, west, north, east = city_bbox()
    message = (
        f"坐标（纬度 {lat}，经度 {lon}）不在大连市范围内"
        f"（纬度 {south}–{north}，经度 {west}–{east}）。"
        "请检查是否把经纬度填反，或是否使用了 GCJ-02/BD-09 坐标；确认无误请勾选“坐标在市外”。"
    )
    errors["latitude"] = [message]
    return errors


def raise_for_coordinates(lat, lon, *, allow_outside_city: bool = False) -> None:
    errors = validate_coordinates(lat, lon, allow_outside_city=allow_outside_city)
    if errors:
        raise ValidationError(errors)


# --- datums -----------------------------------------------------------------------------------


def out_of_china(lat: float, lon: float) -> bool:
    """The rough rectangle GCJ-02 is defined on; outside it the offset is not applied."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Inverse by fixed-point iteration (accurate to well under a metre after a few rounds)."""
    if out_of_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(6):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        wlat += lat - glat
        wlon += lon - glon
    return wlat, wlon


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    if out_of_china(lat, lon):
        return lat, lon
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def to_display_crs(lat: float, lon: float, crs: str | None = None) -> tuple[float, float]:
    """A stored WGS-84 point in the coordinate system the configured tiles are drawn in."""
    crs = (crs or settings.ROUTES_TILE_CRS).lower()
    if crs == GCJ02:
        return wgs84_to_gcj02(lat, lon)
    if crs == WGS84:
        return lat, lon
    raise ValueError(f"ROUTES_TILE_CRS must be one of {CRS_CHOICES}, not {crs!r}")


def project_points(points: Sequence[tuple[float, float]], width: float, height: float, margin: float):
    """Equirectangular projection of (lat, lon) points into an SVG box, north up, keeping the
    aspect ratio (longitude scaled by cos(latitude)); returns [(x, y), ...]."""
    if not points:
        return []
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    mid_lat = (min(lats) + max(lats)) / 2
    kx = math.cos(math.radians(mid_lat))
    xs = [lon * kx for lon in lons]
    span_x = max(xs) - min(xs)
    span_y = max(lats) - min(lats)
    usable_w, usable_h = width - 2 * margin, height - 2 * margin
    scale = min(usable_w / span_x if span_x else math.inf, usable_h / span_y if span_y else math.inf)
    if scale == math.inf:
        scale = 0.0
    offset_x = margin + (usable_w - span_x * scale) / 2
    offset_y = margin + (usable_h - span_y * scale) / 2
    return [
        (round(offset_x + (x - min(xs)) * scale, 1), round(offset_y + (max(lats) - lat) * scale, 1))
        for x, lat in zip(xs, lats, strict=True)
    ]
