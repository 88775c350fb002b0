"""Study assignments through HTTP: giving one, the member's pages, the secretary's per-member view
and nudge, the department's rates and exports, the JSON endpoints and the Wagtail admin, each with
the refusals the tree requires."""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from branches.factories import AssignmentFactory, MemberFactory, organisation, progress
from branches.models import Assignment, AssignmentReminder, OrganisationManager, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_task(tree, course):
    return AssignmentFactory(
        organisation=tree.city,
        lessons=[course.one, course.two],
        title="学习二十大精神",
        due_on=timezone.localdate() + dt.timedelta(days=10),
    )


@pytest.fixture
def secretary_b(tree, make_user):
    user = make_user("sec_b", role="支部书记")
    MemberFactory(branch=tree.b, role=Role.SECRETARY, user=user, name="乙书记")
    return user


def form_data(org, lessons, **extra):
    today = timezone.localdate()
    return {
        "title": "学习新党章",
        "description": "",
        "organisation": org.pk,
        "lessons": [x.pk for x in lessons],
        "starts_on": today.isoformat(),
        "due_on": (today + dt.timedelta(days=30)).isoformat(),
        "required_percent": 90,
        **extra,
    }


# --- giving an assignment ----------------------------------------------------------------------


def test_secretary_assigns_to_their_branch_only(client, tree, people, course):
    client.force_login(people.secretary_user)
    page = client.get("/branches/assignments/new/").content.decode()
    assert "甲支部" in page and "乙支部" not in page and "一街道" not in page
    response = client.post("/branches/assignments/new/", form_data(tree.a, [course.one]))
    assignment = Assignment.objects.get(title="学习新党章")
    assert response.status_code == 302 and response["Location"] == f"/branches/assignments/{assignment.pk}/"
    assert assignment.organisation == tree.a and assignment.created_by == people.secretary_user
    assert assignment.required_share == 0.9
    for org in (tree.b, tree.street):
        response = client.post("/branches/assignments/new/", form_data(org, [course.one], title="越权"))
        assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not Assignment.objects.filter(title="越权").exists()


def test_department_assigns_a_series_to_its_subtree(client, tree, people, course):
    client.force_login(people.dept_user)
    data = form_data(tree.district, [], series=course.series.pk, required_percent=100)
    assert client.post("/branches/assignments/new/", data).status_code == 302
    assignment = Assignment.objects.get()
    assert set(assignment.lessons.all()) == {course.one, course.two} and assignment.required_share == 1.0
    refused = client.post("/branches/assignments/new/", form_data(tree.district2, [course.one], title="越权"))
    assert refused.status_code == 200 and not Assignment.objects.filter(title="越权").exists()


def test_form_errors_are_clear_and_nothing_is_saved(client, tree, people):
    client.force_login(people.secretary_user)
    today = timezone.localdate()
    response = client.post(
        "/branches/assignments/new/",
        form_data(tree.a, [], due_on=(today - dt.timedelta(days=1)).isoformat(), required_percent=5),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "请选择至少一讲党课或一个系列" in html and "截止日期不能早于开始日期" in html
    assert not Assignment.objects.exists()


def test_members_cannot_give_or_list_assignments(client, people, tree, course):
    client.force_login(people.member_user)
    assert client.get("/branches/assignments/").status_code == 403
    assert client.get("/branches/assignments/new/").status_code == 403
    assert client.post("/branches/assignments/new/", form_data(tree.a, [course.one])).status_code == 403
    assert not Assignment.objects.exists()


def test_list_shows_assignments_reaching_the_users_scope(client, tree, people, course, city_task):
    AssignmentFactory(organisation=tree.c, lessons=[course.one], title="丙支部任务")
    AssignmentFactory(organisation=tree.b, lessons=[course.one], title="乙支部任务")
    client.force_login(people.secretary_user)
    html = client.get("/branches/assignments/").content.decode()
    assert "学习二十大精神" in html and "丙支部任务" not in html and "乙支部任务" not in html
    client.force_login(people.dept_user)
    html = client.get("/branches/assignments/").content.decode()
    assert "学习二十大精神" in html and "乙支部任务" in html and "丙支部任务" not in html


# --- the member ------------------------------------------------------------------------------


def test_member_sees_open_assignments_first_in_my_learning_with_their_own_progress(
    client, people, course, city_task
):
    progress(people.member_user, course.one, seconds=100)
    progress(people.member_user, course.other, seconds=30)  # an unassigned lesson to continue
    progress(people.other_user, course.two, seconds=60)  # someone else's record
    client.force_login(people.member_user)
    html = client.get("/me/learning/").content.decode()
    assert "我的学习任务" in html and "学习二十大精神" in html
    assert html.index("我的学习任务") < html.index("继续观看")
    assert "已学完 1/2 讲" in html and f"{city_task.due_on.month}月{city_task.due_on.day}日截止" in html
    assert "已学 0%" in html  # their own progress on lesson two, not 乙党员's 60 %
    assert "还有 10 天" in html


def test_member_sees_assignments_first_on_the_home_page(client, people, course, city_task):
    client.force_login(people.member_user)
    html = client.get("/").content.decode()
    assert "学习二十大精神" in html
    assert html.index("我的学习任务") < html.index("近期会议")


def test_no_assignment_panel_for_someone_not_on_a_roll(client, people, course, city_task):
    client.force_login(people.outsider)
    assert "我的学习任务" not in client.get("/me/learning/").content.decode()


def test_api_lists_only_the_members_own_assignments(client, people, tree, course, city_task):
    AssignmentFactory(organisation=tree.b, lessons=[course.one], title="乙支部任务")
    progress(people.member_user, course.one, seconds=100)
    client.force_login(people.member_user)
    data = client.get("/branches/api/assignments/mine/").json()["results"]
    assert [a["title"] for a in data] == ["学习二十大精神"]
    assert [(x["title"], x["finished"]) for x in data[0]["lessons"]] == [
        ("第一讲 初心使命", True),
        ("第二讲 红色故事", False),
    ]
    assert client.get(f"/branches/api/assignments/{city_task.pk}/rates/").status_code == 404
    client.logout()
    assert client.get("/branches/api/assignments/mine/").status_code == 302


# --- the secretary ---------------------------------------------------------------------------


def test_secretary_sees_who_has_finished_in_their_branch_only(client, people, course, city_task):
    for lesson in (course.one, course.two):
        progress(people.member_user, lesson, seconds=100)
    client.force_login(people.secretary_user)
    response = client.get(f"/branches/assignments/{city_task.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "甲党员" in html and "甲预备" in html and "甲书记" in html and "乙党员" not in html
    assert "完成率 <strong>33.3%</strong>" in html
    assert html.index("甲预备") < html.index("甲党员")  # who has not finished first


def test_other_branch_secretary_is_refused(client, tree, people, course, secretary_b):
    own_task = AssignmentFactory(organisation=tree.a, lessons=[course.one])
    client.force_login(secretary_b)
    assert client.get(f"/branches/assignments/{own_task.pk}/").status_code == 404
    city = AssignmentFactory(organisation=tree.city, lessons=[course.one])
    assert client.get(f"/branches/assignments/{city.pk}/?org={tree.a.pk}").status_code == 403
    assert "乙书记" in client.get(f"/branches/assignments/{city.pk}/").content.decode()
    response = client.post(f"/branches/assignments/{city.pk}/nudge/{people.probationary.pk}/")
    assert response.status_code == 404 and not mail.outbox


def test_members_cannot_see_the_branch_list(client, people, city_task):
    # A member is neither a secretary nor a department: the assignment's reports do not exist for them.
    client.force_login(people.member_user)
    assert client.get(f"/branches/assignments/{city_task.pk}/").status_code == 404
    assert (
        client.get(f"/branches/assignments/{city_task.pk}/?org={people.member.branch_id}").status_code == 404
    )
    assert (
        client.post(f"/branches/assignments/{city_task.pk}/nudge/{people.probationary.pk}/").status_code
        == 404
    )
    assert client.get(f"/branches/assignments/{city_task.pk}/rates.csv").status_code == 404
    assert not mail.outbox


def test_nudge_sends_the_reminder_again_once_a_day(client, people, city_task):
    client.force_login(people.secretary_user)
    url = f"/branches/assignments/{city_task.pk}/nudge/{people.probationary.pk}/"
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "已向甲预备发送学习提醒" in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["p@example.org"]
    assert "学习二十大精神" in mail.outbox[0].subject and "还有 2 讲" in mail.outbox[0].body
    again = client.post(url, follow=True).content.decode()
    assert "今天已经提醒过甲预备" in again and len(mail.outbox) == 1
    assert "今天已提醒" in client.get(f"/branches/assignments/{city_task.pk}/").content.decode()
    assert AssignmentReminder.objects.get().sent_by == people.secretary_user


def test_nudge_needs_the_csrf_token(people, city_task):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.secretary_user)
    assert (
        client.post(f"/branches/assignments/{city_task.pk}/nudge/{people.probationary.pk}/").status_code
        == 403
    )
    assert not mail.outbox


def test_no_nudge_after_the_due_date(client, people, tree, course):
    past = AssignmentFactory(
        organisation=tree.a,
        lessons=[course.one],
        starts_on=timezone.localdate() - dt.timedelta(days=20),
        due_on=timezone.localdate() - dt.timedelta(days=1),
    )
    client.force_login(people.secretary_user)
    assert ">提醒</button>" not in client.get(f"/branches/assignments/{past.pk}/").content.decode()
    response = client.post(f"/branches/assignments/{past.pk}/nudge/{people.probationary.pk}/", follow=True)
    assert "任务已截止" in response.content.decode() and not mail.outbox


# --- the organisation department -------------------------------------------------------------


def test_department_sees_rates_down_its_subtree_and_never_people(client, tree, people, course, city_task):
    for lesson in (course.one, course.two):
        progress(people.member_user, lesson, seconds=100)
        progress(people.other_user, lesson, seconds=100)
    client.force_login(people.dept_user)
    html = client.get(f"/branches/assignments/{city_task.pk}/").content.decode()
    assert "一区" in html and "一街道" in html and "二区" not in html
    assert "完成率 <strong>50.0%</strong>" in html
    street = client.get(f"/branches/assignments/{city_task.pk}/?org={tree.street.pk}").content.decode()
    assert f'href="?org={tree.a.pk}"' in street and "33.3%" in street and "100.0%" in street
    branch = client.get(f"/branches/assignments/{city_task.pk}/?org={tree.a.pk}").content.decode()
    assert "完成率 <strong>33.3%</strong>" in branch
    for name in ("甲党员", "甲预备", "甲书记", "乙党员"):
        assert name not in street and name not in branch
    assert ">提醒</button>" not in branch


def test_department_outside_its_subtree_is_refused(client, tree, people, course, city_task):
    client.force_login(people.dept_user)
    assert client.get(f"/branches/assignments/{city_task.pk}/?org={tree.district2.pk}").status_code == 403
    assert client.get(f"/branches/assignments/{city_task.pk}/?org={tree.city.pk}").status_code == 403
    assert client.get(f"/branches/assignments/{city_task.pk}/rates.csv?org={tree.c.pk}").status_code == 403
    assert client.get(f"/branches/api/assignments/{city_task.pk}/rates/?org={tree.c.pk}").status_code == 403
    other = AssignmentFactory(organisation=tree.district2, lessons=[course.one])
    assert client.get(f"/branches/assignments/{other.pk}/").status_code == 404
    assert client.get(f"/branches/assignments/{other.pk}/rates.xlsx").status_code == 404
    assert client.get(f"/branches/assignments/{city_task.pk}/?org=abc").status_code == 404
    assert client.get(f"/branches/assignments/{city_task.pk}/rates.pdf").status_code == 404


def test_city_department_drills_into_any_district(client, tree, people, course, city_task, make_user):
    city_dept = make_user("city_dept")
    OrganisationManager.objects.create(user=city_dept, organisation=tree.city)
    client.force_login(city_dept)
    html = client.get(f"/branches/assignments/{city_task.pk}/").content.decode()
    assert "一区" in html and "二区" in html
    assert (
        "丙支部"
        in client.get(f"/branches/assignments/{city_task.pk}/?org={tree.street2.pk}").content.decode()
    )
    data = client.get(f"/branches/api/assignments/{city_task.pk}/rates/").json()
    assert [c["organisation"] for c in data["children"]] == ["一区", "二区"]
    assert data["organisation"]["members"] == 4


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rate_exports_are_scoped_and_formula_safe(client, tree, people, course, city_task, fmt):
    evil = organisation("EVIL", parent=tree.street, name='=HYPERLINK("http://x","点我")')
    MemberFactory(branch=evil)
    client.force_login(people.dept_user)
    response = client.get(f"/branches/assignments/{city_task.pk}/rates.{fmt}?org={tree.street.pk}")
    assert response.status_code == 200
    assert f"assignment-{city_task.pk}-C-D1-S1.{fmt}" in response["Content-Disposition"]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["组织", "组织代码", "应学人数", "已完成人数", "未完成人数", "完成率（%）"]
        names = [r[0] for r in rows[1:]]
        assert names[0] == "一街道（合计）" and "甲支部" in names
        assert '\'=HYPERLINK("http://x","点我")' in names
        assert not any("甲党员" in cell for row in rows for cell in row)
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [c for row in sheet.iter_rows() for c in row if c.value]
        evil_cell = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
        assert evil_cell.data_type == "s"
        assert not any("甲党员" in str(c.value) for c in cells)


# --- the Wagtail admin -------------------------------------------------------------------------


def test_admin_viewset_is_scoped_to_what_the_user_may_assign(client, tree, people, course, secretary_b):
    own = AssignmentFactory(organisation=tree.a, lessons=[course.one], title="甲支部任务")
    other = AssignmentFactory(organisation=tree.b, lessons=[course.one], title="乙支部任务")
    AssignmentFactory(organisation=tree.city, lessons=[course.one], title="全市任务")
    client.force_login(people.secretary_user)
    listing = client.get("/admin/branches/assignments/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "甲支部任务" in html and "乙支部任务" not in html and "全市任务" not in html
    assert client.get(f"/admin/branches/assignments/edit/{own.pk}/").status_code == 200
    assert client.get(f"/admin/branches/assignments/edit/{other.pk}/").status_code in (302, 403)
    assert client.post(f"/admin/branches/assignments/delete/{other.pk}/").status_code in (302, 403)
    assert Assignment.objects.filter(pk=other.pk).exists()
    form = client.get("/admin/branches/assignments/new/").content.decode()
    assert "甲支部" in form and "乙支部" not in form
    today = timezone.localdate()
    client.post(
        "/admin/branches/assignments/new/",
        {
            "title": "偷偷下达",
            "organisation": tree.b.pk,
            "lessons": [course.one.pk],
            "starts_on": today.isoformat(),
            "due_on": today.isoformat(),
            "required_share": "0.9",
        },
    )
    assert not Assignment.objects.filter(title="偷偷下达").exists()
    response = client.post(
        "/admin/branches/assignments/new/",
        {
            "title": "系列学习",
            "organisation": tree.a.pk,
            "series": course.series.pk,
            "starts_on": today.isoformat(),
            "due_on": today.isoformat(),
            "required_share": "0.9",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    created = Assignment.objects.get(title="系列学习")
    assert (
        set(created.lessons.all()) == {course.one, course.two} and created.created_by == people.secretary_user
    )


# --- changing and withdrawing --------------------------------------------------------------------


def test_secretary_edits_and_withdraws_their_own_assignment(client, tree, people, course):
    own = AssignmentFactory(organisation=tree.a, lessons=[course.one], title="旧名称")
    client.force_login(people.secretary_user)
    page = client.get(f"/branches/assignments/{own.pk}/edit/").content.decode()
    assert 'value="旧名称"' in page
    response = client.post(
        f"/branches/assignments/{own.pk}/edit/", form_data(tree.a, [course.two], title="新名称")
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.title == "新名称" and list(own.lessons.all()) == [course.two]
    progress(people.member_user, course.two, seconds=100)
    assert client.get(f"/branches/assignments/{own.pk}/delete/").status_code == 405
    assert client.post(f"/branches/assignments/{own.pk}/delete/").status_code == 302
    assert not Assignment.objects.filter(pk=own.pk).exists()
    assert course.two.progress_records.get().user == people.member_user  # the member's own record stays


def test_only_the_assigning_level_may_change_an_assignment(
    client, tree, people, course, city_task, secretary_b
):
    district_task = AssignmentFactory(organisation=tree.district, lessons=[course.one])
    client.force_login(people.secretary_user)  # the city's and the district's assignments reach branch A
    for task in (city_task, district_task):
        assert "修改任务" not in client.get(f"/branches/assignments/{task.pk}/").content.decode()
        assert client.get(f"/branches/assignments/{task.pk}/edit/").status_code == 403
        assert client.post(f"/branches/assignments/{task.pk}/delete/").status_code == 403
    client.force_login(people.dept_user)
    assert client.post(f"/branches/assignments/{city_task.pk}/delete/").status_code == 403
    assert "修改任务" in client.get(f"/branches/assignments/{district_task.pk}/").content.decode()
    client.force_login(secretary_b)
    own_a = AssignmentFactory(organisation=tree.a, lessons=[course.one])
    assert client.post(f"/branches/assignments/{own_a.pk}/delete/").status_code == 404
    assert Assignment.objects.filter(pk__in=[city_task.pk, district_task.pk, own_a.pk]).count() == 3


def test_a_frozen_assignment_keeps_its_organisation(client, tree, people, course):
    from branches.services.assignments import freeze_roster

    past = AssignmentFactory(
        organisation=tree.district,
        lessons=[course.one],
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        due_on=timezone.localdate() - dt.timedelta(days=1),
    )
    freeze_roster(past)
    client.force_login(people.dept_user)
    data = form_data(
        tree.street,
        [course.one],
        title="改范围",
        starts_on=past.starts_on.isoformat(),
        due_on=past.due_on.isoformat(),
    )
    assert client.post(f"/branches/assignments/{past.pk}/edit/", data).status_code == 302
    past.refresh_from_db()
    assert past.title == "改范围" and past.organisation == tree.district


def test_the_secretarys_desk_shows_open_assignments_with_the_branch_total(
    client, tree, people, course, city_task
):
    AssignmentFactory(organisation=tree.b, lessons=[course.one], title="乙支部任务")
    AssignmentFactory(
        organisation=tree.a,
        lessons=[course.one],
        title="已截止任务",
        starts_on=timezone.localdate() - dt.timedelta(days=30),
        due_on=timezone.localdate() - dt.timedelta(days=1),
    )
    for lesson in (course.one, course.two):
        progress(people.member_user, lesson, seconds=100)
    client.force_login(people.secretary_user)
    html = client.get("/branches/desk/").content.decode()
    assert "学习二十大精神" in html and "本支部已完成 1/3 人（33.3%）" in html
    assert "乙支部任务" not in html and "已截止任务" not in html
    assert f"/branches/assignments/{city_task.pk}/?org={tree.a.pk}" in html


# --- choosing lessons among thousands ------------------------------------------------------------


def _listed_lessons(html):
    import re

    return {int(pk) for pk in re.findall(r'name="lessons" value="(\d+)"', html)}


def test_the_form_lists_the_newest_lessons_and_finds_the_others(client, tree, people, course, monkeypatch):
    from lessons.models import LessonPage

    monkeypatch.setattr("branches.forms.RECENT_LESSONS_LISTED", 1)
    newest, *older = LessonPage.objects.live().order_by("-date_given", "title")
    client.force_login(people.secretary_user)
    html = client.get("/branches/assignments/new/").content.decode()
    assert _listed_lessons(html) == {newest.pk}
    assert 'data-search-url="/branches/assignments/lessons/"' in html
    # A lesson the list does not show is found by the search box, and the form takes it.
    found = client.get("/branches/assignments/lessons/", {"q": older[0].title.split()[-1]}).json()["results"]
    assert older[0].pk in [item["id"] for item in found]
    response = client.post("/branches/assignments/new/", form_data(tree.a, [older[0]]))
    assert response.status_code == 302
    assignment = Assignment.objects.get(title="学习新党章")
    assert list(assignment.lessons.all()) == [older[0]]
    # Editing lists the chosen lessons whatever their age; a rejected form keeps them listed and ticked.
    html = client.get(f"/branches/assignments/{assignment.pk}/edit/").content.decode()
    assert _listed_lessons(html) == {newest.pk, older[0].pk}
    # Dates as <input type="date"> needs them (ISO), or the browser shows the fields empty.
    assert f'name="starts_on" value="{assignment.starts_on.isoformat()}"' in html
    rejected = client.post(f"/branches/assignments/{assignment.pk}/edit/",
                           form_data(tree.a, [older[1]], due_on="2000-01-01")).content.decode()
    assert older[1].pk in _listed_lessons(rejected) and f'value="{older[1].pk}"\n' not in rejected
    assert "截止日期不能早于开始日期" in rejected


def test_the_lesson_search_folds_what_is_typed_and_is_for_assigners_only(client, people, course):
    client.force_login(people.secretary_user)
    results = client.get("/branches/assignments/lessons/", {"q": "紅色 故事"}).json()["results"]
    assert [item["title"] for item in results] == ["第二讲 红色故事"]
    assert client.get("/branches/assignments/lessons/", {"q": ""}).json() == {"results": []}
    assert client.get("/branches/assignments/lessons/", {"q": "\x00"}).status_code == 400  # the bad-input net
    client.force_login(people.member_user)
    assert client.get("/branches/assignments/lessons/", {"q": "红色"}).status_code == 403
