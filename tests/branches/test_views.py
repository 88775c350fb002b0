import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.factories import SessionFactory, session_type
from branches.models import Attendance, Session, SessionStatus
from branches.services.attendance import make_qr_token
from cms.models import StandardPage
from cms.services import home_sections, user_menu_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def stand_in_pages(settings, home_page):
    """Lessons and routes are other apps' page types; a standard page stands in for both here."""
    settings.BRANCHES_LESSON_PAGE_TYPE = "cms.StandardPage"
    settings.BRANCHES_ROUTE_PAGE_TYPE = "cms.StandardPage"
    lesson = home_page.add_child(instance=StandardPage(title="党课：初心使命", slug="lesson-x"))
    route = home_page.add_child(instance=StandardPage(title="旅顺红色线路", slug="route-x"))
    return lesson, route


def test_plan_year_through_the_desk(client, people, tree):
    client.force_login(people.secretary_user)
    response = client.post(reverse("branches:plan_year"), {
        "session_type": session_type("theme-day").pk, "year": 2026, "rule": "", "start_time": "", "place": "活动室",
    })
    assert response.status_code == 302
    assert Session.objects.filter(branch=tree.a, session_type__slug="theme-day").count() == 12
    response = client.post(reverse("branches:plan_year"), {
        "session_type": session_type("theme-day").pk, "year": 2026, "rule": "FREQ=NEVER",
    })
    assert response.status_code == 200 and "重复规则只支持按年" in response.content.decode()


def test_create_session_with_lesson_counts_as_party_lesson(client, people, tree, stand_in_pages):
    lesson, _ = stand_in_pages
    client.force_login(people.secretary_user)
    response = client.post(reverse("branches:session_create"), {
        "session_type": session_type("theme-day").pk, "topic": "集体观看党课",
        "starts_at": "2026-06-12T14:30", "ends_at": "2026-06-12T16:30", "place": "活动室",
        "organiser": people.secretary.pk, "lessons": [lesson.pk],
    })
    assert response.status_code == 302, response.content.decode()
    session = Session.objects.get(topic="集体观看党课")
    assert session.counts_as_party_lesson and session.branch == tree.a
    assert [link.lesson_id for link in session.lesson_links.all()] == [lesson.pk]
    # The organiser must belong to the branch; the end must follow the start.
    response = client.post(reverse("branches:session_create"), {
        "session_type": session_type("theme-day").pk, "topic": "错", "starts_at": "2026-06-12T14:30",
        "ends_at": "2026-06-12T13:30", "organiser": people.other.pk,
    })
    assert response.status_code == 200 and "结束时间必须晚于开始时间" in response.content.decode()


def test_plan_visit_creates_a_draft_theme_day(client, people, tree, stand_in_pages):
    _, route = stand_in_pages
    url = reverse("branches:plan_visit", kwargs={"route_id": route.pk})
    assert url == f"/branches/plan-visit/{route.pk}/"
    client.force_login(people.member_user)
    assert client.get(url).status_code == 403
    client.force_login(people.secretary_user)
    page = client.get(url)
    assert page.status_code == 200 and "旅顺红色线路" in page.content.decode()
    assert not Session.objects.exists()  # GET only confirms
    response = client.post(url)
    session = Session.objects.get()
    assert response.status_code == 302 and response.url == reverse("branches:session_edit", kwargs={"pk": session.pk})
    assert (session.route_id, session.branch, session.status, session.session_type.slug) == (
        route.pk, tree.a, SessionStatus.PLANNED, "theme-day")
    assert client.get(reverse("branches:plan_visit", kwargs={"route_id": 999999})).status_code == 404


def test_plan_visit_refuses_pages_that_are_not_routes(client, people, home_page, settings):
    settings.BRANCHES_ROUTE_PAGE_TYPE = "routes.RoutePage"
    client.force_login(people.secretary_user)
    assert client.get(reverse("branches:plan_visit", kwargs={"route_id": home_page.pk})).status_code == 404


def test_qr_page_json_and_sign_in_over_http(client, people, tree):
    now = timezone.now()
    session = SessionFactory(branch=tree.a, starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=1))
    client.force_login(people.secretary_user)
    page = client.get(reverse("branches:session_qr", kwargs={"pk": session.pk})).content.decode()
    assert "<svg" in page
    data = client.get(reverse("branches:session_qr_code", kwargs={"pk": session.pk})).json()
    assert data["open"] and "/branches/sign-in/" in data["url"] and data["present"] == 0
    sign_in_url = data["url"].split("testserver", 1)[1]
    client.force_login(people.member_user)
    assert "确认签到" in client.get(sign_in_url).content.decode()
    assert "签到成功" in client.post(sign_in_url).content.decode()
    assert "您已签到" in client.post(sign_in_url).content.decode()
    client.force_login(people.other_user)
    response = client.post(sign_in_url)
    assert response.status_code == 400 and "不是本支部党员" in response.content.decode()
    assert Attendance.objects.filter(session=session).count() == 1
    client.force_login(people.secretary_user)
    assert client.get(reverse("branches:session_qr_code", kwargs={"pk": session.pk})).json()["present"] == 1
    stale = make_qr_token(session, now=now - dt.timedelta(minutes=10))
    client.force_login(people.member_user)
    assert client.get(reverse("branches:sign_in", kwargs={"token": stale})).status_code == 400


def test_postpone_and_cancel_from_the_session_page(client, people, tree):
    session = SessionFactory(branch=tree.a)
    client.force_login(people.secretary_user)
    later = (timezone.localtime(session.starts_at) + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("branches:session_action", kwargs={"pk": session.pk, "action": "postpone"}), {"starts_at": later})
    session.refresh_from_db()
    assert session.status == SessionStatus.POSTPONED
    client.post(reverse("branches:session_action", kwargs={"pk": session.pk, "action": "cancel"}))
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED


def test_report_dashboard_and_csv(client, people, tree):
    client.force_login(people.dept_user)
    page = client.get(reverse("branches:report"), {"org": tree.district.pk, "period": "month", "year": 2026, "index": 3})
    html = page.content.decode()
    assert page.status_code == 200 and "一街道" in html and "甲支部" in html and "2026年3月" in html
    response = client.get(reverse("branches:report_csv"), {"org": tree.district.pk, "period": "quarter", "year": 2026, "index": 1})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["组织代码", "支部", "会议类型"]
    assert {r[0] for r in rows[1:]} == {"A", "B"}  # the other district's branch C is not in this subtree
    theme = next(r for r in rows[1:] if r[0] == "A" and r[2] == "主题党日")
    assert theme[3:5] == ["1月、2月、3月", "3"]
    bad = client.get(reverse("branches:report"), {"org": tree.district.pk, "period": "quarter", "year": 2026, "index": 7})
    # The current quarter, with the reason and status 400 (#19): not a silent fallback, not a 500.
    assert bad.status_code == 400 and "季度应为 1-4" in bad.content.decode()


def test_home_section_and_menu(rf, people, tree):
    SessionFactory(branch=tree.a, topic="下周的主题党日")
    SessionFactory(branch=tree.a, topic="支委会", session_type=session_type("committee-meeting"))
    request = rf.get("/")
    request.user = people.member_user
    section = next(s for s in home_sections(request) if s.template == "branches/home_section.html")
    assert [s.topic for s in section.context["sessions"]] == ["下周的主题党日"]
    assert ("我的会议", reverse("branches:my_sessions")) in user_menu_items(request)
    request.user = people.secretary_user
    labels = [label for label, _ in user_menu_items(request)]
    assert "支部工作台" in labels
    request.user = people.outsider
    assert not any(s.template == "branches/home_section.html" for s in home_sections(request))


def test_desk_and_my_sessions_pages(client, people, tree):
    SessionFactory(branch=tree.a, topic="本月主题党日")
    client.force_login(people.secretary_user)
    html = client.get(reverse("branches:desk")).content.decode()
    assert "支部工作台" in html and "本月主题党日" in html and "待落实的组织生活" in html
    client.force_login(people.member_user)
    html = client.get(reverse("branches:my_sessions")).content.decode()
    assert "本月主题党日" in html
    assert client.get(reverse("branches:home")).url == reverse("branches:my_sessions")


def test_minutes_and_photo_recorded_after_the_session(client, people, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    session = SessionFactory(branch=tree.a, topic="学习会")
    client.force_login(people.secretary_user)
    start = timezone.localtime(session.starts_at)
    response = client.post(reverse("branches:session_edit", kwargs={"pk": session.pk}), {
        "session_type": session.session_type_id, "topic": "学习会", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "minutes": "大家踊跃发言。", "decisions": "下月参观纪念馆。", "photo_caption": "会议现场",
        "photo": SimpleUploadedFile("scene.png", buffer.getvalue(), content_type="image/png"),
    })
    assert response.status_code == 302
    html = client.get(reverse("branches:session_detail", kwargs={"pk": session.pk})).content.decode()
    assert "大家踊跃发言。" in html and "下月参观纪念馆。" in html and 'alt="会议现场"' in html
    # A file that is not an image is refused with a message, and nothing is lost.
    response = client.post(reverse("branches:session_edit", kwargs={"pk": session.pk}), {
        "session_type": session.session_type_id, "topic": "学习会", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "minutes": "新的记录",
        "photo": SimpleUploadedFile("evil.png", b"not an image", content_type="image/png"),
    })
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.minutes == "大家踊跃发言。" and session.photos.count() == 1


def test_health_check_hook():
    from cms.services import run_health_checks

    check = next(c for c in run_health_checks() if c.name == "branches")
    assert check.ok and "7 required session types" in check.detail


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_leave_decision_never_redirects_off_the_site(client, people, tree, target):
    from branches.services.attendance import request_leave

    session = SessionFactory(branch=tree.a)
    leave = request_leave(session, people.member, "出差")
    client.force_login(people.secretary_user)
    url = reverse("branches:leave_decide", kwargs={"pk": leave.pk, "decision": "approve"})
    response = client.post(url, {"next": target})
    assert response.status_code == 302 and response["Location"] == reverse("branches:desk")
    leave.refresh_from_db()
    assert leave.status == "approved"


def test_leave_decision_returns_to_the_session_page(client, people, tree):
    from branches.services.attendance import request_leave

    session = SessionFactory(branch=tree.a)
    leave = request_leave(session, people.member, "出差")
    client.force_login(people.secretary_user)
    back = reverse("branches:session_detail", kwargs={"pk": session.pk})
    url = reverse("branches:leave_decide", kwargs={"pk": leave.pk, "decision": "reject"})
    assert client.post(url, {"next": back})["Location"] == back


def test_report_csv_writes_organisation_names_as_text(client, people, tree):
    tree.b.name = '=HYPERLINK("https://evil.example","乙")'
    tree.b.save()
    client.force_login(people.dept_user)
    response = client.get(reverse("branches:report_csv"), {"org": tree.district.pk, "period": "quarter", "year": 2026, "index": 1})
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert 'filename="cadence-C-D1-quarter-2026-1.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    names = {r[1] for r in rows[1:]}
    assert "'=HYPERLINK(\"https://evil.example\",\"乙\")" in names and "甲支部" in names
    assert not any(cell.startswith("=") for row in rows for cell in row)
