"""Sign-in and the sign-in limits (django-axes) on the site's form and the Wagtail admin's."""

import pytest
from axes.models import AccessAttempt

from cms.services import describe_duration

pytestmark = pytest.mark.django_db


def test_member_signs_in_and_out(client, home_page, make_user):
    make_user("zhao", role="党员")
    response = client.post(
        "/accounts/login/", {"username": "zhao", "password": "pw-for-tests", "next": "/about/"}
    )
    assert response.status_code == 302 and response["Location"] == "/about/"
    assert "退出登录" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert "退出登录" not in client.get("/").content.decode()


def test_wrong_password_keeps_the_username(client, home_page, make_user):
    make_user("zhao")
    response = client.post("/accounts/login/", {"username": "zhao", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "用户名或密码不正确" in html
    assert 'value="zhao"' in html


def test_sign_in_is_limited_per_username_and_says_for_how_long(client, home_page, make_user, settings):
    settings.LOGIN_RATE_LIMIT_ATTEMPTS = 3
    settings.LOGIN_RATE_LIMIT_WINDOW = 40 * 60
    make_user("zhao")
    for _ in range(2):
        assert client.post("/accounts/login/", {"username": "zhao", "password": "wrong"}).status_code == 200
    third = client.post("/accounts/login/", {"username": "zhao", "password": "wrong"})
    assert third.status_code == 429
    # The right password no longer helps, from another address either: the username is locked.
    blocked = client.post("/accounts/login/", {"username": "zhao", "password": "pw-for-tests"},
                          REMOTE_ADDR="198.51.100.20")
    assert blocked.status_code == 429
    html = blocked.content.decode()
    assert "登录失败次数过多，请 40 分钟后再试" in html  # the configured window, not a fixed 15
    assert 'value="zhao"' in html  # what the user typed is kept
    assert "_auth_user_id" not in client.session


def test_the_limit_counts_per_address_across_usernames(client, home_page, make_user, settings):
    settings.LOGIN_RATE_LIMIT_ATTEMPTS = 3
    make_user("zhao")
    for name in ["a", "b", "c"]:
        client.post("/accounts/login/", {"username": name, "password": "wrong"}, REMOTE_ADDR="198.51.100.7")
    locked = client.post("/accounts/login/", {"username": "zhao", "password": "pw-for-tests"},
                         REMOTE_ADDR="198.51.100.7")
    assert locked.status_code == 429
    # Someone else, elsewhere, is not locked out by that address's failures.
    other = client.post("/accounts/login/", {"username": "zhao", "password": "pw-for-tests"},
                        REMOTE_ADDR="198.51.100.8")
    assert other.status_code == 302


def test_the_limit_uses_the_client_behind_a_trusted_proxy(client, home_page, make_user, settings):
    settings.LOGIN_RATE_LIMIT_ATTEMPTS = 2
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    make_user("zhao")
    for name in ["a", "b"]:
        client.post("/accounts/login/", {"username": name, "password": "wrong"},
                    REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert AccessAttempt.objects.filter(ip_address="203.0.113.5").count() == 2
    # Another person behind the same proxy signs in: only 203.0.113.5 is locked, not the proxy.
    ok = client.post("/accounts/login/", {"username": "zhao", "password": "pw-for-tests"},
                     REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert ok.status_code == 302


def test_a_successful_sign_in_resets_the_username_count(client, home_page, make_user, settings):
    settings.LOGIN_RATE_LIMIT_ATTEMPTS = 3
    make_user("zhao")
    for _ in range(2):
        client.post("/accounts/login/", {"username": "zhao", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "zhao", "password": "pw-for-tests"}).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(2):
        assert client.post("/accounts/login/", {"username": "zhao", "password": "wrong"}).status_code == 200


def test_the_admin_sign_in_is_limited_too(client, home_page, make_user, settings):
    settings.LOGIN_RATE_LIMIT_ATTEMPTS = 3
    settings.LOGIN_RATE_LIMIT_WINDOW = 600
    make_user("editor", role="编辑")
    for _ in range(2):
        response = client.post("/admin/login/", {"username": "editor", "password": "wrong"})
        assert response.status_code == 200
    locked = client.post("/admin/login/", {"username": "editor", "password": "wrong"})
    assert locked.status_code == 429
    refused = client.post("/admin/login/", {"username": "editor", "password": "pw-for-tests"})
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "登录失败次数过多，请 10 分钟后再试" in html
    assert "wagtailadmin" in html or "w-login" in html or "login" in html  # the admin's own page
    assert 'value="editor"' in html
    assert "_auth_user_id" not in client.session


def test_signing_in_without_a_request_is_not_limited(home_page, make_user, settings):
    from django.contrib.auth import authenticate

    settings.LOGIN_RATE_LIMIT_ATTEMPTS = 1
    make_user("zhao")
    assert authenticate(username="zhao", password="pw-for-tests") is not None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(45, "45 秒"), (60, "1 分钟"), (900, "15 分钟"), (3600, "1 小时"), (5400, "1 小时 30 分钟"), (61, "2 分钟")],
)
def test_durations_read_naturally(seconds, text):
    assert describe_duration(seconds) == text
