"""The editor's side: the edit forms render (media and lesson choosers included) and refuse bad input."""

import pytest
from django.core.exceptions import ValidationError

from routes.models import RouteRelatedLesson, SiteClosure

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("boss", is_superuser=True, is_staff=True))
    return client


def test_edit_forms_render(admin_client, lushun_route):
    site = lushun_route.stops.first().site
    for page in (lushun_route, site):
        response = admin_client.get(f"/admin/pages/{page.pk}/edit/")
        assert response.status_code == 200, page
    html = admin_client.get(f"/admin/pages/{site.pk}/edit/").content.decode()
    assert "语音导览" in html and "每周开放时段" in html and "闭馆日期" in html


def test_a_site_outside_dalian_needs_the_override(lushun_route):
    site = lushun_route.stops.first().site
    site.latitude, site.longitude = 41.80, 123.43  # Shenyang
    with pytest.raises(ValidationError) as info:
        site.full_clean()
    assert "不在大连市范围内" in str(info.value)
    site.outside_city = True
    site.full_clean()


def test_related_lesson_must_be_a_lesson_page(lushun_route, home_page):
    row = RouteRelatedLesson(page=lushun_route, lesson=home_page)
    with pytest.raises(ValidationError) as info:
        row.clean()
    assert "请选择一节党课" in str(info.value)


def test_closure_end_before_start_is_refused(lushun_route):
    site = lushun_route.stops.first().site
    closure = SiteClosure(page=site, start_date="2026-02-10", end_date="2026-02-01")
    with pytest.raises(ValidationError):
        closure.clean()


def test_deleting_a_site_used_by_a_route_is_refused_with_a_message(admin_client, lushun_route, make_site):
    from routes.models import SitePage

    site = lushun_route.stops.first().site
    response = admin_client.post(f"/admin/pages/{site.pk}/delete/", follow=True)
    assert SitePage.objects.filter(pk=site.pk).exists()
    assert (
        "半日游·旅顺口核心线" in response.content.decode()
        and "请先从线路中移除该站点" in response.content.decode()
    )
    unused = make_site("未用基地", 38.9, 121.6)
    admin_client.post(f"/admin/pages/{unused.pk}/delete/")
    assert not SitePage.objects.filter(pk=unused.pk).exists()


def test_bulk_delete_hook_refuses_used_sites(rf, lushun_route, make_site):
    from django.contrib.messages.storage.fallback import FallbackStorage

    from routes.wagtail_hooks import refuse_bulk_deleting_sites_in_routes

    site = lushun_route.stops.first().site
    unused = make_site("未用基地", 38.9, 121.6)
    request = rf.post("/admin/bulk/wagtailcore/page/delete/")
    request.session = {}
    request._messages = FallbackStorage(request)
    response = refuse_bulk_deleting_sites_in_routes(request, "delete", [site, unused], None)
    assert response.status_code == 302
    assert "仍是红色线路的站点" in str(list(request._messages)[0]) and site.title in str(
        list(request._messages)[0]
    )
    assert refuse_bulk_deleting_sites_in_routes(request, "delete", [unused], None) is None
    assert refuse_bulk_deleting_sites_in_routes(request, "publish", [site], None) is None
    # The site index holds used sites: deleting it is refused too.
    assert (
        refuse_bulk_deleting_sites_in_routes(request, "delete", [site.get_parent()], None).status_code == 302
    )
