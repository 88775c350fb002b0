"""System checks for the browser-facing settings."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Warning, register

from .public_urls import is_local_address


@register()
def check_public_base_url(app_configs, **kwargs):
    if getattr(settings, "DEPLOYMENT", "development") != "production":
        return []
    url = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    if not url or is_local_address(url):
        return [
            Warning(
                f"PUBLIC_BASE_URL is {url or 'not set'!s}: QR plaques, QR sign-in, calendar and podcast "
                "feeds, API links and e-mails would point at an address nobody else can reach.",
                hint="Set PUBLIC_BASE_URL to the site's public address, e.g. https://dangke.example.gov.cn",
                id="security.W001",
            )
        ]
    if urlsplit(url).scheme != "https":
        return [
            Warning(
                f"PUBLIC_BASE_URL {url} is not https: members' browsers would be sent to plain HTTP.",
                id="security.W002",
            )
        ]
    return []
