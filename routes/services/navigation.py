"""Deep links into Amap and Baidu maps. Amap's URI API takes GCJ-02 (coordinate=gaode); Baidu's
takes BD-09 by default (coord_type=bd09ll): each link gets the stored WGS-84 point converted for it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from . import geo


def amap_navigation_url(lat: float, lon: float, name: str) -> str:
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    params = {
        "to": f"{glon:.6f},{glat:.6f},{name}",
        "mode": "car",
        "coordinate": "gaode",
        "callnative": "1",
        "src": settings.ROUTES_MAP_URI_SOURCE,
    }
    return "https://uri.amap.com/navigation?" + urlencode(params)


def baidu_navigation_url(lat: float, lon: float, name: str, address: str = "") -> str:
    blat, blon = geo.wgs84_to_bd09(lat, lon)
    params = {
        "location": f"{blat:.6f},{blon:.6f}",
        "title": name,
        "content": address or name,
        "output": "html",
        "coord_type": "bd09ll",
        "src": settings.ROUTES_MAP_URI_SOURCE,
    }
    return "https://api.map.baidu.com/marker?" + urlencode(params)
