"""The JSON the plain /api/v1/routes/ views answer with."""

from __future__ import annotations

from django.urls import reverse

from security.public_urls import absolute_url

from . import routes as route_services


def absolute(request, path: str) -> str:
    return absolute_url(path, request)


def route_brief(route, summary: route_services.RouteSummary, request) -> dict:
    districts = []
    for stop in summary.stops:
        if stop.site.district not in districts:
            districts.append(stop.site.district)
    return {
        "id": route.pk,
        "title": route.title,
        "slug": route.slug,
        "url": absolute(request, route.url),
        "theme": route.theme,
        "theme_label": route.get_theme_display(),
        "introduction": route.introduction,
        "districts": districts,
        "stop_count": len(summary.stops),
        "distance_km": round(summary.distance_km, 2),
        "travel_minutes": summary.travel_minutes,
        "on_site_minutes": summary.on_site_minutes,
        "duration_minutes": summary.total_minutes,
        "detail_url": absolute(request, reverse("routes:api_route_detail", args=[route.pk])),
    }


def route_detail(route, summary: route_services.RouteSummary, request) -> dict:
    data = route_brief(route, summary, request)
    data["stops"] = [
        {
            "order": s.number,
            "site_id": s.site.pk,
            "name": s.site.title,
            "category": s.site.category,
            "category_label": s.site.get_category_display(),
            "district": s.site.district,
            "address": s.site.address,
            "lat": s.lat,
            "lon": s.lon,
            "coordinate_system": "WGS-84",
            "sample_data": s.site.sample_data,
            "note": s.stop.note,
            "minutes_on_site": s.minutes_on_site,
            "leg_km": round(s.leg_km, 2),
            "open_now": s.status.is_open if s.status else None,
            "status": s.status.label if s.status else "",
            "url": absolute(request, s.site.url),
            "navigation": {"amap": s.amap_url, "baidu": s.baidu_url},
        }
        for s in summary.stops
    ]
    data["geojson_url"] = absolute(request, reverse("routes:route_geojson", args=[route.pk]))
    data["gpx_url"] = absolute(request, reverse("routes:route_gpx", args=[route.pk]))
    return data
