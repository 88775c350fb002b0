"""403, 404 and 500 pages: Chinese, in the site shell, with the view's own reason and a way on."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from cms import views

pytestmark = pytest.mark.django_db


def test_a_member_on_the_secretaries_desk_reads_why_in_chinese(client, home_page, make_user):
    client.force_login(make_user("m403", role="党员"))
    response = client.get("/branches/desk/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问此页面" in html
    assert "您的账号尚未关联党组织。" in html or "只有支部书记可以使用支部工作台。" in html
    assert 'class="site-header"' in html and 'href="/">返回首页' in html
    assert "Forbidden" not in html
    assert "Content-Security-Policy" in response


def test_anonymous_visitors_are_offered_to_sign_in(home_page):
    request = RequestFactory().get("/media/recordings/1/hls/master.m3u8")
    request.user = AnonymousUser()
    response = views.permission_denied(request, PermissionDenied("请先登录党员账号后再观看或收听。"))
    response.render()
    html = response.content.decode()
    assert response.status_code == 403
    assert "请先登录党员账号后再观看或收听。" in html
    assert 'href="/accounts/login/?next=/media/recordings/1/hls/master.m3u8"' in html


def test_english_internals_are_not_shown(home_page):
    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    response = views.permission_denied(request, PermissionDenied("CSRF token missing"))
    response.render()
    html = response.content.decode()
    assert "CSRF" not in html and "您没有访问这个页面的权限。" in html


def test_csrf_failure_is_explained_in_chinese(home_page, make_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_404_gives_the_views_reason_and_ways_on(client, home_page):
    response = client.get("/routes/sites/999999/plaque/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面未找到" in html and "页面不存在或未发布" in html
    assert 'href="/search/"' in html and "登录" in html


def test_500_page_is_in_the_shell_without_the_database(home_page):
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "服务器开小差了" in html and 'class="site-header"' in html and "/static/cms/css/site.css" in html
    assert "javascript:" not in html
