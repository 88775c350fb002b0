"""An editor reads 搜索未找到, answers a member's colloquial phrase with a synonym in one step, and
the next member who types it finds the lesson."""

import pytest

from cms.models import StandardPage
from search.models import Synonym
from tests.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_an_editor_answers_a_search_that_found_nothing(live_site, browser_page, make_user, home_page,
                                                        note_document_type):
    make_user("editor_q", role="编辑")
    page = StandardPage(title="反腐倡廉永远在路上", introduction="全面从严治党，反腐败斗争永远在路上。")
    home_page.add_child(instance=page)
    page.save_revision().publish()
    base = live_site.url
    browser = browser_page

    browser.goto(f"{base}/search/?q=打老虎")
    assert "反腐倡廉永远在路上" not in browser.content()

    sign_in(browser, base, "editor_q")
    browser.goto(f"{base}/admin/search-gaps/gaps/")
    row = browser.locator("table tbody tr", has_text="打老虎")
    assert row.locator("td").nth(1).inner_text().strip() == "1"  # one search
    assert_accessible(browser)
    row.get_by_role("link", name="添加同义词").click()
    browser.wait_for_load_state()
    assert browser.input_value("#id_term") == "打老虎"
    browser.fill("#id_alternatives", "反腐败")
    browser.get_by_role("button", name="保存").first.click()
    browser.wait_for_url("**/admin/snippets/search/synonym/")
    assert Synonym.objects.get(term="打老虎").alternative_list == ["反腐败"]

    browser.goto(f"{base}/admin/search-gaps/gaps/")
    assert browser.locator("table tbody tr", has_text="打老虎").get_by_role("link", name="编辑同义词").count() == 1

    browser.goto(f"{base}/search/?q=打老虎")
    assert "反腐倡廉永远在路上" in browser.content()
