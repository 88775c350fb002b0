import pytest
from django.test import RequestFactory

from security.redirects import redirect_to_next, safe_next

factory = RequestFactory()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://testserver.evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "/desk/\r\nSet-Cookie: x=1",
    ],
)
def test_targets_off_the_site_fall_back(target):
    assert safe_next(factory.post("/x/", {"next": target}), "/fallback/") == "/fallback/"
    assert safe_next(factory.get("/x/", {"next": target}), "/fallback/") == "/fallback/"
    assert safe_next(factory.get("/x/", HTTP_REFERER=target), "/fallback/") == "/fallback/"


def test_targets_on_the_site_are_followed():
    assert safe_next(factory.post("/x/", {"next": "/branches/sessions/3/"}), "/") == "/branches/sessions/3/"
    assert safe_next(factory.get("/x/?next=/lessons/%3Fpage%3D2"), "/") == "/lessons/?page=2"
    assert (
        safe_next(factory.get("/x/", HTTP_REFERER="http://testserver/about/"), "/")
        == "http://testserver/about/"
    )
    assert safe_next(factory.get("/x/"), "/fallback/") == "/fallback/"


def test_https_site_refuses_a_plain_http_target():
    request = factory.get("/x/", {"next": "http://testserver/about/"}, secure=True)
    assert safe_next(request, "/") == "/"


def test_redirect_to_next_redirects_to_the_safe_target():
    response = redirect_to_next(factory.post("/x/", {"next": "https://evil.example/"}), "/desk/")
    assert response.status_code == 302 and response["Location"] == "/desk/"
