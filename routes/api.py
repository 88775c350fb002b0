"""Wagtail API v2 endpoints for route and site pages (/api/v2/routes/, /api/v2/sites/)."""

from wagtail.api.v2.views import PagesAPIViewSet

from .models import RoutePage, SitePage


class _SinglePageTypeAPIViewSet(PagesAPIViewSet):
    def get_queryset(self):
        # Always this endpoint's type: `?type=` must not widen it to other pages.
        return self.model.objects.filter(pk__in=self.get_base_queryset().values_list("pk", flat=True))


class RoutePagesAPIViewSet(_SinglePageTypeAPIViewSet):
    model = RoutePage
    name = "routes"
    listing_default_fields = PagesAPIViewSet.listing_default_fields + ["theme", "introduction"]


class SitePagesAPIViewSet(_SinglePageTypeAPIViewSet):
    model = SitePage
    name = "sites"
    listing_default_fields = PagesAPIViewSet.listing_default_fields + [
        "category",
        "district",
        "latitude",
        "longitude",
    ]
