"""A person types in the header's search box, gets suggestions, and reads the results page."""

import pytest

from cms.models import StandardPage


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_header_search_suggests_and_shows_results(live_site, browser_page, note_document_type):
    from cms.demo import ensure_site_tree
    from search import services

    home = ensure_site_tree()
    page = StandardPage(title="关向应纪念馆参观指南", introduction="纪念关向应同志的党员思想教育基地，位于金州。")
    home.add_child(instance=page)
    page.save_revision().publish()
    services.rebuild_index()

    browser_page.goto(live_site.url + "/")
    box = browser_page.locator("#site-search-q")
    box.fill("guanxiang")  # pinyin
    browser_page.wait_for_function(
        "() => [...document.getElementById('site-search-q').list.options]"
        ".some(o => o.value === '关向应纪念馆参观指南')"
    )
    box.fill("關向應")  # traditional characters
    box.press("Enter")
    browser_page.wait_for_url("**/search/?q=*")
    hit = browser_page.locator(".search-hit").first
    assert hit.locator("a").inner_text() == "关向应纪念馆参观指南"
    assert hit.locator("mark").first.inner_text() == "关向应"
    assert "找到 1 条结果" in browser_page.locator("#search-results-heading").inner_text()
