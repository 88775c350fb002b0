"""Branch reports, registers and attendance answer bad parameters with a Chinese 400 (#19)."""

import pytest
from django.urls import reverse

from branches.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "params", "words"),
    [
        ("/branches/register/10000/", {}, "年度应在"),
        ("/branches/register/1999.xlsx", {}, "年度应在"),
        ("/branches/register/2026/", {"branch": "abc"}, "组织编号无效"),
        ("/branches/register/2026/", {"branch": "99999999999999999999999"}, "组织编号无效"),
        ("/branches/report/", {"org": "１"}, "组织编号无效"),
        ("/branches/report/", {"period": "quarter", "year": "12026", "index": "1"}, "统计周期无效"),
        ("/branches/report.csv", {"period": "quarter", "year": "2026", "index": "7"}, "季度应为 1-4"),
        ("/branches/report/", {"period": "decade", "year": "2026"}, "统计周期无效"),
        ("/branches/api/sessions/", {"from": "2026-02-30"}, "YYYY-MM-DD"),
    ],
)
def test_bad_report_and_register_parameters_get_a_clear_400(client, people, url, params, words):
    client.force_login(people.secretary_user)
    response = client.get(url, params)
    assert response.status_code == 400
    assert words in response.content.decode()


def test_the_report_without_period_parameters_still_shows_the_current_quarter(client, people, tree):
    client.force_login(people.secretary_user)
    assert client.get("/branches/report/", {"org": tree.a.pk}).status_code == 200


def test_marking_attendance_for_a_non_numeric_member_is_a_400_and_records_nothing(client, people, tree):
    from branches.models import Attendance

    session = SessionFactory(branch=tree.a)
    client.force_login(people.secretary_user)
    url = reverse("branches:mark_attendance", kwargs={"pk": session.pk})
    for member in ("abc", "", "1\x00"):
        response = client.post(url, {"member": member, "status": "present"})
        assert response.status_code == 400, member
    assert not Attendance.objects.exists()
    assert client.post(url, {"member": people.member.pk, "status": "present"}).status_code == 302
