"""Every page type sends the Content-Security-Policy with a fresh nonce, and every <script> on it
carries that nonce; the other security headers come with it."""

import io
import re

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def nonce_of(response):
    policy = response["Content-Security-Policy"]
    match = re.search(r"script-src [^;]*'nonce-([A-Za-z0-9_-]+)'", policy)
    assert match, policy
    return policy, match.group(1)


def executable_scripts(html):
    for match in SCRIPT_TAG.finditer(html):
        attrs = match.group(1)
        kind = re.search(r'type="([^"]+)"', attrs)
        if kind and kind.group(1) in ("application/json", "text/template", "application/ld+json"):
            continue  # data, never run
        yield attrs if "src=" in attrs else attrs + " " + html[match.end() : match.end() + 120]


def assert_page_is_covered(response, *, third_party_files=False):
    """Every script the page runs is allowed: inline ones carry the response's nonce, and so do our
    files; Wagtail's own files (the userbar; the whole admin with third_party_files) are same-origin,
    which script-src 'self' allows."""
    assert response.status_code == 200, (response, response.wsgi_request.get_full_path())
    policy, nonce = nonce_of(response)
    assert "'unsafe-eval'" not in policy
    scripts = list(executable_scripts(response.content.decode()))
    for attrs in scripts:
        src = re.search(r'src="([^"]+)"', attrs)
        if src and ("/static/wagtail" in src.group(1) or third_party_files):
            # Wagtail's and wagtailmedia's own files (userbar, admin): allowed by 'self' in script-src.
            assert src.group(1).startswith(("/", "//testserver/")), attrs
            continue
        assert f'nonce="{nonce}"' in attrs, f"<script{attrs}> lacks the nonce of {response.wsgi_request.path}"
    return policy, nonce, scripts


@pytest.fixture
def demo(settings):
    settings.MEDIA_LADDER = [(90, 200)]
    call_command("load_demo", stdout=io.StringIO())
    site = Site.objects.get(is_default_site=True)
    Site.objects.filter(pk=site.pk).update(hostname="testserver", port=80)
    return site


def page_paths_by_type():
    """One live page of each page type the demo has."""
    paths = {}
    for page in Page.objects.live().filter(depth__gt=1).specific().order_by("path"):
        paths.setdefault(type(page).__name__, page.url)
    return paths


def test_every_page_type_sends_the_policy_with_the_nonce_of_its_scripts(client, demo):
    """One test over the demo site (loading it is the slow part): the site as a member, the branch
    desk as the secretary, the Wagtail admin as the admin."""
    from django.contrib.auth import get_user_model

    from branches.models import Member, Session
    from lessons.models import LessonPage

    users = get_user_model().objects
    client.force_login(users.get(username="member"))
    paths = page_paths_by_type()
    assert {"HomePage", "LessonPage", "RoutePage", "SitePage"} <= set(paths), paths
    paths.update(search="/search/?q=关向应", my_learning="/me/learning/", my_sessions="/branches/my/")
    nonces = set()
    for name, path in paths.items():
        _, nonce, scripts = assert_page_is_covered(client.get(path))
        nonces.add(nonce)
        assert scripts, f"{name} {path} has no script at all?"
    assert len(nonces) == len(paths), "each response gets its own nonce"

    secretary = users.get(username="secretary")
    client.force_login(secretary)
    branch = Member.objects.get(user=secretary).branch
    session = Session.objects.filter(branch=branch).order_by("-starts_at").first()
    for path in [
        "/branches/desk/",
        f"/branches/sessions/{session.pk}/",
        f"/branches/sessions/{session.pk}/qr/",
        f"/branches/register/{session.starts_at.year}/?branch={branch.pk}",
    ]:
        response = client.get(path)
        assert_page_is_covered(response)
        html = response.content.decode()
        assert "onclick=" not in html and " style=" not in html, path

    client.force_login(users.get(username="admin"))
    lesson = LessonPage.objects.live().first()
    for path in [
        "/admin/",
        f"/admin/pages/{lesson.pk}/edit/",
        f"/admin/pages/{lesson.get_parent().pk}/",
        "/admin/media/",
        "/admin/media-pipeline/upload/",
    ]:
        response = client.get(path)
        policy, nonce, scripts = assert_page_is_covered(response, third_party_files=True)
        assert "style-src 'self' 'unsafe-inline'" in policy
        assert "frame-ancestors 'self'" in policy  # the live preview frames the admin's preview view
    # The page editor has Wagtail's inline scripts (panels, date widgets): nonced by security/templates.
    editor = client.get(f"/admin/pages/{lesson.pk}/edit/").content.decode()
    assert "initDateTimeChooser" in editor or "new InlinePanel" in editor


def test_the_site_policy_blocks_inline_code_and_limits_tiles_to_the_tile_host(client, home_page, settings):
    settings.ROUTES_TILE_URL = "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"
    settings.ROUTES_TILE_SUBDOMAINS = "12"
    response = client.get("/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"].split() == ["'self'", policy["script-src"].split()[1]]
    assert policy["script-src-attr"] == "'none'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    tiles = [s for s in policy["img-src"].split() if s.startswith("http")]
    assert tiles == ["https://webrd01.is.autonavi.com", "https://webrd02.is.autonavi.com"]


def test_security_headers(client, home_page):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response  # development and tests: production only


def test_production_settings_send_hsts(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("ALLOWED_HOSTS", "dangke.example.org")
    sys.modules.pop("cms.settings.production", None)
    production = importlib.import_module("cms.settings.production")
    assert production.SECURE_HSTS_SECONDS >= 31536000
    assert production.X_FRAME_OPTIONS == "DENY"
    assert "security.csp.ContentSecurityPolicyMiddleware" in production.MIDDLEWARE
