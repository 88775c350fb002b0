import re

import pytest

from .urls_plan_visit import WithoutPlanVisit, WithPlanVisit

pytestmark = pytest.mark.django_db


def test_route_page_shows_stops_in_order_with_schematic_links_and_status(client, lushun_route):
    html = client.get(lushun_route.url).content.decode()
    names = ["万忠墓纪念馆", "白玉山塔", "旅顺博物馆"]
    stops_html = html[html.index('class="route-stops"') :]
    assert [stops_html.index(n) for n in names] == sorted(stops_html.index(n) for n in names)
    schematic = html[html.index("<svg") : html.index("</svg>")]
    assert len(re.findall(r'class="route-schematic__stop"', schematic)) == 3
    assert all(name in schematic for name in names)
    assert "<polyline" in schematic
    assert html.count("https://uri.amap.com/navigation?") == 3
    assert html.count("https://api.map.baidu.com/marker?") == 3
    assert len(re.findall(r'class="open-status open-status--(open|closed)"', html)) == 3
    assert "坐标与开放时间为示例数据" in html
    assert 'id="route-map-data"' in html and "vendor/leaflet/leaflet.js" in html
    assert f"/routes/{lushun_route.pk}/route.gpx" in html


def test_route_page_map_data_uses_the_tile_settings(client, settings, lushun_route):
    import json

    settings.ROUTES_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    settings.ROUTES_TILE_CRS = "gcj02"
    html = client.get(lushun_route.url).content.decode()
    payload = json.loads(
        re.search(r'<script id="route-map-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert payload["tileUrl"] == "http://127.0.0.1:9/{z}/{x}/{y}.png" and payload["crs"] == "gcj02"
    assert payload["stops"][0]["lat"] != 38.8236  # shifted to GCJ-02


@pytest.mark.parametrize(
    ("role", "urlconf", "shown"),
    [
        ("支部书记", WithPlanVisit, True),
        ("党员", WithPlanVisit, False),
        ("支部书记", WithoutPlanVisit, False),
    ],
)
def test_plan_visit_link_for_secretaries_when_the_view_exists(
    client, settings, make_user, lushun_route, role, urlconf, shown
):
    from django.urls import clear_url_caches

    settings.ROOT_URLCONF = urlconf
    clear_url_caches()
    client.force_login(make_user("u", role=role))
    html = client.get(lushun_route.url).content.decode()
    assert ("在此线路组织主题党日" in html) is shown
    if shown:
        assert f'href="/branches/plan-visit/{lushun_route.pk}/"' in html
    clear_url_caches()


def test_route_index_lists_routes_and_filters(client, route_tree, lushun_route, make_site, make_route):
    from routes.models import RoutePage

    route_index, _ = route_tree
    make_route(
        "金州长线",
        [
            make_site("关向应纪念馆", 39.1385, 121.8063, district="金州区"),
            make_site("远处", 39.95, 122.85, district="庄河市"),
        ],
        minutes=200,
        theme=RoutePage.Theme.MARTYRS,
    )
    html = client.get(route_index.url).content.decode()
    assert "共 2 条线路" in html and "半日游·旅顺口核心线" in html and "金州长线" in html
    by_district = client.get(route_index.url, {"district": "金州区"}).content.decode()
    assert "金州长线" in by_district and "半日游·旅顺口核心线" not in by_district
    by_theme = client.get(route_index.url, {"theme": "founding"}).content.decode()
    assert "半日游·旅顺口核心线" in by_theme and "金州长线" not in by_theme
    half_day = client.get(route_index.url, {"duration": "half-day"}).content.decode()
    assert "半日游·旅顺口核心线" in half_day and "金州长线" not in half_day
    long = client.get(route_index.url, {"duration": "long"}).content.decode()
    assert "金州长线" in long and "符合条件 1 条" in long
    # Unknown filter values are ignored, not errors.
    assert "共 2 条线路" in client.get(route_index.url, {"district": "<script>"}).content.decode()


def test_site_page(client, make_site, lushun_route):
    from routes.models import SiteClosure

    site = lushun_route.stops.first().site
    site.booking_phone = "0411-00000000"
    site.booking_lead_days = 3
    site.group_size_limit = 60
    site.guided_tour = True
    site.save()
    SiteClosure.objects.create(page=site, start_date="2099-02-05", reason="春节")
    html = client.get(site.url).content.decode()
    assert "请提前 3 天预约" in html and "不超过 60 人" in html and "提供讲解" in html
    assert "周一</th><td>闭馆" in html
    assert "2099年2月5日（春节）" in html
    assert "半日游·旅顺口核心线" in html  # routes through this site
    assert f"/routes/sites/{site.pk}/plaque/" in html
    assert "https://uri.amap.com/navigation?" in html and "data-open-status" in html


def test_site_page_audio_guide_fallback_until_the_media_player_exists(client, monkeypatch, make_site):
    from django.core.files.base import ContentFile
    from wagtailmedia.models import get_media_model

    from routes.services import pages

    Recording = get_media_model()
    recording = Recording(title="语音导览", type="audio", duration=1)
    recording.file.save("guide.mp3", ContentFile(b"ID3"), save=False)
    recording.save()
    site = make_site("关向应纪念馆", 39.1385, 121.8063, audio_guide=recording)
    monkeypatch.setattr(pages, "media_player_available", lambda: False)
    html = client.get(site.url).content.decode()
    assert "<audio controls" in html and recording.url in html


def test_home_page_section(client, lushun_route):
    html = client.get("/").content.decode()
    assert 'id="home-routes-title"' in html and "半日游·旅顺口核心线" in html
    assert "全部 1 条线路" in html


def test_site_index_filters_by_district(client, route_tree, make_site):
    _, site_index = route_tree
    make_site("旅顺日俄监狱旧址", 38.8163, 121.2547, district="旅顺口区")
    make_site("关向应纪念馆", 39.1385, 121.8063, district="金州区")
    html = client.get(site_index.url, {"district": "金州区"}).content.decode()
    assert "关向应纪念馆" in html and "旅顺日俄监狱旧址" not in html


def test_site_page_audio_guide_uses_the_media_player_once_it_exists(client, make_site):
    pytest.importorskip("media.templatetags.media_tags")
    from django.core.files.base import ContentFile
    from wagtailmedia.models import get_media_model

    Recording = get_media_model()
    recording = Recording(title="语音导览", type="audio", duration=1)
    recording.file.save("guide.mp3", ContentFile(b"ID3"), save=False)
    recording.save()
    site = make_site("关向应纪念馆", 39.1385, 121.8063, audio_guide=recording)
    html = client.get(site.url).content.decode()
    assert "data-media-player" in html or "转码完成后即可播放" in html
