import json

import gpxpy
import pytest

pytestmark = pytest.mark.django_db


def _assert_valid_feature_collection(data):
    """The RFC 7946 rules we rely on: FeatureCollection of Features, positions [lon, lat] in range."""
    assert data["type"] == "FeatureCollection"
    for feature in data["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        positions = [geometry["coordinates"]] if geometry["type"] == "Point" else geometry["coordinates"]
        assert geometry["type"] in ("Point", "LineString")
        if geometry["type"] == "LineString":
            assert len(positions) >= 2
        for lon, lat in positions:
            assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_geojson_has_the_stops_as_points_and_the_path_as_a_linestring(client, lushun_route):
    response = client.get(f"/routes/{lushun_route.pk}/route.geojson")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = json.loads(response.content)
    _assert_valid_feature_collection(data)
    points = [f for f in data["features"] if f["geometry"]["type"] == "Point"]
    lines = [f for f in data["features"] if f["geometry"]["type"] == "LineString"]
    assert [p["properties"]["name"] for p in points] == ["万忠墓纪念馆", "白玉山塔", "旅顺博物馆"]
    assert [p["properties"]["order"] for p in points] == [1, 2, 3]
    # [lon, lat] order, WGS-84 as stored.
    assert points[0]["geometry"]["coordinates"] == [121.2697, 38.8236]
    assert len(lines) == 1
    assert lines[0]["geometry"]["coordinates"] == [p["geometry"]["coordinates"] for p in points]
    assert points[0]["properties"]["url"].startswith("http://testserver/")


def test_gpx_parses_back_with_gpxpy(client, lushun_route):
    response = client.get(f"/routes/{lushun_route.pk}/route.gpx")
    assert response.status_code == 200
    gpx = gpxpy.parse(response.content.decode())
    assert gpx.name == "半日游·旅顺口核心线"
    assert [w.name for w in gpx.waypoints] == ["1. 万忠墓纪念馆", "2. 白玉山塔", "3. 旅顺博物馆"]
    route = gpx.routes[0]
    assert [(p.latitude, p.longitude) for p in route.points] == [
        (38.8236, 121.2697),
        (38.81, 121.253),
        (38.8125, 121.258),
    ]


def test_exports_of_a_draft_route_are_not_found(client, lushun_route):
    lushun_route.unpublish()
    assert client.get(f"/routes/{lushun_route.pk}/route.geojson").status_code == 404
    assert client.get(f"/routes/{lushun_route.pk}/route.gpx").status_code == 404


def test_exports_of_a_members_only_route_need_sign_in(client, make_user, lushun_route):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=lushun_route, restriction_type=PageViewRestriction.LOGIN)
    assert client.get(f"/routes/{lushun_route.pk}/route.gpx").status_code == 404
    client.force_login(make_user("member1", role="党员"))
    assert client.get(f"/routes/{lushun_route.pk}/route.gpx").status_code == 200
