import io

import pytest
from django.core.management import call_command

from routes.models import RoutePage, RouteStop, SiteClosure, SiteOpeningPeriod, SitePage
from routes.services import geo

pytestmark = pytest.mark.django_db


def counts():
    return {
        "routes": RoutePage.objects.count(),
        "sites": SitePage.objects.count(),
        "stops": RouteStop.objects.count(),
        "periods": SiteOpeningPeriod.objects.count(),
        "closures": SiteClosure.objects.count(),
    }


def test_load_demo_builds_21_routes_idempotently():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    first = counts()
    call_command("load_demo", stdout=io.StringIO())
    assert counts() == first
    assert first["routes"] == 21
    assert "21 条线路" in out.getvalue() and "示例数据" in out.getvalue()
    for route in RoutePage.objects.live():
        assert 3 <= route.stops.count() <= 6, route.title
    names = set(SitePage.objects.values_list("title", flat=True))
    for required in (
        "关向应纪念馆",
        "旅顺日俄监狱旧址",
        "万忠墓纪念馆",
        "苏军烈士陵园",
        "大连革命烈士陵园",
        "大连中华工学会旧址",
        "建新公司旧址",
    ):
        assert required in names
    districts = set(SitePage.objects.values_list("district", flat=True))
    assert {"中山区", "西岗区", "沙河口区", "甘井子区", "旅顺口区", "金州区"} <= districts


def test_demo_sites_are_marked_sample_and_inside_dalian():
    call_command("load_demo", stdout=io.StringIO())
    for site in SitePage.objects.all():
        assert site.sample_data
        assert geo.validate_coordinates(site.latitude, site.longitude) == {}, site.title
        assert site.opening_periods.exists()


def test_demo_route_page_renders_with_sample_notice(client):
    call_command("load_demo", stdout=io.StringIO())
    route = RoutePage.objects.get(slug="lushun-never-forget")
    html = client.get(route.url).content.decode()
    assert "坐标与开放时间为示例数据" in html and "旅顺日俄监狱旧址" in html
    assert client.get("/api/v1/routes/").json()["count"] == 21
