"""The search page and the JSON API through HTTP, with documents kept in step by the signals."""

import pytest
from wagtail.models import PageViewRestriction

from cms.models import StandardPage


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what is enqueued on commit (the index tasks) at the end of the block, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def pages(home_page, note_document_type, committed):
    def add(title, introduction, parent=None):
        with committed():
            page = StandardPage(title=title, introduction=introduction)
            (parent or home_page).add_child(instance=page)
            page.save_revision().publish()
        return page

    return add


@pytest.mark.django_db
def test_publishing_indexes_and_search_page_shows_highlighted_hits(client, pages):
    pages("三会一课怎么开", "支部要按时开好三会一课，<b>不走过场</b>。")
    response = client.get("/search/", {"q": "三会一课"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "三会一课怎么开" in html
    assert "<mark>三会一课</mark>" in html
    assert "&lt;b&gt;" in html  # the introduction is shown escaped
    assert "找到 1 条结果" in html
    assert 'id="facet-type"' in html and "笔记（1）" in html


@pytest.mark.django_db
def test_unpublish_and_delete_drop_the_page(client, pages, committed):
    page = pages("红色故事会", "老党员讲红色故事。")
    assert client.get("/api/v1/search/", {"q": "红色故事"}).json()["count"] == 1
    with committed():
        page.unpublish()
    assert client.get("/api/v1/search/", {"q": "红色故事"}).json()["count"] == 0
    with committed():
        page.save_revision().publish()
    assert client.get("/api/v1/search/", {"q": "红色故事"}).json()["count"] == 1
    with committed():
        page.delete()
    assert client.get("/api/v1/search/", {"q": "红色故事"}).json()["count"] == 0


@pytest.mark.django_db
def test_move_updates_the_url(client, pages, committed):
    section = pages("学习园地", "栏目")
    page = pages("初心故事", "不忘初心的故事。")
    before = client.get("/api/v1/search/", {"q": "初心故事"}).json()["results"][0]["url"]
    with committed():
        page.move(section, pos="last-child")
    after = client.get("/api/v1/search/", {"q": "初心故事"}).json()["results"][0]["url"]
    assert after != before and after == StandardPage.objects.get(pk=page.pk).url
    assert after.startswith(section.url)


@pytest.mark.django_db
def test_privacy_change_hides_page_from_anonymous_but_not_members(client, pages, make_user, committed):
    page = pages("支部内部学习", "仅限党员的学习材料。")
    with committed():
        restriction = PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    assert client.get("/api/v1/search/", {"q": "内部学习"}).json()["count"] == 0
    assert "支部内部学习" not in client.get("/search/", {"q": "内部学习"}).content.decode()
    assert client.get("/api/v1/search/suggest/", {"q": "支部内"}).json()["suggestions"] == []
    client.force_login(make_user("dangyuan", role="党员"))
    assert client.get("/api/v1/search/", {"q": "内部学习"}).json()["count"] == 1
    assert client.get("/api/v1/search/suggest/", {"q": "支部内"}).json()["suggestions"] == ["支部内部学习"]
    client.logout()
    with committed():
        restriction.delete()
    assert client.get("/api/v1/search/", {"q": "内部学习"}).json()["count"] == 1


@pytest.mark.django_db
def test_api_shape_and_type_filter(client, pages):
    pages("旅顺红色线路", "万忠墓纪念馆到日俄监狱旧址。")
    data = client.get("/api/v1/search/", {"q": "旅顺", "type": "note"}).json()
    assert data["count"] == 1
    assert set(data["results"][0]) >= {"type", "title", "url", "snippet", "score"}
    assert data["results"][0]["type"] == "note"
    assert data["facets"]["type"] == [{"value": "note", "label": "笔记", "count": 1}]
    assert client.get("/api/v1/search/", {"q": "旅顺", "type": "lesson"}).json()["count"] == 0


@pytest.mark.django_db
def test_api_rejects_missing_or_overlong_query_in_chinese(client):
    response = client.get("/api/v1/search/")
    assert response.status_code == 400 and "搜索词" in response.json()["error"]
    assert client.get("/api/v1/search/", {"q": "党" * 201}).status_code == 400


@pytest.mark.django_db
def test_search_page_pagination_and_did_you_mean(client, pages):
    for i in range(12):
        pages(f"关向应生平第{i + 1}讲", "关向应同志的故事。")
    html = client.get("/search/", {"q": "关向应"}).content.decode()
    assert "找到 12 条结果，第 1 / 2 页" in html and 'rel="next"' in html
    html = client.get("/search/", {"q": "关向应", "page": 2}).content.decode()
    assert 'rel="prev"' in html and "第 2 / 2 页" in html
    html = client.get("/search/", {"q": "关向英"}).content.decode()
    assert "以下是“<strong>关向应</strong>”的搜索结果" in html and "找到 12 条结果" in html
    assert "?q=%E5%85%B3%E5%90%91%E8%8B%B1&amp;exact=1" in html
    assert client.get("/api/v1/search/", {"q": "关向英", "exact": "1"}).json()["did_you_mean"] is None


@pytest.mark.django_db
def test_search_page_without_query_and_bad_page(client):
    response = client.get("/search/")
    assert response.status_code == 200 and "支持繁体字和拼音" in response.content.decode()
    assert client.get("/search/", {"q": "党课", "page": "abc"}).status_code == 200


@pytest.mark.django_db
def test_health_check_reports_the_backend(client, home_page):
    data = client.get("/healthz").json()
    assert data["checks"]["search"]["ok"] is True
    assert "embedded" in data["checks"]["search"]["detail"]


@pytest.mark.django_db
def test_reindex_command_and_demo_hook(pages, capsys):
    from io import StringIO

    from django.core.management import call_command
    from wagtail import hooks

    from search.backends import get_search_backend

    pages("主题党日活动安排", "每月固定一天。")
    get_search_backend().clear()
    assert get_search_backend().count() == 0
    out = StringIO()
    call_command("search_reindex", "--no-progress", stdout=out)
    assert "已重建" in out.getvalue() and get_search_backend().count() >= 1
    get_search_backend().clear()
    [hook] = [fn for fn in hooks.get_hooks("dangke_demo_content") if fn.__module__ == "search.wagtail_hooks"]
    hook(home_page=None, stdout=out)
    assert get_search_backend().count() >= 1


@pytest.mark.django_db
def test_a_broad_query_says_more_than_and_what_facets_count(client, pages, monkeypatch):
    from search.backends import get_search_backend

    for n in range(3):
        pages(f"红色故事第{n}讲", "老党员讲红色故事。")
    monkeypatch.setattr(get_search_backend(), "rank_window", 2)
    html = client.get("/search/", {"q": "红色故事"}).content.decode()
    assert "找到 2 条以上结果" in html
    assert "括号中的数字统计的是最新的 2 条" in html
    data = client.get("/api/v1/search/", {"q": "红色故事"}).json()
    assert data["count"] == 2 and data["count_is_lower_bound"] and data["facets_are_sample"]


# --- issue 13 (filters as chips, synonym notes), issue 19 (plain title and snippet), bad input ------
from datetime import date  # noqa: E402

from search.backends import get_search_backend  # noqa: E402
from search.registry import SearchDocument  # noqa: E402


@pytest.fixture
def lessons_indexed(db):
    get_search_backend().rebuild([
        SearchDocument("lesson", 1, "廉洁自律 <从小事做起>", "/l/1/", summary="作风建设：廉洁自律 & 防微杜渐。",
                       facets={"year": ["2023"], "speaker_role": ["党员领导干部"]}, published_at=date(2023, 5, 1)),
        SearchDocument("lesson", 2, "廉洁家风代代传", "/l/2/", summary="家风与廉洁。",
                       facets={"year": ["2024"], "speaker_role": ["老党员和老模范"]}, published_at=date(2024, 5, 1)),
    ])


@pytest.mark.django_db
def test_api_title_and_snippet_are_plain_text_with_a_separate_html_snippet(client, lessons_indexed):
    result = client.get("/api/v1/search/", {"q": "廉洁自律"}).json()["results"][0]
    assert result["title"] == "廉洁自律 <从小事做起>"
    assert result["snippet"] == "作风建设：廉洁自律 & 防微杜渐。"
    assert result["snippet_html"] == "作风建设：<mark>廉洁自律</mark> &amp; 防微杜渐。"


@pytest.mark.django_db
def test_filters_typed_in_the_query_show_as_removable_chips(client, lessons_indexed):
    response = client.get("/search/", {"q": "2023年 廉洁"})
    html = response.content.decode()
    assert "廉洁自律 &lt;从小事做起&gt;" in html and "廉洁家风代代传" not in html
    assert 'class="search-chip" href="?q=%E5%BB%89%E6%B4%81"' in html  # removing the chip searches 廉洁 alone
    assert "年份：2023" in html
    removed = client.get("/search/", {"q": "廉洁"}).content.decode()
    assert "廉洁家风代代传" in removed and "search-chip" not in removed


@pytest.mark.django_db
def test_api_lists_the_recognised_filters_with_their_removal_links(client, lessons_indexed):
    data = client.get("/api/v1/search/", {"q": "老党员讲廉洁"}).json()
    assert data["filters"] == [{"name": "speaker_role", "label": "主讲人身份", "value": "老党员和老模范", "text": "老党员",
                                "source": "query", "remove_url": "/api/v1/search/?q=%E8%AE%B2%E5%BB%89%E6%B4%81"}]
    assert [r["title"] for r in data["results"]] == ["廉洁家风代代传"]
    assert data["searched"] == "讲廉洁"


@pytest.mark.django_db
def test_a_hit_found_only_through_a_synonym_says_so(client, lessons_indexed):
    html = client.get("/search/", {"q": "两袖清风"}).content.decode()
    assert "“两袖清风”按同义词“廉洁”匹配（同义词词林）" in html
    data = client.get("/api/v1/search/", {"q": "两袖清风"}).json()
    assert data["results"][0]["matched_through_synonyms"][0]["word"] == "两袖清风"


BAD_INPUTS = [
    {"q": "党课\x00"},
    {"q": "党课", "type": "lesson\x00"},
    {"q": "党课", "page": "1\x00"},
    {"q": "党课", "series": "精品\x00党课"},
    {"q": "党课", "year": "2" * 5000},
    {"q": "党课", "type": ["x" * 500]},
]


@pytest.mark.django_db
@pytest.mark.parametrize("params", BAD_INPUTS)
def test_bad_input_gets_a_clear_400_never_a_500(client, lessons_indexed, params):
    response = client.get("/api/v1/search/", params)
    assert response.status_code == 400 and response.json()["error"]
    page = client.get("/search/", params)
    assert page.status_code == 400
    nul = any("\x00" in value for value in params.values() if isinstance(value, str))
    # A NUL byte is refused for the whole site by cms.middleware.BadInputMiddleware.
    assert ("无效字符" if nul else "search-notice") in page.content.decode()


@pytest.mark.django_db
def test_bad_input_on_suggest_and_ignored_page_numbers(client, lessons_indexed):
    assert client.get("/api/v1/search/suggest/", {"q": "廉\x00"}).status_code == 400
    too_long_prefix = client.get("/api/v1/search/suggest/", {"q": "廉" * 5000})
    assert too_long_prefix.status_code == 400 and "200 个字以内" in too_long_prefix.json()["error"]
    assert client.get("/api/v1/search/", {"q": "廉洁", "page": "abc"}).json()["page"] == 1
    assert client.get("/api/v1/search/", {"q": "廉洁", "page": "9" * 40}).json()["page"] == 1
    too_long = client.get("/search/", {"q": "廉" * 300})
    assert too_long.status_code == 200 and "200 个字以内" in too_long.content.decode()
