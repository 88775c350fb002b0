import math
from urllib.parse import parse_qs, urlparse

import pytest

from routes.services import geo, navigation
from routes.services import routes as route_services

pytestmark = pytest.mark.django_db


def test_distance_is_the_great_circle_sum_over_the_stops_in_order(make_site, make_route):
    # Three points on one meridian, 0.1° apart: each leg is R·0.1·π/180.
    a = make_site("甲", 38.80, 121.30)
    b = make_site("乙", 38.90, 121.30)
    c = make_site("丙", 39.00, 121.30)
    leg = geo.EARTH_RADIUS_KM * math.radians(0.1)
    summary = route_services.summarise(make_route("顺序线", [a, b, c]))
    assert summary.distance_km == pytest.approx(2 * leg, rel=1e-9)
    assert [s.site.title for s in summary.stops] == ["甲", "乙", "丙"]
    # Visiting the same sites out of order walks further.
    zigzag = route_services.summarise(make_route("折返线", [a, c, b]))
    assert zigzag.distance_km == pytest.approx(3 * leg, rel=1e-9)


def test_duration_is_travel_at_the_configured_speed_plus_time_on_site(settings, make_site, make_route):
    settings.ROUTES_TRAVEL_SPEED_KMH = 30
    a = make_site("甲", 38.80, 121.30)
    b = make_site("乙", 39.00, 121.30)  # ≈ 22.24 km
    summary = route_services.summarise(make_route("线", [a, b], minutes=50))
    assert summary.travel_minutes == math.ceil(summary.distance_km / 30 * 60) == 45
    assert summary.on_site_minutes == 100
    assert summary.total_minutes == 145
    assert summary.duration_label == "约 2 小时 25 分钟"
    settings.ROUTES_TRAVEL_SPEED_KMH = 60
    assert route_services.summarise(make_route("线2", [a, b], minutes=50)).travel_minutes == 23


def test_unpublished_sites_drop_out_of_the_route(make_site, make_route):
    a = make_site("甲", 38.80, 121.30)
    b = make_site("乙", 38.90, 121.30)
    route = make_route("线", [a, b])
    b.unpublish()
    assert [s.site.title for s in route_services.summarise(route).stops] == ["甲"]


def test_map_payload_converts_every_point_for_gcj02_tiles(settings, lushun_route):
    summary = route_services.summarise(lushun_route)
    settings.ROUTES_TILE_CRS = "wgs84"
    plain = route_services.map_payload(summary)
    assert [(p["lat"], p["lon"]) for p in plain["stops"]] == [
        (round(s.lat, 6), round(s.lon, 6)) for s in summary.stops
    ]
    settings.ROUTES_TILE_CRS = "gcj02"
    settings.ROUTES_TILE_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}"
    shifted = route_services.map_payload(summary)
    assert shifted["crs"] == "gcj02" and shifted["tileUrl"].startswith("https://webrd0")
    for point, stop in zip(shifted["stops"], summary.stops, strict=True):
        glat, glon = geo.wgs84_to_gcj02(stop.lat, stop.lon)
        assert (point["lat"], point["lon"]) == (round(glat, 6), round(glon, 6))


def test_amap_link_carries_gcj02_and_baidu_link_bd09():
    lat, lon = 38.8163, 121.2547
    amap = parse_qs(urlparse(navigation.amap_navigation_url(lat, lon, "旅顺日俄监狱旧址")).query)
    to_lon, to_lat, name = amap["to"][0].split(",")
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    assert (float(to_lat), float(to_lon)) == pytest.approx((glat, glon), abs=1e-6)
    assert name == "旅顺日俄监狱旧址" and amap["coordinate"] == ["gaode"]
    baidu = parse_qs(urlparse(navigation.baidu_navigation_url(lat, lon, "旅顺日俄监狱旧址")).query)
    b_lat, b_lon = (float(v) for v in baidu["location"][0].split(","))
    assert (b_lat, b_lon) == pytest.approx(geo.wgs84_to_bd09(lat, lon), abs=1e-6)
    assert baidu["coord_type"] == ["bd09ll"]


def test_schematic_points_fit_the_svg_box(lushun_route):
    summary = route_services.summarise(lushun_route)
    for stop in summary.stops:
        assert route_services.SVG_MARGIN <= stop.x <= route_services.SVG_WIDTH - route_services.SVG_MARGIN
        assert route_services.SVG_MARGIN <= stop.y <= route_services.SVG_HEIGHT - route_services.SVG_MARGIN
    # North is up: the northernmost stop (万忠墓) is drawn highest.
    assert min(summary.stops, key=lambda s: s.y).site.title == "万忠墓纪念馆"
