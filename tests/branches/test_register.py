from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from branches.factories import SessionFactory
from branches.models import AttendanceStatus
from branches.services import attendance

from .conftest import local_dt

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(tree, people):
    start = local_dt(2026, 3, 13, 14, 30)
    session = SessionFactory(branch=tree.a, topic="学习贯彻会议精神", starts_at=start, ends_at=start.replace(hour=16),
                             minutes="书记领学。", decisions="开展志愿服务。", place="活动室")
    attendance.mark_attendance(session, people.member, AttendanceStatus.PRESENT, by=people.secretary_user)
    attendance.close_session(session, by=people.secretary_user)
    SessionFactory(branch=tree.b, topic="乙支部的会", starts_at=start, ends_at=start.replace(hour=16))
    return session


def test_xlsx_opens_with_openpyxl(client, held, people):
    client.force_login(people.secretary_user)
    response = client.get(reverse("branches:register_xlsx", kwargs={"year": 2026}))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    assert "甲支部" in sheet["A1"].value
    header = [c.value for c in sheet[2]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=3)]
    assert len(rows) == 1
    row = rows[0]
    assert row["主题"] == "学习贯彻会议精神" and row["状态"] == "已召开"
    assert (row["出席"], row["缺席"]) == (1, 2)
    assert row["缺席人员"] == "甲书记、甲预备"
    assert row["会议记录"] == "书记领学。"
    assert row["日期"].date().isoformat() == "2026-03-13"


def test_printable_register_and_scope(client, held, people, tree):
    client.force_login(people.secretary_user)
    page = client.get(reverse("branches:register", kwargs={"year": 2026})).content.decode()
    assert "学习贯彻会议精神" in page and "乙支部的会" not in page
    # The secretary cannot open another branch's register; the district department can.
    url = reverse("branches:register_xlsx", kwargs={"year": 2026}) + f"?branch={tree.b.pk}"
    assert client.get(url).status_code == 403
    client.force_login(people.dept_user)
    assert client.get(url).status_code == 200
    client.force_login(people.member_user)
    assert client.get(reverse("branches:register", kwargs={"year": 2026})).status_code == 403


def test_xlsx_keeps_formula_like_text_as_text(client, tree, people):
    start = local_dt(2026, 5, 8, 14, 30)
    SessionFactory(branch=tree.a, topic='=HYPERLINK("https://evil.example","点我")', starts_at=start,
                   ends_at=start.replace(hour=16), decisions="+1+1", minutes="@SUM(A1)", place="-活动室")
    client.force_login(people.secretary_user)
    response = client.get(reverse("branches:register_xlsx", kwargs={"year": 2026}))
    assert 'filename="register-A-2026.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.content)).active
    header = [c.value for c in sheet[2]]
    cells = dict(zip(header, sheet[3], strict=True))
    assert cells["主题"].value == '=HYPERLINK("https://evil.example","点我")'
    for name in ("主题", "决议事项", "会议记录", "地点"):
        assert cells[name].data_type == "s", name  # text, never a formula cell
