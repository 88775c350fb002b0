import pytest
from wagtail import hooks

from cms.factories import StandardPageFactory
from cms.services import HomeSection

pytestmark = pytest.mark.django_db


def test_home_page_renders_for_anonymous_visitors(client, home_page):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans"' in html
    assert 'href="#main"' in html  # skip link
    assert '<main id="main"' in html and 'role="banner"' in html and 'role="contentinfo"' in html
    assert "党课开讲啦·月讲悦听" in html
    assert "登录" in html


def test_home_page_renders_for_signed_in_member(client, home_page, make_user):
    user = make_user("liu", role="党员", first_name="党员", last_name="刘")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "退出登录" in html
    assert "管理后台" not in html  # members have no admin access


def test_editor_sees_admin_link(client, home_page, make_user):
    client.force_login(make_user("wang", role="编辑"))
    assert "管理后台" in client.get("/").content.decode()


def test_home_sections_come_from_domain_hooks(client, home_page):
    def section(request):
        return HomeSection(template="cms/standard_page.html", context={})

    with hooks.register_temporarily("dangke_home_sections", section):
        response = client.get("/")
    assert response.status_code == 200
    assert len(response.context["sections"]) == 1


def test_standard_page_in_menu(client, home_page):
    StandardPageFactory(parent=home_page, title="工作动态", slug="news", show_in_menus=True)
    html = client.get("/").content.decode()
    assert 'href="/news/"' in html
    page = client.get("/news/")
    assert page.status_code == 200
    assert 'aria-current="page"' in page.content.decode()


def test_unknown_path_is_a_chinese_404(client, home_page):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面未找到" in response.content.decode()


def test_wagtail_admin_speaks_chinese(client):
    html = client.get("/admin/login/").content.decode()
    assert 'lang="zh-hans"' in html.lower() or "登录" in html
    assert "登录" in html


def test_development_media_urls_never_serve_documents(settings):
    """In development MEDIA_URL is served from disk, but not documents: they need Wagtail's checking view."""
    from django.urls import Resolver404, resolve

    assert settings.WAGTAILDOCS_SERVE_METHOD == "serve_view"
    import importlib

    import cms.urls

    settings.DEBUG = True
    try:
        urls = importlib.reload(cms.urls)
        assert any("documents" in str(p.pattern) for p in urls.urlpatterns)
        resolve("/media/recordings/1/poster.jpg", urlconf=urls)
        try:
            match = resolve("/media/documents/secret.pdf", urlconf=urls)
        except Resolver404:
            match = None
        assert match is None or match.func.__module__ != "django.views.static"
    finally:
        settings.DEBUG = False
        importlib.reload(cms.urls)


def test_account_menu_is_built_once_and_follows_a_new_role(client, home_page, make_user):
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_user("zhao", role="党员")
    client.force_login(user)
    first = client.get("/").content.decode()
    assert "管理后台" not in first and "wagtail-userbar" not in first  # no user bar for members
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not any("auth_permission" in q["sql"] for q in queries.captured_queries)  # menu from the cache
    user.groups.add(Group.objects.get(name="编辑"))  # a new role shows at once
    html = client.get("/").content.decode()
    assert "管理后台" in html and "wagtail-userbar" in html
