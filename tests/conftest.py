"""Fixtures shared by every app's tests: the site tree, role users, and a Playwright browser
driving Debian's chromium (never a downloaded browser)."""

import os
import shutil

import pytest

from tests.ci_guard import pytest_runtest_makereport  # noqa: F401 (the CI guard is a hook of this conftest)
from tests.sharding import (  # noqa: F401 (`--shard K/N`, hooks of this conftest)
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(autouse=True)
def isolated_file_roots(settings, tmp_path):
    """Each test writes uploads and renditions into its own folders, so no test sees another's files."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def clear_cache_after_test():
    """The cache outlives a test's rolled-back database: sign-in throttles, cached lesson pages and the
    search dictionary version must not leak into the next test."""
    yield
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def home_page(db):
    from cms.demo import ensure_site_tree

    return ensure_site_tree()


@pytest.fixture
def make_user(db):
    """make_user("member", role="党员") -> a user in that role group (roles come from the migration)."""
    from django.contrib.auth.models import Group

    from cms.factories import UserFactory

    def _make(username=None, *, role=None, password="pw-for-tests", **extra):
        kwargs = {"password": password, **extra}
        if username:
            kwargs["username"] = username
        user = UserFactory(**kwargs)
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return _make


@pytest.fixture
def browser(live_site):
    # Function-scoped and after live_site on purpose: Playwright's event loop gives the thread a new
    # async context, with its own database connection objects; the test database must be set up
    # (and its serialized rollback data captured) before the loop starts.
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def live_site(django_db_serialized_rollback, transactional_db, live_server, settings):
    """The live server with the site tree, and the Wagtail Site pointing at the live server's port.

    Serialized rollback puts back what the migrations created (root page, role groups) after the
    transactional test flushes the tables, so later tests still find them."""
    from urllib.parse import urlparse

    from wagtail.models import Site

    from cms.demo import ensure_site_tree

    ensure_site_tree()
    parsed = urlparse(live_server.url)
    Site.objects.filter(is_default_site=True).update(hostname=parsed.hostname, port=parsed.port)
    settings.ALLOWED_HOSTS = ["*"]
    return live_server


def sign_in(page, base_url, username, password="pw-for-tests"):
    """Sign in through the real form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
