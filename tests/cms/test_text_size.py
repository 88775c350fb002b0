import pytest

from cms.views import TEXT_SIZE_COOKIE


@pytest.mark.django_db
def test_large_text_mode_persists_across_requests(client, home_page):
    assert 'class=""' in client.get("/").content.decode()
    response = client.post("/preferences/text-size/", {"size": "large", "next": "/about/"})
    assert response.status_code == 302 and response["Location"] == "/about/"
    assert response.cookies[TEXT_SIZE_COOKIE]["max-age"] > 365 * 24 * 3600
    for _ in range(2):  # a later visit still has it
        html = client.get("/").content.decode()
        assert 'class="large-text"' in html
        assert "标准字号" in html
    client.post("/preferences/text-size/", {"size": "normal"})
    assert 'class="large-text"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_text_size_redirect_refuses_other_hosts(client, home_page):
    response = client.post("/preferences/text-size/", {"size": "large", "next": "https://evil.example.com/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_text_size_needs_post(client, home_page):
    assert client.get("/preferences/text-size/?size=large").status_code == 405


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_large_text_mode_survives_a_reload_in_the_browser(live_site, browser_page):
    page = browser_page
    page.goto(live_site.url + "/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("button", name="大字模式").click()
    page.wait_for_load_state()
    page.reload()
    large = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert large > normal
    assert page.get_by_role("button", name="标准字号").is_visible()
