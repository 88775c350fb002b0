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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_filter_typed_into_the_query_is_a_chip_that_removes_it(live_site, browser_page):
    from datetime import date

    from search.backends import get_search_backend
    from search.registry import SearchDocument

    get_search_backend().rebuild([
        SearchDocument("lesson", 1, "廉洁自律从小事做起", "/l/1/", summary="作风建设。", facets={"year": ["2023"]},
                       published_at=date(2023, 5, 1)),
        SearchDocument("lesson", 2, "廉洁家风代代传", "/l/2/", summary="家风。", facets={"year": ["2024"]},
                       published_at=date(2024, 5, 1)),
    ])
    browser_page.goto(live_site.url + "/search/?q=2023年廉洁")
    chip = browser_page.locator(".search-chip")
    assert chip.inner_text().startswith("年份：2023")
    assert [t.inner_text() for t in browser_page.locator(".search-hit__title a").all()] == ["廉洁自律从小事做起"]
    chip.click()
    browser_page.wait_for_function("() => !document.querySelector('.search-chip')")
    assert browser_page.locator("#search-page-q").input_value() == "廉洁"
    assert browser_page.locator(".search-hit").count() == 2
