"""A secretary arranges a group viewing of an upcoming live lesson from the desk (安排集体收看), the
form comes prefilled at the live's time; a member finds it in 我的会议 with the link to the live."""

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_secretary_arranges_a_group_viewing_and_the_member_sees_it(live_site, browser_page, make_user):
    from wagtail.models import Site

    from branches.factories import MemberFactory, organisation
    from branches.models import OrganisationKind, Role, Session
    from lessons.factories import LessonIndexPageFactory, LessonPageFactory, LessonSpeakerFactory
    from media.factories import LiveStreamFactory

    index = LessonIndexPageFactory(parent=Site.objects.get(is_default_site=True).root_page)
    lesson = LessonPageFactory(parent=index, title="党课开讲啦：奋进新征程", live_stream=LiveStreamFactory())
    LessonSpeakerFactory(page=lesson)
    lesson.save_revision().publish()
    street = organisation("S", kind=OrganisationKind.STREET, name="街道")
    branch = organisation("B", parent=street, name="测试支部")
    secretary_user = make_user("secretary_l", role="支部书记")
    MemberFactory(branch=branch, role=Role.SECRETARY, user=secretary_user, name="王书记")
    MemberFactory(branch=branch, role=Role.MEMBER, user=make_user("member_x", role="党员"), name="李党员")
    base = live_site.url
    page = browser_page

    sign_in(page, base, "secretary_l")
    page.goto(f"{base}/branches/desk/")
    page.locator("#lives-title").wait_for()
    page.click("text=安排集体收看")
    assert page.input_value("#id_topic") == "集体收看直播：党课开讲啦：奋进新征程"
    assert page.input_value("#id_starts_at") != ""
    page.fill("#id_place", "党员活动室")
    page.click("form button[type=submit]:has-text('保存')")
    page.wait_for_selector("h1:has-text('集体收看直播')")
    assert page.locator(".bl-live-viewing").count() == 1
    assert "集体收看直播：党课开讲啦：奋进新征程" in page.text_content(".bl-live-viewing")
    session = Session.objects.get(branch=branch)
    assert list(session.lesson_links.values_list("lesson_id", flat=True)) == [lesson.pk]

    page.context.clear_cookies()
    sign_in(page, base, "member_x")
    page.goto(f"{base}/branches/my/")
    item = page.locator(".bl-live-viewing")
    assert "集体收看直播：党课开讲啦：奋进新征程" in item.text_content()
    item.locator("a").click()
    page.wait_for_selector("h1:has-text('党课开讲啦：奋进新征程')")
