"""Test and bench factories for red routes (wagtail-factories)."""

from datetime import time

import factory
import wagtail_factories

from .models import RouteIndexPage, RoutePage, RouteStop, SiteIndexPage, SiteOpeningPeriod, SitePage


class RouteIndexPageFactory(wagtail_factories.PageFactory):
    title = "红色线路"
    slug = "routes"

    class Meta:
        model = RouteIndexPage


class SiteIndexPageFactory(wagtail_factories.PageFactory):
    title = "红色基地"
    slug = "sites"

    class Meta:
        model = SiteIndexPage


class SitePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"红色基地{n}")
    slug = factory.Sequence(lambda n: f"site-{n}")
    category = SitePage.Category.MEMORIAL_HALL
    district = "中山区"
    address = "中山区示例路1号"
    latitude = 38.9140
    longitude = 121.6147
    sample_data = True

    class Meta:
        model = SitePage


class SiteOpeningPeriodFactory(factory.django.DjangoModelFactory):
    weekday = 1
    opens = time(9, 0)
    closes = time(16, 30)

    class Meta:
        model = SiteOpeningPeriod


class RoutePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"红色线路{n}")
    slug = factory.Sequence(lambda n: f"route-{n}")
    theme = RoutePage.Theme.FOUNDING
    introduction = "一条示例线路。"

    class Meta:
        model = RoutePage


class RouteStopFactory(factory.django.DjangoModelFactory):
    minutes_on_site = 60
    note = ""

    class Meta:
        model = RouteStop
