"""The permission matrix: every role against every page, export and API of branch life."""

import pytest
from django.urls import reverse

from branches.factories import SessionFactory, session_type
from branches.models import Attendance, AttendanceStatus, LeaveRequest
from branches.services import scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, people):
    own = SessionFactory(branch=tree.a, topic="甲的会")
    committee = SessionFactory(branch=tree.a, topic="甲支委会", session_type=session_type("committee-meeting"))
    other = SessionFactory(branch=tree.b, topic="乙的会")
    far = SessionFactory(branch=tree.c, topic="丙的会")
    leave = LeaveRequest.objects.create(session=own, member=people.member, reason="出差")
    return {"own": own, "committee": committee, "other": other, "far": far, "leave": leave}


def status(client, user, method, url, data=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    return response.status_code


def urls(world, tree):
    own, other, far = world["own"], world["other"], world["far"]
    return {
        "desk": ("get", reverse("branches:desk")),
        "my": ("get", reverse("branches:my_sessions")),
        "own_detail": ("get", reverse("branches:session_detail", kwargs={"pk": own.pk})),
        "committee_detail": ("get", reverse("branches:session_detail", kwargs={"pk": world["committee"].pk})),
        "other_detail": ("get", reverse("branches:session_detail", kwargs={"pk": other.pk})),
        "far_detail": ("get", reverse("branches:session_detail", kwargs={"pk": far.pk})),
        "own_edit": ("get", reverse("branches:session_edit", kwargs={"pk": own.pk})),
        "other_edit": ("get", reverse("branches:session_edit", kwargs={"pk": other.pk})),
        "own_qr": ("get", reverse("branches:session_qr", kwargs={"pk": own.pk})),
        "other_qr_json": ("get", reverse("branches:session_qr_code", kwargs={"pk": other.pk})),
        "own_cancel": ("post", reverse("branches:session_action", kwargs={"pk": own.pk, "action": "cancel"})),
        "other_cancel": ("post", reverse("branches:session_action", kwargs={"pk": other.pk, "action": "cancel"})),
        "plan": ("get", reverse("branches:plan_year")),
        "new": ("get", reverse("branches:session_create")),
        "register_own": ("get", reverse("branches:register", kwargs={"year": 2026}) + f"?branch={tree.a.pk}"),
        "register_far": ("get", reverse("branches:register_xlsx", kwargs={"year": 2026}) + f"?branch={tree.c.pk}"),
        "report_district": ("get", reverse("branches:report") + f"?org={tree.district.pk}"),
        "report_city_csv": ("get", reverse("branches:report_csv") + f"?org={tree.city.pk}"),
        "report_branch_a": ("get", reverse("branches:report") + f"?org={tree.a.pk}"),
        "leave_approve": ("post", reverse("branches:leave_decide", kwargs={"pk": world["leave"].pk, "decision": "approve"})),
    }


# expected status per role; 302 = redirect to sign in, for anonymous users
MATRIX = {
    #                     anonymous secretary member other_member department outsider
    "desk":              (302, 200, 403, 403, 403, 403),
    "my":                (302, 200, 200, 200, 403, 403),
    "own_detail":        (302, 200, 200, 403, 200, 403),
    "committee_detail":  (302, 200, 403, 403, 200, 403),
    "other_detail":      (302, 403, 403, 200, 200, 403),
    "far_detail":        (302, 403, 403, 403, 403, 403),
    "own_edit":          (302, 200, 403, 403, 403, 403),
    "other_edit":        (302, 403, 403, 403, 403, 403),
    "own_qr":            (302, 200, 403, 403, 403, 403),
    "other_qr_json":     (302, 403, 403, 403, 403, 403),
    "other_cancel":      (302, 403, 403, 403, 403, 403),
    "plan":              (302, 200, 403, 403, 403, 403),
    "new":               (302, 200, 403, 403, 403, 403),
    "register_own":      (302, 200, 403, 403, 200, 403),
    "register_far":      (302, 403, 403, 403, 403, 403),
    "report_district":   (302, 403, 403, 403, 200, 403),
    "report_city_csv":   (302, 403, 403, 403, 403, 403),
    "report_branch_a":   (302, 200, 403, 403, 200, 403),
    "leave_approve":     (302, 302, 403, 403, 403, 403),
    "own_cancel":        (302, 302, 403, 403, 403, 403),
}


def test_permission_matrix(client, world, tree, people):
    roles = [None, people.secretary_user, people.member_user, people.other_user, people.dept_user, people.outsider]
    table = urls(world, tree)
    failures = []
    # Run the state-changing secretary actions last so they do not change what the others see.
    for name in [n for n in MATRIX if n not in ("leave_approve", "own_cancel")] + ["leave_approve", "own_cancel"]:
        method, url = table[name]
        for role, expected in zip(roles, MATRIX[name], strict=True):
            got = status(client, role, method, url)
            if got != expected:
                failures.append(f"{name} as {role}: {got} != {expected}")
    assert not failures, "\n".join(failures)
    # The secretary's approval and cancel went through; nobody else changed anything.
    assert Attendance.objects.get(member=people.member).status == AttendanceStatus.LEAVE
    world["other"].refresh_from_db()
    assert world["other"].status == "planned"


def test_member_sees_own_attendance_only(client, world, people):
    Attendance.objects.create(session=world["own"], member=people.secretary, status="present", method="manual")
    client.force_login(people.member_user)
    page = client.get(reverse("branches:session_detail", kwargs={"pk": world["own"].pk})).content.decode()
    assert "甲书记" not in page  # no attendance sheet for plain members
    client.force_login(people.secretary_user)
    page = client.get(reverse("branches:session_detail", kwargs={"pk": world["own"].pk})).content.decode()
    assert "甲书记" in page and "139****5678" in page and "13912345678" not in page


def test_api_sessions_scoped(client, world, people):
    def topics(user):
        client.force_login(user)
        return {s["topic"] for s in client.get(reverse("branches:api_sessions")).json()["results"]}

    assert topics(people.member_user) == {"甲的会"}
    assert topics(people.secretary_user) == {"甲的会", "甲支委会"}
    assert topics(people.dept_user) == {"甲的会", "甲支委会", "乙的会"}
    assert topics(people.outsider) == set()
    client.logout()
    assert client.get(reverse("branches:api_sessions")).status_code == 302


def test_secretary_needs_the_group(people, tree):
    assert scope.secretary_branch(people.secretary_user) == tree.a
    people.secretary_user.groups.clear()
    del people.secretary_user._branches_member
    assert scope.secretary_branch(people.secretary_user) is None
    assert scope.secretary_branch(people.member_user) is None
