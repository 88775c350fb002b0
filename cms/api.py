"""Wagtail API v2 router. Domain apps add their endpoints through the `dangke_api_endpoints` hook:
``fn() -> list[tuple[name, EndpointClass]]``."""

from wagtail import hooks
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.views import PagesAPIViewSet

api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PagesAPIViewSet)
# No images/documents endpoints: they would list files of members-only content to anyone.


def register_app_endpoints():
    for fn in hooks.get_hooks("dangke_api_endpoints"):
        for name, endpoint in fn():
            api_router.register_endpoint(name, endpoint)
