"""System checks for the routes settings: a wrong tile datum or bounding box would misplace every
marker or refuse every site, so it fails at start-up rather than on a page."""

from django.conf import settings
from django.core.checks import Error, register

from .services.geo import CRS_CHOICES


@register()
def check_routes_settings(app_configs, **kwargs):
    errors = []
    if str(settings.ROUTES_TILE_CRS).lower() not in CRS_CHOICES:
        errors.append(
            Error(
                f"ROUTES_TILE_CRS must be one of {', '.join(CRS_CHOICES)}, not {settings.ROUTES_TILE_CRS!r}.",
                hint='"wgs84" for OpenStreetMap and most tile servers, "gcj02" for Amap/Tencent tiles.',
                id="routes.E001",
            )
        )
    bbox = settings.ROUTES_CITY_BBOX
    if len(bbox) != 4 or not (-90 <= bbox[0] < bbox[2] <= 90 and -180 <= bbox[1] < bbox[3] <= 180):
        errors.append(
            Error(
                f"ROUTES_CITY_BBOX must be south,west,north,east in degrees, not {bbox!r}.",
                id="routes.E002",
            )
        )
    if settings.ROUTES_TRAVEL_SPEED_KMH <= 0:
        errors.append(Error("ROUTES_TRAVEL_SPEED_KMH must be greater than 0.", id="routes.E003"))
    if "{x}" not in settings.ROUTES_TILE_URL or "{y}" not in settings.ROUTES_TILE_URL:
        errors.append(
            Error("ROUTES_TILE_URL must be a Leaflet template with {z}, {x} and {y}.", id="routes.E004")
        )
    return errors
