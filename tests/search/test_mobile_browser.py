"""On a 375×812 phone the first search result is on the first screen and the filters fold up below the
results; on a 1366×900 desktop the filters stand open beside them."""

from datetime import date

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def many_facets(live_site):
    from search.backends import get_search_backend
    from search.registry import SearchDocument

    documents = [
        SearchDocument(
            "lesson",
            n,
            f"廉洁党课第{n}讲",
            f"/l/{n}/",
            summary="作风建设。",
            facets={
                "year": [str(2010 + n)],
                "series": [f"系列{n}"],
                "topic": [f"主题{n}"],
                "speaker_role": [f"身份{n % 4}"],
                "district": [f"区{n}"],
            },
            published_at=date(2010 + n, 5, 1),
        )
        for n in range(1, 13)
    ]
    get_search_backend().rebuild(documents)
    return live_site.url


def geometry(page):
    return page.evaluate(
        """() => {
            const hit = document.querySelector(".search-hit").getBoundingClientRect();
            const facets = document.querySelector(".search-facets").getBoundingClientRect();
            const fold = document.querySelector("[data-search-facets]");
            return {hitTop: hit.top, hitLeft: hit.left, facetsTop: facets.top, facetsLeft: facets.left,
                    open: fold.open, facetLinks: fold.querySelectorAll("li a").length};
        }"""
    )


def test_phone_shows_results_first_and_folds_the_filters(browser, many_facets):
    phone = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True)
    page = phone.new_page()
    page.goto(many_facets + "/search/?q=廉洁")
    g = geometry(page)
    assert g["facetLinks"] > 20  # plenty of filters: two screens of them unfolded
    assert not g["open"]
    assert g["hitTop"] < 812, "the first result is visible without scrolling"
    assert g["hitTop"] < g["facetsTop"]
    page.get_by_text("筛选", exact=True).click()  # the fold opens on a tap
    assert geometry(page)["open"]
    assert page.locator(".search-facets li a").first.is_visible()
    phone.close()


def test_desktop_shows_the_filters_open_beside_the_results(browser, many_facets):
    desktop = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = desktop.new_page()
    page.goto(many_facets + "/search/?q=廉洁")
    g = geometry(page)
    assert g["open"]
    assert g["facetsLeft"] < g["hitLeft"]
    assert page.locator(".search-facets li a").first.is_visible()
    desktop.close()
