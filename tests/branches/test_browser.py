"""A secretary plans a 主题党日, a member signs in through the QR page, the secretary sees it."""

import datetime as dt

import pytest
from django.utils import timezone

from branches.factories import MemberFactory, organisation
from branches.models import Attendance, OrganisationKind, Role, Session
from tests.conftest import sign_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_plan_sign_in_and_see_attendance(live_site, browser_page, browser, make_user, settings):
    settings.BRANCHES_QR_PERIOD = 10  # the page refreshes every 5 s
    street = organisation("S", kind=OrganisationKind.STREET, name="街道")
    branch = organisation("B", parent=street, name="测试支部")
    secretary_user = make_user("secretary_b", role="支部书记")
    member_user = make_user("member_b", role="党员")
    MemberFactory(branch=branch, role=Role.SECRETARY, user=secretary_user, name="王书记")
    MemberFactory(branch=branch, role=Role.MEMBER, user=member_user, name="李党员")
    base = live_site.url
    page = browser_page

    # The secretary plans a theme day that is on right now.
    sign_in(page, base, "secretary_b")
    page.goto(f"{base}/branches/desk/")
    page.click("text=安排会议")
    now = timezone.localtime()
    page.select_option("#id_session_type", label="主题党日")
    page.fill("#id_topic", "重温入党誓词")
    page.fill("#id_starts_at", (now - dt.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_place", "党员活动室")
    page.click("form button[type=submit]:has-text('保存')")
    page.wait_for_selector("h1:has-text('重温入党誓词')")
    session = Session.objects.get(topic="重温入党誓词")

    # The QR page shows a code; the link under it is what the code encodes.
    page.click("text=出示签到二维码")
    page.wait_for_selector("#qr-code svg")
    sign_in_url = page.get_attribute("#qr-link", "href")
    assert "/branches/sign-in/" in sign_in_url

    # The member scans (opens the URL) on their own phone and confirms.
    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    sign_in(phone, base, "member_b")
    phone.goto(sign_in_url)
    phone.click("text=确认签到")
    phone.wait_for_selector("[data-testid=sign-in-result]")
    assert "签到成功" in phone.text_content("[data-testid=sign-in-result]")
    phone.context.close()

    # The secretary's QR page counts them, and the attendance sheet lists them as present.
    page.wait_for_function("document.getElementById('qr-present').textContent === '1'", timeout=30000)
    page.goto(f"{base}/branches/sessions/{session.pk}/")
    row = page.locator("tr[data-member='李党员'] .attendance-status")
    assert "出席" in row.text_content()
    assert Attendance.objects.get(session=session).member.user == member_user
