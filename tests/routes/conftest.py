"""Fixtures for the red routes tests: the two index pages and a small route of three sites."""

from datetime import time

import pytest


@pytest.fixture
def route_tree(home_page):
    from routes.factories import RouteIndexPageFactory, SiteIndexPageFactory

    route_index = RouteIndexPageFactory(parent=home_page)
    site_index = SiteIndexPageFactory(parent=home_page)
    return route_index, site_index


@pytest.fixture
def make_site(route_tree):
    from routes.factories import SitePageFactory
    from routes.models import SiteOpeningPeriod

    _, site_index = route_tree

    def _make(title, lat, lon, *, weekdays=range(7), opens=time(9), closes=time(17), **extra):
        site = SitePageFactory(parent=site_index, title=title, latitude=lat, longitude=lon, **extra)
        for weekday in weekdays:
            SiteOpeningPeriod.objects.create(page=site, weekday=weekday, opens=opens, closes=closes)
        return site

    return _make


@pytest.fixture
def make_route(route_tree):
    from routes.factories import RoutePageFactory
    from routes.models import RouteStop

    route_index, _ = route_tree

    def _make(title, sites, *, minutes=60, **extra):
        route = RoutePageFactory(parent=route_index, title=title, **extra)
        for order, site in enumerate(sites):
            RouteStop.objects.create(page=route, site=site, sort_order=order, minutes_on_site=minutes)
        return route

    return _make


@pytest.fixture
def lushun_route(make_site, make_route):
    """Three real Lüshun sites (sample coordinates) in visiting order."""
    sites = [
        make_site("万忠墓纪念馆", 38.8236, 121.2697, weekdays=range(1, 7)),
        make_site("白玉山塔", 38.8100, 121.2530),
        make_site("旅顺博物馆", 38.8125, 121.2580, weekdays=range(1, 7)),
    ]
    return make_route("半日游·旅顺口核心线", sites, minutes=45)
