"""The Wagtail admin viewsets keep each user to their part of the tree."""

import pytest

from branches.factories import SessionFactory
from branches.models import Organisation, Session

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(tree, people):
    return SessionFactory(branch=tree.a, topic="甲支部会议"), SessionFactory(branch=tree.b, topic="乙支部会议")


def test_secretary_lists_and_edits_only_their_branch(client, people, sessions):
    own, other = sessions
    client.force_login(people.secretary_user)
    listing = client.get("/admin/branches/sessions/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "甲支部会议" in html and "乙支部会议" not in html
    assert client.get(f"/admin/branches/sessions/edit/{own.pk}/").status_code == 200
    assert client.get(f"/admin/branches/sessions/edit/{other.pk}/").status_code in (302, 403)
    members = client.get("/admin/branches/members/").content.decode()
    assert "甲党员" in members and "乙党员" not in members
    assert "139****5678" in members and "13912345678" not in members


def test_secretary_cannot_create_a_session_for_another_branch(client, people, tree, sessions):
    client.force_login(people.secretary_user)
    form = client.get("/admin/branches/sessions/new/").content.decode()
    assert "甲支部" in form and "乙支部" not in form
    assert "甲党员" in form and "乙党员" not in form  # organiser choices stay in the branch too
    client.post("/admin/branches/sessions/new/", {
        "branch": tree.b.pk, "session_type": sessions[0].session_type_id, "topic": "偷偷安排",
        "starts_at": "2026-06-01 09:00", "ends_at": "2026-06-01 10:00", "status": "planned",
        "lesson_links-TOTAL_FORMS": 0, "lesson_links-INITIAL_FORMS": 0,
        "photos-TOTAL_FORMS": 0, "photos-INITIAL_FORMS": 0,
    })
    assert not Session.objects.filter(topic="偷偷安排").exists()


def test_superuser_creates_organisations_in_the_tree(client, tree, make_user):
    admin = make_user("boss", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.post("/admin/branches/organisations/new/", {
        "parent": tree.street.pk, "kind": "branch", "name": "新支部", "code": "NEW", "established_on": "2026-01-01",
        "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Organisation.objects.get(code="NEW")
    assert new.get_parent() == tree.street
    listing = client.get("/admin/branches/organisations/").content.decode()
    assert "新支部" in listing and "丙支部" in listing


def test_department_sees_its_subtree_in_the_admin(client, people, tree):
    people.dept_user.is_staff = True
    people.dept_user.save()
    from django.contrib.auth.models import Group, Permission

    dept = Group.objects.create(name="组织部（测试）")
    dept.permissions.add(*Permission.objects.filter(codename__in=["access_admin", "view_organisation"]))
    people.dept_user.groups.add(dept)
    client.force_login(people.dept_user)
    html = client.get("/admin/branches/organisations/").content.decode()
    assert "甲支部" in html and "乙支部" in html and "丙支部" not in html


def test_secretary_edits_a_member_but_cannot_link_accounts(client, people, tree):
    client.force_login(people.secretary_user)
    member = people.probationary
    response = client.post(f"/admin/branches/members/edit/{member.pk}/", {
        "code": member.code, "name": "甲预备（改）", "branch": tree.a.pk, "role": "member", "phone": "13800000000",
        "email": "", "user": people.outsider.pk, "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    member.refresh_from_db()
    assert member.name == "甲预备（改）" and member.role == "member" and member.user is None
    assert client.get(f"/admin/branches/members/edit/{people.other.pk}/").status_code in (302, 403)


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_member_list_export_is_scoped_and_neutralises_formulas(client, people, tree, export):
    import csv
    import io

    from openpyxl import load_workbook

    people.member.name = "=1+2"
    people.member.save()
    client.force_login(people.secretary_user)
    response = client.get("/admin/branches/members/", {"export": export})
    assert response.status_code == 200
    assert f'filename="members.{export}"' in response["Content-Disposition"]
    if export == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        rows = [["" if c.value is None else str(c.value) for c in row] for row in sheet.iter_rows()]
    assert rows[0][:2] == ["党员编号", "姓名"]
    names = {row[1] for row in rows[1:]}
    assert names == {"甲书记", "甲预备", "'=1+2" if export == "csv" else "=1+2"}  # not branch B's member
    assert all("13912345678" not in cell for row in rows for cell in row)  # the phone stays masked
