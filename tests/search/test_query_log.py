"""Search words that found little: counted per query and day without the searcher, reported to
editors, answered with a synonym in one step, deleted after the retention period."""

import datetime

import pytest
from django.db import DatabaseError
from django.urls import reverse

from cms import roles
from cms.models import StandardPage
from search import query_log
from search.models import SearchQueryDay, Synonym

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture
def indexed_page(home_page, note_document_type, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = StandardPage(title="反腐倡廉永远在路上", introduction="全面从严治党，反腐败斗争永远在路上。")
        home_page.add_child(instance=page)
        page.save_revision().publish()
    return page


@pytest.fixture
def editor(make_user):
    return make_user("editor", role=roles.EDITOR, is_staff=True)


def _row(query):
    return SearchQueryDay.objects.get(query=query)


# --- counting -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_searches_of_one_query_on_one_day_share_a_row_whatever_the_spelling(settings):
    settings.SEARCH_THIN_RESULTS = 2
    query_log.record_search("黨課", 0, today=TODAY)
    query_log.record_search("  党课 ", 5, today=TODAY)
    query_log.record_search("ＰＡＲＴＹ  党课", 1, today=TODAY)  # full width, upper case, two spaces
    query_log.record_search("", 0, today=TODAY)
    assert _row("党课").searches == 2
    assert _row("党课").thin_searches == 1
    assert _row("党课").last_result_count == 5
    assert _row("party 党课").searches == 1
    assert SearchQueryDay.objects.count() == 2
    query_log.record_search("党课", 0, today=TODAY + datetime.timedelta(days=1))
    assert SearchQueryDay.objects.filter(query="党课").count() == 2


@pytest.mark.django_db
def test_a_search_page_search_is_counted_once_and_paging_or_facets_are_not(client, indexed_page):
    client.get("/search/", {"q": "打老虎拍苍蝇"})
    client.get("/search/", {"q": "打老虎拍苍蝇", "page": "2"})
    client.get("/search/", {"q": "打老虎拍苍蝇", "type": "note"})
    client.get("/search/", {"q": "打老虎拍苍蝇", "exact": "1"})
    client.get("/api/v1/search/", {"q": "打老虎拍苍蝇"})
    client.get("/search/", {"q": "反腐倡廉"})
    row = _row("打老虎拍苍蝇")
    assert (row.searches, row.thin_searches) == (2, 2)  # the page and the API, each on its first page
    assert _row("反腐倡廉").last_result_count == 1


@pytest.mark.django_db
def test_a_failure_to_count_does_not_cost_the_member_their_results(client, indexed_page, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(query_log.SearchQueryDay.objects, "filter", broken)
    response = client.get("/search/", {"q": "反腐倡廉"})
    assert response.status_code == 200
    assert "反腐倡廉永远在路上" in response.content.decode()


# --- the report -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_gaps_list_queries_that_found_little_most_often_first_within_the_window(settings):
    settings.SEARCH_THIN_RESULTS, settings.SEARCH_GAP_DAYS = 2, 30
    for _ in range(3):
        query_log.record_search("白衣天使", 0, today=TODAY)
    query_log.record_search("夕阳红", 2, today=TODAY - datetime.timedelta(days=1))
    query_log.record_search("夕阳红", 1, today=TODAY)
    query_log.record_search("党课", 40, today=TODAY)  # found plenty: not a gap
    query_log.record_search("光盘行动", 0, today=TODAY - datetime.timedelta(days=30))  # before the window
    gaps = list(query_log.search_gaps(today=TODAY))
    assert [(g["query"], g["searches_total"], g["thin_total"], g["latest_result_count"]) for g in gaps] == [
        ("白衣天使", 3, 3, 0), ("夕阳红", 2, 2, 1)  # the latest day's count
    ]


@pytest.mark.django_db
def test_editors_see_the_report_and_members_do_not(client, editor, make_user):
    query_log.record_search("打老虎拍苍蝇", 0)
    client.force_login(make_user("member", role=roles.MEMBER))
    assert client.get(reverse("search_admin:gaps")).status_code in (302, 403)
    client.force_login(editor)
    response = client.get(reverse("search_admin:gaps"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "打老虎拍苍蝇" in html
    assert "添加同义词" in html
    assert "?term=%E6%89%93%E8%80%81%E8%99%8E" in html  # the add form's link carries the query


@pytest.mark.django_db
def test_the_reports_menu_offers_the_report_to_editors_only(rf, editor, make_user):
    from search.wagtail_hooks import register_search_gaps_menu_item

    item = register_search_gaps_menu_item()
    for user, shown in ((editor, True), (make_user("member", role=roles.MEMBER), False)):
        request = rf.get("/admin/")
        request.user = user
        assert item.is_shown(request) is shown


@pytest.mark.django_db
def test_the_report_exports_as_csv(client, editor):
    query_log.record_search("小巷总理", 0)
    client.force_login(editor)
    response = client.get(reverse("search_admin:gaps"), {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8") if response.streaming else response.content.decode()
    assert "搜索词" in body and "小巷总理" in body


@pytest.mark.django_db
def test_a_gap_answered_with_a_synonym_is_found_and_the_report_links_to_it(client, editor, indexed_page):
    assert "反腐倡廉永远在路上" not in client.get("/search/", {"q": "打老虎"}).content.decode()
    client.force_login(editor)
    add_url = reverse("search_admin:gaps")
    assert "添加同义词" in client.get(add_url).content.decode()
    form = client.get(reverse("wagtailsnippets_search_synonym:add"), {"term": "打老虎"})
    assert 'value="打老虎"' in form.content.decode()  # the form opens with the query as its term
    response = client.post(
        reverse("wagtailsnippets_search_synonym:add"),
        {"term": "打老虎", "alternatives": "反腐败", "kind": Synonym.KIND_SYNONYM, "enabled": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    synonym = Synonym.objects.get(term="打老虎")
    html = client.get("/search/", {"q": "打老虎"}).content.decode()
    assert "反腐倡廉永远在路上" in html
    report = client.get(reverse("search_admin:gaps")).content.decode()
    assert reverse("wagtailsnippets_search_synonym:edit", args=[synonym.pk]) in report
    assert "编辑同义词" in report


# --- retention --------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_counts_older_than_the_retention_period_are_deleted(settings):
    settings.SEARCH_QUERY_LOG_DAYS = 90
    query_log.record_search("老的", 0, today=TODAY - datetime.timedelta(days=91))
    query_log.record_search("刚好", 0, today=TODAY - datetime.timedelta(days=90))
    assert query_log.prune_query_log(today=TODAY) == 1
    assert list(SearchQueryDay.objects.values_list("query", flat=True)) == ["刚好"]


def test_pruning_is_a_periodic_job():
    from cms.periodic import registered_jobs

    assert "search.prune_query_log" in {job.name for job in registered_jobs()}
