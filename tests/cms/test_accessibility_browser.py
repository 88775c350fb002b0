"""axe-core in Chromium on the site shell: the home page (desktop, phone, 大字模式) and the Chinese 403
page a member meets, with no serious or critical violation; and the check itself notices one."""

import re

import pytest

from tests.conftest import assert_accessible, axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_home_page_passes_axe_on_desktop_and_phone_in_large_text(live_site, browser):
    for viewport in ({"width": 1366, "height": 900}, {"width": 375, "height": 812}):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.goto(live_site.url + "/")
        assert_accessible(page)
        page.get_by_role("button", name="大字模式").click()
        page.wait_for_load_state()
        assert_accessible(page)
        # The logo's accessible name contains its visible text (label-content-name-mismatch).
        assert page.get_by_role("link", name=re.compile(r"^党课\s*首页$")).count() == 1
        # Two search forms, two distinct landmark names.
        names = page.evaluate(
            "[...document.querySelectorAll('[role=search]')].map(f => f.getAttribute('aria-label'))"
        )
        assert len(names) == len(set(names))
        context.close()


def test_a_member_meets_a_chinese_403_page_with_a_way_back(live_site, browser_page, make_user):
    make_user("member403", role="党员")
    page = browser_page
    sign_in(page, live_site.url, "member403")
    response = page.goto(live_site.url + "/branches/desk/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "无权访问此页面"
    assert "党组织" in page.locator("main").inner_text() or "支部书记" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="返回首页").is_visible()
    assert page.locator(".site-header").is_visible()
    assert_accessible(page)


def test_axe_notices_a_serious_violation(live_site, browser_page):
    page = browser_page
    page.goto(live_site.url + "/")
    page.evaluate(
        "() => { const b = document.createElement('button'); document.querySelector('main').append(b); }"
    )
    assert "button-name" in [v["id"] for v in axe_violations(page)]
