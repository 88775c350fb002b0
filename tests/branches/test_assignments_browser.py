"""The three journeys of study assignments in a real browser: a member finds their assignment first
in 我的学习, a secretary sees who has not finished and nudges them, an organisation department drills
down from the city to one branch's rate."""

import datetime as dt

import pytest
from django.utils import timezone

from branches.factories import AssignmentFactory, progress
from branches.models import AssignmentReminder, OrganisationManager
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def city_task(live_site, tree, people, course):
    return AssignmentFactory(
        organisation=tree.city,
        lessons=[course.one, course.two],
        title="学习党的二十大精神",
        due_on=timezone.localdate() + dt.timedelta(days=6),
    )


def test_member_sees_their_assignment_first_in_my_learning(
    live_site, browser_page, people, course, city_task
):
    progress(people.member_user, course.one, seconds=100)
    progress(people.member_user, course.other, seconds=40)
    page = browser_page
    sign_in(page, live_site.url, "mem_a")
    page.goto(f"{live_site.url}/me/learning/")
    headings = page.locator("main h2").all_text_contents()
    assert headings[0] == "我的学习任务" and "继续观看" in headings
    panel = page.locator("[data-testid=my-assignments]")
    text = panel.text_content()
    assert "学习党的二十大精神" in text and "还有 6 天" in text and "已学完 1/2 讲" in text
    panel.locator("a", has_text="第二讲 红色故事").click()
    page.wait_for_selector("h1:has-text('第二讲 红色故事')")


def test_secretary_sees_who_has_not_finished_and_nudges(live_site, browser_page, people, course, city_task):
    for lesson in (course.one, course.two):
        progress(people.member_user, lesson, seconds=100)
    page = browser_page
    sign_in(page, live_site.url, "sec_a")
    page.goto(f"{live_site.url}/branches/desk/")
    page.click("nav >> text=学习任务")
    page.click("text=学习党的二十大精神")
    assert "已完成" in page.text_content("tr[data-member='甲党员'] .member-status")
    row = page.locator("tr[data-member='甲预备']")
    assert "未完成" in row.locator(".member-status").text_content()
    assert page.locator("tr[data-member='乙党员']").count() == 0
    row.locator("button", has_text="提醒").click()
    page.wait_for_selector("text=已向甲预备发送学习提醒")
    assert "今天已提醒" in page.locator("tr[data-member='甲预备']").text_content()
    reminder = AssignmentReminder.objects.get()
    assert reminder.member == people.probationary and reminder.sent_by == people.secretary_user


def test_department_drills_down_from_the_city_to_a_branch_rate(
    live_site, browser_page, tree, people, course, city_task, make_user
):
    for lesson in (course.one, course.two):
        progress(people.member_user, lesson, seconds=100)
    city_dept = make_user("city_dept")
    OrganisationManager.objects.create(user=city_dept, organisation=tree.city)
    page = browser_page
    sign_in(page, live_site.url, "city_dept")
    page.goto(f"{live_site.url}/branches/assignments/")
    page.click("text=学习党的二十大精神")
    assert "完成率 25.0%" in page.text_content("[data-testid=total-rate]")
    page.click("[data-testid=rates] >> text=一区")
    page.click("[data-testid=rates] >> text=一街道")
    assert "甲支部" in page.text_content("[data-testid=rates]")
    page.click("[data-testid=rates] >> text=甲支部")
    assert "完成率 33.3%" in page.text_content("[data-testid=total-rate]")
    assert page.locator("[data-testid=members]").count() == 0  # rates only, never people
    assert "甲党员" not in page.text_content("main")
    page.click("nav[aria-label=组织层级] >> text=市委")
    assert "二区" in page.text_content("[data-testid=rates]")


def test_secretary_finds_an_older_lesson_by_its_title_and_assigns_it(
    live_site, browser_page, tree, people, course, monkeypatch
):
    from branches.models import Assignment
    from lessons.models import LessonPage
    from tests.conftest import assert_accessible

    monkeypatch.setattr("branches.forms.RECENT_LESSONS_LISTED", 1)
    newest = LessonPage.objects.live().order_by("-date_given", "title").first()
    wanted = LessonPage.objects.live().exclude(pk=newest.pk).get(title__contains="初心")
    page = browser_page
    sign_in(page, live_site.url, "sec_a")
    page.goto(f"{live_site.url}/branches/assignments/new/")
    assert page.locator('input[name="lessons"]').count() == 1
    assert page.input_value("#id_starts_on") == timezone.localdate().isoformat()  # prefilled, as a date input shows it
    page.fill("#id_title", "重温初心")
    page.fill("#lesson-picker-q", "初心")
    page.get_by_role("button", name=f"加入 {wanted.title}").click()
    assert page.locator(f'input[name="lessons"][value="{wanted.pk}"]').is_checked()
    assert "已加入" in page.text_content(".lesson-picker__status")
    assert_accessible(page)
    page.select_option("#id_organisation", str(tree.a.pk))
    page.fill("#id_due_on", (timezone.localdate() + dt.timedelta(days=20)).isoformat())
    page.click("form.bl-form button[type=submit]")
    page.wait_for_selector("h1:has-text('重温初心')")
    assert list(Assignment.objects.get(title="重温初心").lessons.all()) == [wanted]
