"""Template context for site and route pages (the models' get_context delegates here)."""

from __future__ import annotations

import importlib.util
from datetime import datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from . import hours, navigation
from . import routes as route_services

SECRETARY_GROUP = "支部书记"
SAMPLE_DATA_NOTICE = "坐标与开放时间为示例数据，出行前请电话确认。"


def media_player_available() -> bool:
    """The media app's `{% media_player %}` tag, once that app ships it."""
    try:
        return importlib.util.find_spec("media.templatetags.media_tags") is not None
    except ModuleNotFoundError:
        return False


def plan_visit_url(route, user) -> str | None:
    """The branches app's "plan a theme party day on this route" view, for branch secretaries only,
    and only when that view exists."""
    if not user.is_authenticated or not user.groups.filter(name=SECRETARY_GROUP).exists():
        return None
    try:
        return reverse("branches:plan_visit", kwargs={"route_id": route.pk})
    except NoReverseMatch:
        return None


def site_page_context(site, request) -> dict:
    from ..models import RoutePage

    today = datetime.now(hours.SHANGHAI).date()
    upcoming_closures = [c for c in site.closures.all() if (c.end_date or c.start_date) >= today]

    return {
        "status": site.opening_status(),
        "weekly_hours": hours.weekly_summary(site.weekly_periods()),
        "upcoming_closures": upcoming_closures,
        "amap_url": navigation.amap_navigation_url(site.latitude, site.longitude, site.title),
        "baidu_url": navigation.baidu_navigation_url(site.latitude, site.longitude, site.title, site.address),
        "routes_through": RoutePage.objects.live()
        .public()
        .filter(stops__site=site)
        .distinct()
        .order_by("title"),
        "lessons": site.lessons(),
        "gallery": site.gallery_images.select_related("image"),
        "audio_guide": site.audio_guide,
        "media_player_available": media_player_available(),
        "sample_data_notice": SAMPLE_DATA_NOTICE if site.sample_data else "",
        "qr_svg_url": reverse("routes:site_qr_svg", args=[site.pk]),
        "plaque_url": reverse("routes:site_plaque", args=[site.pk]),
    }


def route_page_context(route, request) -> dict:
    summary = route_services.summarise(route)
    return {
        "summary": summary,
        "map_payload": route_services.map_payload(summary),
        "svg_points": route_services.svg_path(summary),
        "svg_width": route_services.SVG_WIDTH,
        "svg_height": route_services.SVG_HEIGHT,
        "lessons": route.lessons(),
        "sample_data_notice": SAMPLE_DATA_NOTICE if any(s.site.sample_data for s in summary.stops) else "",
        "plan_visit_url": plan_visit_url(route, request.user),
        "speed_kmh": settings.ROUTES_TRAVEL_SPEED_KMH,
        "geojson_url": reverse("routes:route_geojson", args=[route.pk]),
        "gpx_url": reverse("routes:route_gpx", args=[route.pk]),
    }


def routes_using_sites_under(page) -> list[str]:
    """Titles of the routes whose stops are this page or sites below it (deleting would break them)."""
    from ..models import RouteStop

    stops = RouteStop.objects.filter(site__path__startswith=page.path).select_related("page")
    return sorted({stop.page.title for stop in stops})


def sites_about_lesson(lesson, request) -> list[dict]:
    """The live, public 红色基地 whose page links this lesson (相关党课), for the lesson page (the
    `dangke_lesson_places` hook): so 关向应纪念馆 and the 关向应 lesson link each other."""
    from ..models import SitePage

    sites = (
        SitePage.objects.live()
        .public()
        .filter(related_lessons__lesson_id=lesson.pk)
        .distinct()
        .order_by("title")
    )
    return [{"title": site.title, "url": site.get_url(request), "kind": site.district} for site in sites]
