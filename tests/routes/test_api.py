import pytest

pytestmark = pytest.mark.django_db


def test_route_list(client, lushun_route, make_site, make_route):
    other = make_route("第二条线", [make_site("关向应纪念馆", 39.1385, 121.8063, district="金州区")])
    data = client.get("/api/v1/routes/").json()
    assert data["count"] == 2
    first = data["results"][0]
    assert first["id"] == lushun_route.pk and first["title"] == "半日游·旅顺口核心线"
    assert first["stop_count"] == 3
    assert first["on_site_minutes"] == 135
    assert first["duration_minutes"] == first["travel_minutes"] + 135
    assert first["detail_url"] == f"http://testserver/api/v1/routes/{lushun_route.pk}/"
    assert data["results"][1]["districts"] == ["金州区"] and data["results"][1]["id"] == other.pk


def test_route_list_leaves_out_drafts_and_private_routes(client, lushun_route, make_route, make_site):
    from wagtail.models import PageViewRestriction

    draft = make_route("草稿线", [make_site("甲", 38.9, 121.6)])
    draft.unpublish()
    private = make_route("内部线", [make_site("乙", 38.9, 121.6)])
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    ids = [r["id"] for r in client.get("/api/v1/routes/").json()["results"]]
    assert ids == [lushun_route.pk]
    assert client.get(f"/api/v1/routes/{draft.pk}/").status_code == 404
    assert client.get(f"/api/v1/routes/{private.pk}/").status_code == 404


def test_route_detail(client, lushun_route):
    response = client.get(f"/api/v1/routes/{lushun_route.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert [s["name"] for s in data["stops"]] == ["万忠墓纪念馆", "白玉山塔", "旅顺博物馆"]
    stop = data["stops"][0]
    assert (stop["lat"], stop["lon"], stop["coordinate_system"]) == (38.8236, 121.2697, "WGS-84")
    assert stop["leg_km"] == 0 and data["stops"][1]["leg_km"] > 0
    assert isinstance(stop["open_now"], bool) and stop["status"]
    assert stop["navigation"]["amap"].startswith("https://uri.amap.com/navigation?")
    assert stop["navigation"]["baidu"].startswith("https://api.map.baidu.com/marker?")
    assert data["geojson_url"].endswith(f"/routes/{lushun_route.pk}/route.geojson")
    assert data["distance_km"] == pytest.approx(sum(s["leg_km"] for s in data["stops"]), abs=0.02)


def test_route_detail_of_a_site_id_is_not_found(client, lushun_route):
    site_id = lushun_route.stops.first().site_id
    assert client.get(f"/api/v1/routes/{site_id}/").status_code == 404
    assert client.post("/api/v1/routes/").status_code == 405


def test_wagtail_api_v2_endpoints(client, lushun_route):
    routes = client.get("/api/v2/routes/").json()
    assert [item["id"] for item in routes["items"]] == [lushun_route.pk]
    assert routes["items"][0]["theme"] == "founding"
    # ?type= cannot widen the endpoint to other page types.
    assert client.get("/api/v2/routes/?type=wagtailcore.Page").json()["meta"]["total_count"] == 1
    detail = client.get(f"/api/v2/routes/{lushun_route.pk}/").json()
    assert [stop["site"]["title"] for stop in detail["stops"]] == ["万忠墓纪念馆", "白玉山塔", "旅顺博物馆"]
    sites = client.get("/api/v2/sites/").json()
    assert sites["meta"]["total_count"] == 3
    site_detail = client.get(f"/api/v2/sites/{sites['items'][0]['id']}/").json()
    assert site_detail["latitude"] and len(site_detail["opening_periods"]) in (6, 7)


def test_route_list_filters(client, lushun_route, make_site, make_route):
    from routes.models import RoutePage

    make_route(
        "金州线",
        [make_site("关向应纪念馆", 39.1385, 121.8063, district="金州区")],
        theme=RoutePage.Theme.MARTYRS,
    )
    titles = lambda query: [r["title"] for r in client.get(f"/api/v1/routes/?{query}").json()["results"]]  # noqa: E731
    assert titles("district=金州区") == ["金州线"]
    assert titles("theme=founding") == ["半日游·旅顺口核心线"]
    assert titles("duration=half-day") == ["半日游·旅顺口核心线", "金州线"]
    response = client.get("/api/v1/routes/?district=北京")
    assert response.status_code == 400 and "没有这个区域" in response.json()["errors"]["district"]
