import math

import pytest
from django.core.exceptions import ValidationError

from routes.services import geo


def test_haversine_one_degree_of_longitude_on_the_equator():
    # 2πR/360 with the IUGG mean radius.
    assert geo.haversine_km(0, 0, 0, 1) == pytest.approx(2 * math.pi * 6371.0088 / 360, rel=1e-9)


def test_haversine_known_city_pair():
    # Dalian (38.914, 121.615) to Beijing (39.904, 116.407): about 463 km on the great circle.
    assert geo.haversine_km(38.914, 121.615, 39.904, 116.407) == pytest.approx(463, abs=3)


def test_path_length_is_the_sum_of_the_legs():
    points = [(0, 0), (0, 1), (1, 1), (1, 1)]
    expected = geo.haversine_km(0, 0, 0, 1) + geo.haversine_km(0, 1, 1, 1)
    assert geo.path_length_km(points) == pytest.approx(expected)
    assert geo.path_length_km(points[:1]) == 0
    assert geo.path_length_km([]) == 0


@pytest.mark.parametrize(
    ("wgs", "gcj"),
    [
        # Reference values published with wandergis/coordtransform (wgs84togcj02(116.404, 39.915)).
        ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
    ],
)
def test_wgs84_to_gcj02_matches_published_values(wgs, gcj):
    lat, lon = geo.wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-9)
    assert lon == pytest.approx(gcj[1], abs=1e-9)


def test_gcj02_to_bd09_matches_published_values():
    # coordtransform: gcj02tobd09(116.404, 39.915) -> [116.41036949371029, 39.92133699351022]
    lat, lon = geo.gcj02_to_bd09(39.915, 116.404)
    assert lat == pytest.approx(39.92133699351022, abs=1e-9)
    assert lon == pytest.approx(116.41036949371029, abs=1e-9)


def test_gcj02_offset_in_dalian_is_a_few_hundred_metres():
    lat, lon = geo.wgs84_to_gcj02(38.9140, 121.6147)
    shift_m = geo.haversine_km(38.9140, 121.6147, lat, lon) * 1000
    assert 200 < shift_m < 800


def test_gcj02_round_trip_is_under_a_metre():
    lat, lon = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(38.8163, 121.2547))
    assert geo.haversine_km(38.8163, 121.2547, lat, lon) * 1000 < 1


@pytest.mark.parametrize("point", [(51.5074, -0.1278), (40.7128, -74.006), (-33.86, 151.21), (60.0, 120.0)])
def test_no_conversion_outside_china(point):
    assert geo.out_of_china(*point)
    assert geo.wgs84_to_gcj02(*point) == point
    assert geo.wgs84_to_bd09(*point) == point


def test_display_crs_follows_the_setting(settings):
    settings.ROUTES_TILE_CRS = "wgs84"
    assert geo.to_display_crs(38.9, 121.6) == (38.9, 121.6)
    settings.ROUTES_TILE_CRS = "gcj02"
    assert geo.to_display_crs(38.9, 121.6) == geo.wgs84_to_gcj02(38.9, 121.6)
    settings.ROUTES_TILE_CRS = "bd09"
    with pytest.raises(ValueError):
        geo.to_display_crs(38.9, 121.6)


def test_bounding_box_contains_every_point_within_the_radius():
    lat, lon, km = 38.9, 121.6, 10
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, km)
    for bearing in range(0, 360, 15):
        # A point just inside the radius in every direction.
        d = (km * 0.999) / geo.EARTH_RADIUS_KM
        b = math.radians(bearing)
        phi1, lam1 = math.radians(lat), math.radians(lon)
        phi2 = math.asin(math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(b))
        lam2 = lam1 + math.atan2(
            math.sin(b) * math.sin(d) * math.cos(phi1), math.cos(d) - math.sin(phi1) * math.sin(phi2)
        )
        p_lat, p_lon = math.degrees(phi2), math.degrees(lam2)
        assert min_lat <= p_lat <= max_lat and min_lon <= p_lon <= max_lon


# --- validation -------------------------------------------------------------------------------


def test_coordinates_inside_dalian_are_valid():
    assert geo.validate_coordinates(38.8163, 121.2547) == {}  # 旅顺
    assert geo.validate_coordinates(39.69, 122.97) == {}  # 庄河


def test_swapped_latitude_and_longitude_are_caught_in_chinese():
    errors = geo.validate_coordinates(121.2547, 38.8163)
    assert "纬度必须在 -90 到 90 之间" in errors["latitude"][0]


def test_outside_the_city_needs_the_override():
    # Shenyang: a real place, not in Dalian.
    errors = geo.validate_coordinates(41.80, 123.43)
    assert "不在大连市范围内" in errors["latitude"][0]
    assert geo.validate_coordinates(41.80, 123.43, allow_outside_city=True) == {}


def test_out_of_range_is_an_error_even_with_the_override():
    errors = geo.validate_coordinates(38.9, 190, allow_outside_city=True)
    assert "经度必须在 -180 到 180 之间" in errors["longitude"][0]


def test_missing_coordinates():
    errors = geo.validate_coordinates(None, None)
    assert errors == {"latitude": ["请填写纬度。"], "longitude": ["请填写经度。"]}


@pytest.mark.django_db
def test_site_page_clean_uses_the_validation(route_tree):
    from routes.models import SitePage

    _, site_index = route_tree
    site = SitePage(
        title="沈阳某地",
        slug="shenyang",
        category="museum",
        district="中山区",
        address="x",
        latitude=41.8,
        longitude=123.43,
    )
    with pytest.raises(ValidationError) as info:
        site.clean()
    assert "latitude" in info.value.message_dict
    site.outside_city = True
    site.clean()
