"""One public address for every absolute URL that leaves the site, and the check that warns while it
is still a local one in production."""

import pytest
from django.core.checks import run_checks
from django.test import RequestFactory

from security.public_urls import absolute_url, is_local_address, page_url, public_origin

PUBLIC = "https://dangke.example.gov.cn"


def test_the_configured_address_wins_over_the_request(settings):
    settings.PUBLIC_BASE_URL = PUBLIC
    request = RequestFactory().get("/", HTTP_HOST="localhost")
    assert public_origin(request) == PUBLIC
    assert absolute_url("/sites/x/?a=1#b", request) == f"{PUBLIC}/sites/x/?a=1#b"
    # A URL that is already absolute (a recording on the CDN) is left alone.
    assert absolute_url("https://cdn.example.org/r/1.m4a", request) == "https://cdn.example.org/r/1.m4a"
    assert absolute_url("", request) == ""


def test_without_it_the_request_then_the_admin_base_url(settings):
    settings.PUBLIC_BASE_URL = ""
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
    assert (
        absolute_url("/x/", RequestFactory().get("/", HTTP_HOST="192.168.1.2:8000"))
        == "http://192.168.1.2:8000/x/"
    )
    assert absolute_url("/x/") == "http://127.0.0.1:8000/x/"


@pytest.mark.django_db
def test_page_urls_ignore_the_site_rows_hostname(settings, home_page):
    from wagtail.models import Site

    Site.objects.update(hostname="localhost", port=80)
    settings.PUBLIC_BASE_URL = PUBLIC
    assert page_url(home_page) == f"{PUBLIC}/"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("", True),
        ("http://localhost", True),
        ("http://127.0.0.1:8000", True),
        ("http://10.1.2.3", True),
        ("http://192.168.0.5", True),
        ("http://dangke.local", True),
        ("http://[::1]:8000", True),
        ("https://dangke.example.gov.cn", False),
        ("https://61.135.1.1", False),
    ],
)
def test_local_addresses(url, local):
    assert is_local_address(url) is local


def _warnings():
    return [m.id for m in run_checks() if m.id and m.id.startswith("security.")]


def test_check_warns_in_production_while_the_address_is_local(settings):
    settings.DEPLOYMENT = "production"
    settings.PUBLIC_BASE_URL = ""
    assert _warnings() == ["security.W001"]
    settings.PUBLIC_BASE_URL = "http://localhost"
    assert _warnings() == ["security.W001"]
    settings.PUBLIC_BASE_URL = "http://dangke.example.gov.cn"
    assert _warnings() == ["security.W002"]
    settings.PUBLIC_BASE_URL = PUBLIC
    assert _warnings() == []


def test_no_warning_in_development(settings):
    settings.DEPLOYMENT = "development"
    settings.PUBLIC_BASE_URL = ""
    assert _warnings() == []


@pytest.mark.django_db
def test_demo_site_and_api_links_share_the_public_address(client, settings):
    settings.PUBLIC_BASE_URL = PUBLIC
    settings.WAGTAILAPI_BASE_URL = PUBLIC
    from cms.demo import ensure_site_tree

    ensure_site_tree()
    data = client.get("/api/v2/pages/", HTTP_HOST="127.0.0.1:8000").json()
    assert data["items"]
    for item in data["items"]:
        assert item["meta"]["detail_url"].startswith(f"{PUBLIC}/api/v2/pages/")
        assert item["meta"]["html_url"].startswith(f"{PUBLIC}/")
