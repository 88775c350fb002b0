import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_throttle():
    cache.clear()
    yield
    cache.clear()


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


def test_sign_in_is_rate_limited(client, home_page, make_user, settings):
    settings.LOGIN_RATE_LIMIT_ATTEMPTS = 3
    make_user("zhao")
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "zhao", "password": "wrong"}).status_code == 200
    blocked = client.post("/accounts/login/", {"username": "zhao", "password": "pw-for-tests"})
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_throttle_counts_per_address_across_usernames(client, home_page, make_user, settings):
    settings.LOGIN_RATE_LIMIT_ATTEMPTS = 3
    make_user("zhao")
    for name in ["a", "b", "c"]:
        client.post("/accounts/login/", {"username": name, "password": "wrong"})
    assert (
        client.post("/accounts/login/", {"username": "zhao", "password": "pw-for-tests"}).status_code == 429
    )
