"""Fixtures shared by every app's tests: the site tree, role users, and a Playwright browser
driving Debian's chromium (never a downloaded browser)."""

import contextlib
import os
import shutil
from pathlib import Path

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


# Every page a browser test opens reports Content-Security-Policy violations back to the test: the
# DOM's securitypolicyviolation events (through an exposed function, so none is lost on navigation)
# and Chromium's console lines "Refused to ...". A test that saw any fails at teardown.
_CSP_LISTENER = """
(() => {
  const report = (event) => {
    const violation = {
      directive: event.effectiveDirective || event.violatedDirective,
      blocked: event.blockedURI, source: event.sourceFile, line: event.lineNumber,
      sample: event.sample, page: String(location.href),
    };
    (window.__cspViolations = window.__cspViolations || []).push(violation);
    if (window.__dangkeCspViolation) window.__dangkeCspViolation(violation).catch(() => {});
  };
  document.addEventListener("securitypolicyviolation", report, true);
})();
"""


class CspWatch:
    """What the policy blocked in this test's pages. `take()` hands them over (and forgets them), for
    a test that provokes a violation on purpose."""

    def __init__(self):
        self.violations = []

    def attach(self, context):
        context.add_init_script(_CSP_LISTENER)
        context.expose_function("__dangkeCspViolation", lambda v: self.violations.append(v))
        context.on("console", self._console)
        return context

    def _console(self, message):
        if message.text.startswith("Refused to"):
            self.violations.append(
                {"console": message.text, "page": message.page.url if message.page else ""}
            )

    def take(self):
        taken, self.violations = self.violations, []
        return taken


class WatchedBrowser:
    """The Playwright browser, whose every new context (and page) is watched by a CspWatch."""

    def __init__(self, browser, watch):
        self._browser = browser
        self._watch = watch

    def new_context(self, **kwargs):
        return self._watch.attach(self._browser.new_context(**kwargs))

    def new_page(self, **kwargs):
        return self.new_context(**kwargs).new_page()

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def csp_watch():
    return CspWatch()


def _wait_for_function_without_eval(self, expression, *, arg=None, timeout=None, polling=None):
    """Page.wait_for_function, polling through page.evaluate.

    Playwright's own wait_for_function runs `eval` inside the page, which the site's
    Content-Security-Policy (no 'unsafe-eval') refuses: every wait would fail and report a violation.
    page.evaluate goes through the DevTools protocol, which the policy does not govern."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    interval = polling if isinstance(polling, (int, float)) else 100
    attempts = max(1, int((timeout if timeout is not None else 15000) / interval))
    last_error = None
    for _ in range(attempts):
        try:
            result = self.evaluate(expression, arg)
        except Exception as exc:  # noqa: BLE001 (a page still navigating: try again)
            if "Execution context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            last_error, result = exc, None
        if result:
            return result
        self.wait_for_timeout(interval)
    raise PlaywrightTimeoutError(
        f"wait_for_function({expression!r}) stayed false ({last_error or 'no error'})"
    )


@pytest.fixture
def browser(live_site, csp_watch):
    # Function-scoped and after live_site on purpose: Playwright's event loop gives the thread a new
    # async context, with its own database connection objects; the test database must be set up
    # (and its serialized rollback data captured) before the loop starts.
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import Page, sync_playwright

    with sync_playwright() as playwright, pytest.MonkeyPatch.context() as patch:
        patch.setattr(Page, "wait_for_function", _wait_for_function_without_eval)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield WatchedBrowser(browser, csp_watch)
            for context in browser.contexts:  # let reports still in flight arrive
                for page in context.pages:
                    with contextlib.suppress(Exception):  # a closed or crashed page has nothing more to say
                        page.evaluate("0")
        finally:
            browser.close()
    if csp_watch.violations:
        lines = "\n".join(f"  - {v}" for v in csp_watch.violations)
        pytest.fail(f"the Content-Security-Policy blocked something on these pages:\n{lines}", pytrace=False)


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


AXE_SOURCE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page, *, impacts=("serious", "critical")):
    """axe-core's violations of the page as it is now, of the given impacts.

    axe is evaluated through the DevTools protocol rather than a <script> tag: the site's
    Content-Security-Policy (rightly) refuses an inline script without the nonce."""
    if not AXE_SOURCE.exists():
        pytest.fail(f"{AXE_SOURCE} is missing: axe-core is a devDependency in package.json (npm ci)")
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        # label-content-name-mismatch is "experimental" in axe 4, so off unless asked for.
        "async () => { const r = await axe.run(document, {resultTypes: ['violations'],"
        " rules: {'label-content-name-mismatch': {enabled: true}}});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})); }"
    )
    return [v for v in result if v["impact"] in impacts]


def assert_accessible(page):
    """No serious or critical axe-core violation on the page."""
    violations = axe_violations(page)
    assert not violations, f"axe-core on {page.url}:\n" + "\n".join(
        f"  - {v['impact']} {v['id']}: {v['help']} {v['nodes']}" for v in violations
    )


def sign_in(page, base_url, username, password="pw-for-tests"):
    """Sign in through the real form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
