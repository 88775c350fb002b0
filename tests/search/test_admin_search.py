"""Wagtail's own search (admin page search, choosers) finds Chinese content through our wrapper."""

import pytest
from wagtail.search.backends import get_search_backend

from cms.models import StandardPage


@pytest.fixture
def lesson_pages(home_page):
    created = []
    for title, intro in [
        ("三会一课的由来", "三会一课是党支部的基本制度，黨課要常講。"),
        ("红色线路推荐", "关向应纪念馆和万忠墓纪念馆。"),
    ]:
        page = StandardPage(title=title, introduction=intro)
        home_page.add_child(instance=page)
        page.save_revision().publish()
        get_search_backend().add(page)
        created.append(page)
    return created


@pytest.mark.django_db
def test_wagtail_search_uses_the_chinese_wrapper(lesson_pages):
    backend = get_search_backend()
    assert type(backend).__module__ == "search.modelsearch_backend"
    ours = StandardPage.objects.filter(pk__in=[p.pk for p in lesson_pages])
    assert [p.title for p in ours.search("三会一课")] == ["三会一课的由来"]
    assert [p.title for p in ours.search("党课")] == ["三会一课的由来"]
    assert [p.title for p in ours.search("纪念馆")] == ["红色线路推荐"]
    assert [p.title for p in ours.autocomplete("红色")] == ["红色线路推荐"]


@pytest.mark.django_db
def test_admin_page_search_finds_chinese_titles(client, lesson_pages, make_user):
    client.force_login(make_user("boss", is_superuser=True, is_staff=True))
    response = client.get("/admin/pages/search/", {"q": "紅色線路"})  # autocomplete on titles, traditional typed
    assert response.status_code == 200
    assert "红色线路推荐" in response.content.decode()
    assert "三会一课的由来" not in response.content.decode()
