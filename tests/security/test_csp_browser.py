"""A member, a secretary and an editor go through the main pages of the demo site in Chromium under
the Content-Security-Policy: nothing the pages need is blocked (the shared browser fixture fails the
test on any securitypolicyviolation or "Refused to ..." console line), the player plays, the map
draws tiles from the configured tile host, and the Wagtail admin's dashboard and page editor work.
On the way, axe-core finds no serious or critical violation on the site's pages (the admin is
Wagtail's own)."""

import io
from urllib.parse import urlparse

import pytest
from django.core.management import call_command

from cms.demo import DEMO_PASSWORD
from tests.conftest import assert_accessible, sign_in
from tests.routes.test_browser import TileServer

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_site(live_site, settings):
    from wagtail.models import Site

    settings.MEDIA_LADDER = [(90, 200)]
    call_command("load_demo", stdout=io.StringIO())
    parsed = urlparse(live_site.url)
    Site.objects.filter(is_default_site=True).update(hostname=parsed.hostname, port=parsed.port)
    return live_site.url


def test_the_main_pages_need_nothing_the_policy_blocks(demo_site, browser, csp_watch, settings):
    from branches.models import Member, Session
    from lessons.models import LessonIndexPage, LessonPage
    from routes.models import RoutePage

    base = demo_site
    lesson = next(page for page in LessonPage.objects.live().specific() if page.recording_id)
    route = RoutePage.objects.live().first()
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(20000)

    with TileServer() as tiles:
        settings.ROUTES_TILE_URL = tiles.url_template
        page.goto(base + "/")
        assert_accessible(page)
        page.goto(base + LessonIndexPage.objects.live().first().url)
        assert_accessible(page)
        page.goto(base + route.url)
        page.locator("#route-map .leaflet-tile-loaded").first.wait_for()
        assert tiles.requests
        assert_accessible(page)
        page.goto(base + "/search/?q=关向应")
        page.locator(".search-hit").first.wait_for()
        assert_accessible(page)

    sign_in(page, base, "member", DEMO_PASSWORD)
    page.goto(base + lesson.url)
    page.locator("[data-media-player] video").wait_for()
    page.evaluate("document.querySelector('[data-media-player] video').muted = true")
    page.evaluate("document.querySelector('[data-media-player] video').play()")
    page.wait_for_function("document.querySelector('[data-media-player] video').currentTime > 0.5")
    assert_accessible(page)
    page.goto(base + "/me/learning/")
    assert page.get_by_role("heading", level=1).inner_text().strip()
    assert_accessible(page)
    context.clear_cookies()

    sign_in(page, base, "secretary", DEMO_PASSWORD)
    page.goto(base + "/branches/desk/")
    assert_accessible(page)
    branch = Member.objects.get(user__username="secretary").branch
    session = Session.objects.filter(branch=branch).order_by("-starts_at").first()
    page.goto(f"{base}/branches/sessions/{session.pk}/")
    assert_accessible(page)
    page.goto(f"{base}/branches/sessions/{session.pk}/qr/")
    page.wait_for_function("document.getElementById('qr-present').textContent !== '—'")
    context.clear_cookies()

    page.goto(base + "/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"{base}/admin/pages/{lesson.pk}/edit/")
    page.locator("form#page-edit-form").wait_for()
    # The editor's own scripts ran (Stimulus controllers, telepath): the tabs switch.
    tabs = page.locator("[role=tab]")
    assert tabs.count() >= 2
    tabs.nth(1).click()
    assert tabs.nth(1).get_attribute("aria-selected") == "true"
    # The live preview frames the admin's preview view (frame-ancestors 'self' in the admin only).
    page.locator('[data-side-panel-toggle="preview"]').click()
    preview = page.frame_locator("iframe.w-preview__iframe").last
    preview.locator("h1").first.wait_for(state="attached")
    assert preview.locator("h1").first.text_content().strip() == lesson.title
    page.goto(f"{base}/admin/pages/{lesson.get_parent().pk}/")
    page.goto(f"{base}/admin/media/")
    context.clear_cookies()

    # The superuser's dashboard has more panels (no update check calling out to releases.wagtail.org).
    page.goto(base + "/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"{base}/admin/users/")
    context.close()
    assert not csp_watch.violations


def test_the_policy_really_blocks_an_injected_inline_script(live_site, browser, csp_watch):
    """The watch works, and the policy does refuse what it should: a script without the nonce."""
    page = browser.new_page()
    page.goto(live_site.url + "/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("() => (window.__cspViolations || []).length > 0")
    assert page.evaluate("window.ran") is None
    taken = csp_watch.take()
    assert any(v.get("directive") == "script-src-elem" for v in taken), taken
