"""Bad input gets a 400 with a clear Chinese message, never a 500 (#19).

A safety net over every URL pattern of the site: NUL bytes anywhere in the query string, form or
path are refused by cms.middleware.BadInputMiddleware before any view runs, and typed parameters
(ids, years, dates, coordinates, pages) that do not parse, overflow or are out of range answer
4xx, for an anonymous visitor, a branch secretary and a superuser."""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from branches.factories import MemberFactory, SessionFactory, organisation
from branches.models import OrganisationKind, Role

pytestmark = pytest.mark.django_db

BAD_VALUES = ["abc", "99999999999999999999999", "-1", "0", "1e400", "2026-13-45", "10000", "１２"]
PARAMS = [
    "q",
    "page",
    "branch",
    "org",
    "year",
    "index",
    "period",
    "from",
    "to",
    "start",
    "end",
    "lat",
    "lon",
    "km",
    "topic",
    "type",
    "lesson",
    "t",
    "ids",
    "member",
    "status",
    "district",
    "format",
    "exact",
    "next",
]
SKIP_PREFIXES = ("admin/", "django-admin/", "__debug__/", "static/", "media/")


def patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def concrete_paths(pk_value="1"):
    """Each pattern with plain converters filled in; regex patterns left out."""
    for route, _entry in patterns():
        if route.startswith(SKIP_PREFIXES) or "^" in route or "(?P" in route:
            continue
        path = route
        for converter, value in (
            ("int", pk_value),
            ("str", "x"),
            ("slug", "x"),
            ("path", "x"),
            ("uuid", str(uuid.uuid4())),
        ):
            while f"<{converter}:" in path:
                start = path.index(f"<{converter}:")
                path = path[:start] + value + path[path.index(">", start) + 1 :]
        if "<" in path:
            continue
        yield "/" + path


@pytest.fixture
def users(make_user, home_page):
    city = organisation("C", kind=OrganisationKind.CITY, name="市委")
    branch = organisation("A", parent=city, name="甲支部")
    secretary_user = make_user("sec", role="支部书记")
    MemberFactory(branch=branch, role=Role.SECRETARY, user=secretary_user)
    SessionFactory(branch=branch)
    return {
        "anonymous": None,
        "secretary": secretary_user,
        "superuser": make_user("root", is_superuser=True, is_staff=True),
    }


def login(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)


def test_nul_bytes_anywhere_get_a_400_with_a_chinese_message(client, users):
    for who, user in users.items():
        login(client, user)
        for path in [*concrete_paths(), "/", "/lessons/", "/api/v2/pages/find/"]:
            if path == "/healthz":  # answers before every middleware and reads no parameter
                continue
            for response in (
                client.get(path, {"q": "党\x00课"}),
                client.get(path + "?topic=%00"),
                client.post(path, {"name": "a\x00b"}),
            ):
                assert response.status_code == 400, (who, path, response.status_code)
            assert "无效字符" in response.content.decode(), path
    login(client, None)
    assert client.get("/search/%00/").status_code in (400, 404)
    assert client.get("/branches/calendar/%00abc.ics").status_code == 400


def test_json_clients_get_the_message_as_json(client, users):
    response = client.get("/api/v1/search/", {"q": "\x00"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "无效字符" in response.json()["error"]


def test_bad_typed_parameters_never_give_a_500(client, users):
    failures = []
    for who, user in users.items():
        login(client, user)
        for pk in ("1", "99999999999999999999999"):
            for path in concrete_paths(pk):
                for value in BAD_VALUES:
                    try:
                        response = client.get(path, dict.fromkeys(PARAMS, value))
                    except Exception as exc:  # the test client re-raises what would be a 500
                        failures.append((who, path, value, repr(exc)[:120]))
                        continue
                    if response.status_code >= 500:
                        failures.append((who, path, value, response.status_code))
    unique = sorted({(f[1], str(f[3])[:90]) for f in failures})
    assert not unique, "\n".join(map(str, unique))


def test_a_form_body_that_does_not_parse_is_a_400(client, users):
    response = client.generic("POST", "/search/", b"a=1", content_type="multipart/form-data")  # no boundary
    assert response.status_code == 400
    assert "请求参数无效" in response.content.decode()
