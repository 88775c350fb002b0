"""A route as GeoJSON (RFC 7946: [lon, lat], WGS-84) and as GPX 1.1 (gpxpy)."""

from __future__ import annotations

import gpxpy.gpx

from .routes import RouteSummary


def route_geojson(route, summary: RouteSummary, *, base_url: str = "") -> dict:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(s.lon, 6), round(s.lat, 6)]},
            "properties": {
                "kind": "stop",
                "order": s.number,
                "name": s.site.title,
                "category": s.site.get_category_display(),
                "district": s.site.district,
                "address": s.site.address,
                "minutes_on_site": s.minutes_on_site,
                "note": s.stop.note,
                "url": base_url + (s.site.url or ""),
                "sample_data": s.site.sample_data,
            },
        }
        for s in summary.stops
    ]
    if len(summary.stops) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[round(s.lon, 6), round(s.lat, 6)] for s in summary.stops],
                },
                "properties": {
                    "kind": "path",
                    "name": route.title,
                    "distance_km": round(summary.distance_km, 3),
                    "duration_minutes": summary.total_minutes,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "name": route.title,
        "features": features,
    }


def route_gpx(route, summary: RouteSummary, *, base_url: str = "") -> str:
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Dangke 党课"
    gpx.name = route.title
    gpx.description = route.introduction
    gpx_route = gpxpy.gpx.GPXRoute(name=route.title, description=route.introduction)
    for s in summary.stops:
        description = "；".join(part for part in (s.site.address, s.stop.note) if part)
        link = base_url + (s.site.url or "")
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                latitude=s.lat, longitude=s.lon, name=f"{s.number}. {s.site.title}", description=description
            )
        )
        point = gpxpy.gpx.GPXRoutePoint(latitude=s.lat, longitude=s.lon, name=s.site.title)
        point.description = description
        point.comment = link
        gpx_route.points.append(point)
    gpx.routes.append(gpx_route)
    return gpx.to_xml(version="1.1")
