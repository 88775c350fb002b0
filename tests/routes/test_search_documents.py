import pytest
from wagtail.models import PageViewRestriction

from search.registry import AUDIENCE_MEMBERS, AUDIENCE_PUBLIC, document_type_for_model, get_document_type

pytestmark = pytest.mark.django_db


def test_route_and_site_types_are_registered():
    from routes.models import RoutePage, SitePage

    assert document_type_for_model(RoutePage).name == "route"
    assert document_type_for_model(SitePage).name == "site"


def test_site_document(lushun_route):
    site = lushun_route.stops.first().site
    site.district = "旅顺口区"
    site.save()
    doc = get_document_type("site").build(site)
    assert doc.title == "万忠墓纪念馆" and doc.url == site.url
    assert doc.facets == {"district": ["旅顺口区"]}
    assert doc.location == (38.8236, 121.2697)
    assert doc.suggest == ["万忠墓纪念馆"] and doc.audience == AUDIENCE_PUBLIC
    assert "万忠墓纪念馆" in list(get_document_type("site").dictionary_terms())


def test_route_document_lists_its_sites(lushun_route):
    doc = get_document_type("route").build(lushun_route)
    assert doc.doc_type == "route" and doc.suggest == ["半日游·旅顺口核心线"]
    assert "白玉山塔" in doc.fields["sites"]
    assert doc.facets["district"] == ["中山区"]


def test_unpublished_and_restricted_pages(lushun_route):
    build = get_document_type("route").build
    PageViewRestriction.objects.create(page=lushun_route, restriction_type=PageViewRestriction.LOGIN)
    assert build(lushun_route).audience == AUDIENCE_MEMBERS
    PageViewRestriction.objects.all().delete()
    PageViewRestriction.objects.create(
        page=lushun_route, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    assert build(lushun_route) is None
    PageViewRestriction.objects.all().delete()
    lushun_route.unpublish()
    lushun_route.refresh_from_db()
    assert build(lushun_route) is None


def test_renaming_a_site_indexes_its_routes_again(lushun_route, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import AnonymousUser

    from search import services

    site = lushun_route.stops.first().site
    with django_capture_on_commit_callbacks(execute=True):
        site.title = "甲午海战陈列馆"
        site.save_revision().publish()
    routes = services.search("甲午海战陈列馆", user=AnonymousUser(), types=["route"]).hits
    assert [hit.title for hit in routes] == [lushun_route.title]
