from urllib.parse import parse_qsl

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(make_site):
    return {
        "prison": make_site("旅顺日俄监狱旧址", 38.8163, 121.2547, district="旅顺口区"),
        "wanzhongmu": make_site("万忠墓纪念馆", 38.8236, 121.2697, district="旅顺口区"),
        "cemetery": make_site("苏军烈士陵园", 38.8294, 121.2262, district="旅顺口区"),
        "guan": make_site("关向应纪念馆", 39.1385, 121.8063, district="金州区"),
    }


def test_nearest_first_with_distances(client, sites):
    response = client.get("/routes/near/?lat=38.8170&lon=121.2560&km=10&format=json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["name"] for r in results] == ["旅顺日俄监狱旧址", "万忠墓纪念馆", "苏军烈士陵园"]
    distances = [r["distance_km"] for r in results]
    assert distances == sorted(distances) and distances[0] < 0.2


def test_radius_excludes_far_sites_and_wider_radius_includes_them(client, sites):
    near = client.get("/routes/near/?lat=38.8170&lon=121.2560&km=2&format=json").json()["results"]
    assert [r["name"] for r in near] == ["旅顺日俄监狱旧址", "万忠墓纪念馆"]
    wide = client.get("/routes/near/?lat=38.8170&lon=121.2560&km=80&format=json").json()["results"]
    assert wide[-1]["name"] == "关向应纪念馆"


def test_bounding_box_prefilter_is_in_sql(sites, django_assert_max_num_queries):
    from routes.services.nearby import nearest_sites

    with django_assert_max_num_queries(3) as captured:
        results = nearest_sites(38.8170, 121.2560, 5)
    assert len(results) == 3
    sql = next(q["sql"] for q in captured.captured_queries if "routes_sitepage" in q["sql"])
    assert "latitude" in sql and "longitude" in sql and ">=" in sql


def test_unpublished_sites_are_not_listed(client, sites):
    sites["prison"].unpublish()
    results = client.get("/routes/near/?lat=38.8170&lon=121.2560&km=10&format=json").json()["results"]
    assert "旅顺日俄监狱旧址" not in [r["name"] for r in results]


def test_html_page_lists_results_and_asks_for_location_politely(client, sites, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        html = client.get("/routes/near/?lat=38.8170&lon=121.2560&km=2").content.decode()
    assert html.index("旅顺日俄监狱旧址") < html.index("万忠墓纪念馆")
    assert "苏军烈士陵园" not in html
    assert "data-locate" in html and "不会保存" in html and 'for="near-lat"' in html


def test_page_without_a_query_shows_the_form_only(client, sites):
    response = client.get("/routes/near/")
    assert response.status_code == 200
    assert "使用我的位置" in response.content.decode() and "near-results" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("lat=abc&lon=121.2", "lat", "纬度必须是数字"),
        ("lat=38.8&lon=", "lon", "请填写经度"),
        ("lat=95&lon=121.2", "lat", "纬度必须在 -90 到 90 之间"),
        ("lat=38.8&lon=121.2&km=0", "km", "范围必须大于 0"),
        ("lat=38.8&lon=121.2&km=-3", "km", "范围必须大于 0"),
        ("lat=38.8&lon=121.2&km=9999", "km", "不超过"),
        ("lat=38.8&lon=121.2&km=远", "km", "范围必须是数字"),
        ("lat=nan&lon=121.2", "lat", "纬度必须在"),
    ],
)
def test_validation_errors_in_chinese(client, sites, query, field, message):
    response = client.get(f"/routes/near/?{query}&format=json")
    assert response.status_code == 400
    assert message in response.json()["errors"][field]
    page = client.get(f"/routes/near/?{query}")
    assert page.status_code == 400
    html = page.content.decode()
    assert message in html and 'aria-invalid="true"' in html
    # What the person typed is kept.
    for name, value in parse_qsl(query):
        assert f'name="{name}" inputmode="decimal" value="{value}"' in html
