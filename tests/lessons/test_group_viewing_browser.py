"""A secretary records who attended a 主题党日 that watched a lesson together; a member who was there
opens 我的学习 and finds the lesson under 集体学习, apart from what they watched alone."""

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_member_sees_the_lesson_watched_together_in_my_learning(live_site, browser_page, make_user):
    from wagtail.models import Site

    from branches.factories import MemberFactory, SessionFactory, organisation, session_type
    from branches.models import OrganisationKind, Role, SessionLesson
    from lessons.factories import LessonIndexPageFactory, LessonPageFactory, LessonSpeakerFactory
    from media.factories import RecordingFactory

    index = LessonIndexPageFactory(parent=Site.objects.get(is_default_site=True).root_page)
    lesson = LessonPageFactory(
        parent=index, title="集体观看：伟大建党精神", recording=RecordingFactory(duration=2700)
    )
    LessonSpeakerFactory(page=lesson)
    lesson.save_revision().publish()
    street = organisation("S", kind=OrganisationKind.STREET, name="街道")
    branch = organisation("B", parent=street, name="测试支部")
    secretary_user = make_user("secretary_g", role="支部书记")
    member_user = make_user("member_g", role="党员")
    MemberFactory(branch=branch, role=Role.SECRETARY, user=secretary_user, name="王书记")
    member = MemberFactory(branch=branch, role=Role.MEMBER, user=member_user, name="李党员")
    session = SessionFactory(
        branch=branch, session_type=session_type("theme-day"), topic="主题党日：集体观看"
    )
    SessionLesson.objects.create(session=session, lesson=lesson, sort_order=0)
    base = live_site.url
    page = browser_page

    # The secretary records the member as present on the session page.
    sign_in(page, base, "secretary_g")
    page.goto(f"{base}/branches/sessions/{session.pk}/")
    page.select_option(f"#status-{member.pk}", label="出席")
    page.locator(f"form:has(#status-{member.pk}) button:has-text('登记')").click()
    page.wait_for_selector("text=已登记 李党员 的出勤")

    # The member opens 我的学习.
    page.context.clear_cookies()
    sign_in(page, base, "member_g")
    page.goto(f"{base}/me/learning/")
    group = page.get_by_role("region", name="集体学习")
    item = group.locator(f"[data-group-lesson='{lesson.pk}']")
    assert item.get_by_role("link", name="集体观看：伟大建党精神").is_visible()
    assert "集体学习" in item.inner_text() and "45 分钟" in item.inner_text()
    completed = page.get_by_role("region", name="已学完").locator(f"[data-completed-lesson='{lesson.pk}']")
    assert completed.locator(".badge--group").inner_text() == "集体学习"
    hours = page.get_by_role("region", name="年度学时")
    assert "45 分钟" in hours.inner_text()
    assert "集体学习" in page.locator(".lead").inner_text()
