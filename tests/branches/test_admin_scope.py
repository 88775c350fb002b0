"""Every Wagtail admin view of the branch viewsets keeps a user to their part of the tree (#19):
not only index/edit/delete but history, its results, usage, copy and inspect, whatever pk is typed."""

import pytest
from django.urls import reverse

from branches.factories import SessionFactory

pytestmark = pytest.mark.django_db

OBJECT_VIEWS = ["edit", "delete", "history", "history_results", "usage", "copy", "inspect"]


@pytest.fixture
def sessions(tree, people):
    return SessionFactory(branch=tree.a, topic="甲支部会议"), SessionFactory(
        branch=tree.b, topic="乙支部会议"
    )


def object_urls(namespace, pk):
    from django.urls import NoReverseMatch

    urls = {}
    for view in OBJECT_VIEWS:
        try:
            urls[view] = reverse(f"{namespace}:{view}", args=[pk])
        except NoReverseMatch:
            continue
    return urls


def test_secretary_opens_no_admin_view_of_another_branchs_member(client, people):
    client.force_login(people.secretary_user)
    urls = object_urls("branches_members", people.other.pk)
    assert {"history", "history_results", "usage"} <= set(urls)
    for view, url in urls.items():
        response = client.get(url)
        assert response.status_code in (302, 403, 404), (view, response.status_code)
        assert "乙党员" not in response.content.decode(), view


def test_secretary_opens_no_admin_view_of_another_branchs_session(client, people, sessions):
    client.force_login(people.secretary_user)
    for view, url in object_urls("branches_sessions", sessions[1].pk).items():
        response = client.get(url)
        assert response.status_code in (302, 403, 404), (view, response.status_code)
        assert "乙支部会议" not in response.content.decode(), view


def test_secretary_opens_no_admin_view_of_another_organisation(client, people, tree):
    client.force_login(people.secretary_user)
    for view, url in object_urls("branches_organisations", tree.c.pk).items():
        response = client.get(url)
        assert response.status_code in (302, 403, 404), (view, response.status_code)
        assert "丙支部" not in response.content.decode(), view


def test_secretary_still_opens_history_and_usage_of_their_own_branch(client, people, sessions):
    client.force_login(people.secretary_user)
    for namespace, pk in (("branches_members", people.member.pk), ("branches_sessions", sessions[0].pk)):
        for view in ("history", "history_results", "usage", "edit"):
            assert client.get(reverse(f"{namespace}:{view}", args=[pk])).status_code == 200, (namespace, view)


def test_index_results_and_search_stay_scoped(client, people, sessions):
    client.force_login(people.secretary_user)
    html = client.get(reverse("branches_members:index_results"), {"q": "党员"}).content.decode()
    assert "甲党员" in html and "乙党员" not in html
    html = client.get(reverse("branches_sessions:index_results"), {"q": "会议"}).content.decode()
    assert "甲支部会议" in html and "乙支部会议" not in html


def test_site_history_report_hides_other_branches_entries(client, people, sessions, make_user):
    from wagtail.log_actions import log

    log(people.other, "wagtail.edit", user=make_user("boss", is_superuser=True))
    log(sessions[1], "wagtail.edit")
    log(people.member, "wagtail.edit")
    client.force_login(people.secretary_user)
    response = client.get(reverse("wagtailadmin_reports:site_history"))
    if response.status_code == 200:
        html = response.content.decode()
        assert "乙党员" not in html and "乙支部会议" not in html
        assert "甲党员" in html
    else:
        assert response.status_code in (302, 403)
