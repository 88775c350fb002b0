from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from . import views
from .api import api_router, register_app_endpoints

register_app_endpoints()

handler403 = "cms.views.permission_denied"
handler404 = "cms.views.page_not_found"
handler500 = "cms.views.server_error"

accounts_patterns = (
    [
        path("login/", views.SignInView.as_view(), name="login"),
        path("logout/", views.SignOutView.as_view(), name="logout"),
    ],
    "accounts",
)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include(accounts_patterns)),
    path("preferences/text-size/", views.set_text_size, name="set_text_size"),
    path("api/v2/", api_router.urls),
    path("", include("media.urls")),
    path("", include("search.urls")),
    path("", include("lessons.urls")),
    path("", include("routes.urls")),
    path("", include("branches.urls")),
]

if settings.DEBUG:
    from django.urls import re_path
    from django.views.static import serve

    # Development only. Documents are left out: they go through Wagtail's serve view, which checks
    # collection privacy (members-only lesson attachments).
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?!documents/)(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# Wagtail's page serving comes last: it matches every remaining path.
urlpatterns += [path("", include(wagtail_urls))]
