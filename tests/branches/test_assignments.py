"""Study assignments: completion rule, who counts on the due date, rates down the tree, the member's
own list, reminders and nudges (services, against the real database)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from branches.factories import AssignmentFactory, MemberFactory, organisation, progress
from branches.models import Assignment, AssignmentMember, AssignmentReminder, OrganisationManager
from branches.services import assignments as svc
from lessons.models import LessonProgress
from lessons.services.completion import finished_q

TODAY = dt.date(2026, 6, 15)


def finished_ids(share=None):
    return set(LessonProgress.objects.filter(finished_q(share)).values_list("pk", flat=True))


def test_default_share_is_the_existing_completion_rule(course, make_user):
    user = make_user("u1")
    marked = progress(user, course.one, seconds=50, completed=True)  # completed by the player earlier
    enough = progress(user, course.two, seconds=90)
    short = progress(make_user("u2"), course.one, seconds=89)
    assert finished_ids() == {marked.pk, enough.pk}
    assert short.pk not in finished_ids(0.9)


def test_a_higher_share_needs_the_seconds_of_the_server_duration(course, make_user):
    user = make_user("u1")
    marked = progress(user, course.one, seconds=92, completed=True)
    full = progress(user, course.two, seconds=100)
    assert finished_ids(1.0) == {full.pk}
    assert marked.pk in finished_ids(0.5)
    # A lesson whose recording's duration is not known yet is never finished by seconds alone.
    course.other.recording.duration = 0
    course.other.recording.save()
    unknown = progress(user, course.other, seconds=500)
    assert unknown.pk not in finished_ids(0.5)


def test_rates_per_child_count_members_who_finished_every_lesson(tree, people, course, make_user):
    assignment = AssignmentFactory(organisation=tree.city, lessons=[course.one, course.two])
    c_user = make_user("mem_c")
    MemberFactory(branch=tree.c, user=c_user)
    for lesson in (course.one, course.two):
        progress(people.member_user, lesson, seconds=95)
        progress(c_user, lesson, seconds=100)
    progress(people.other_user, course.one, seconds=100)  # only one of the two lessons
    progress(people.secretary_user, course.other, seconds=100)  # a lesson not in the assignment

    report = svc.rate_report(assignment, tree.city)
    rates = {r.organisation.name: (r.members, r.finished) for r in report.children}
    assert rates == {"一区": (4, 1), "二区": (1, 1)}
    assert (report.total.members, report.total.finished, report.total.percent) == (5, 2, 40.0)

    street = {
        r.organisation.name: (r.members, r.finished, r.percent)
        for r in svc.rate_report(assignment, tree.street).children
    }
    assert street == {"甲支部": (3, 1, 33.3), "乙支部": (1, 0, 0.0)}


def test_required_share_applies_to_the_report(tree, people, course):
    strict = AssignmentFactory(organisation=tree.a, lessons=[course.one], required_share=1.0)
    progress(people.member_user, course.one, seconds=95, completed=True)
    assert svc.rate_report(strict, tree.a).total.finished == 0
    progress(people.member_user, course.one, seconds=100, completed=True)
    assert svc.rate_report(strict, tree.a).total.finished == 1


def test_members_directly_in_the_organisation_reported_on_are_a_row_of_their_own(tree, people, course):
    MemberFactory(branch=tree.street)
    report = svc.rate_report(AssignmentFactory(organisation=tree.street, lessons=[course.one]), tree.street)
    assert report.children[0].organisation is None and report.children[0].members == 1
    assert report.total.members == 5


def test_roster_is_the_subtree_on_the_due_date_and_a_member_who_moves_later_keeps_it(tree, people, course):
    assignment = AssignmentFactory(
        organisation=tree.district,
        lessons=[course.one],
        starts_on=TODAY - dt.timedelta(days=30),
        due_on=TODAY,
    )
    progress(people.member_user, course.one, seconds=100)
    leaver = MemberFactory(branch=tree.a, name="调走的党员")
    # Before the due date passes the live roll counts: a member moved out of the district is not counted.
    leaver.branch = tree.c
    leaver.save()
    assert svc.rate_report(assignment, tree.district).total.members == 4

    assert svc.freeze_due_rosters(TODAY) == 0  # not past due yet
    assert svc.freeze_due_rosters(TODAY + dt.timedelta(days=1)) == 1
    assert AssignmentMember.objects.filter(assignment=assignment).count() == 4
    assert svc.freeze_due_rosters(TODAY + dt.timedelta(days=2)) == 0  # once

    # After the due date: the finished member moves to another district, a new member arrives.
    people.member.branch = tree.c
    people.member.save()
    MemberFactory(branch=tree.a, name="新来的党员")
    assignment.refresh_from_db()
    report = svc.rate_report(assignment, tree.district)
    assert (report.total.members, report.total.finished) == (4, 1)
    branch_a = {
        r.organisation.name: (r.members, r.finished)
        for r in svc.rate_report(assignment, tree.street).children
    }
    assert branch_a["甲支部"] == (3, 1)
    names = [row.name for row in svc.branch_members(assignment, tree.a)]
    assert "甲党员" in names and "新来的党员" not in names


def test_inactive_members_are_not_counted(tree, people, course):
    people.probationary.is_active = False
    people.probationary.save()
    assignment = AssignmentFactory(organisation=tree.a, lessons=[course.one])
    assert svc.rate_report(assignment, tree.a).total.members == 2


def test_branch_members_unfinished_first_with_progress(tree, people, course):
    assignment = AssignmentFactory(organisation=tree.city, lessons=[course.one, course.two])
    progress(people.member_user, course.one, seconds=100)
    progress(people.member_user, course.two, seconds=90)
    progress(people.secretary_user, course.one, seconds=50)
    rows = svc.branch_members(assignment, tree.a)
    assert [(r.name, r.finished, r.finished_lessons, r.percent) for r in rows] == [
        ("甲书记", False, 0, 25),
        ("甲预备", False, 0, 0),
        ("甲党员", True, 2, 100),
    ]
    assert not rows[1].has_account
    assert all(r.name != "乙党员" for r in rows)


def test_member_sees_open_assignments_of_their_branch_and_ancestors_soonest_first(tree, people, course):
    today = timezone.localdate()
    later = AssignmentFactory(
        organisation=tree.city, lessons=[course.one], due_on=today + dt.timedelta(days=20)
    )
    soon = AssignmentFactory(organisation=tree.a, lessons=[course.two], due_on=today + dt.timedelta(days=2))
    AssignmentFactory(organisation=tree.b, lessons=[course.one])  # another branch
    AssignmentFactory(organisation=tree.district2, lessons=[course.one])  # another district
    AssignmentFactory(organisation=tree.a, lessons=[course.one], due_on=today - dt.timedelta(days=1))  # past
    AssignmentFactory(
        organisation=tree.a, lessons=[course.one], starts_on=today + dt.timedelta(days=1)
    )  # not yet
    done = AssignmentFactory(
        organisation=tree.street, lessons=[course.other], due_on=today + dt.timedelta(days=1)
    )
    progress(people.member_user, course.other, seconds=100)
    progress(people.member_user, course.one, seconds=40)

    mine = svc.member_assignments(people.member_user)
    assert [item.assignment for item in mine] == [soon, later, done]  # finished ones after the open ones
    assert mine[0].days_left == 2 and not mine[0].finished
    assert mine[1].lessons[0].percent == 40 and not mine[1].lessons[0].finished
    assert mine[2].finished
    assert svc.member_assignments(people.outsider) == []


def test_who_may_assign_and_see(tree, people, course, make_user):
    assert svc.can_assign_to(people.dept_user, tree.a) and svc.can_assign_to(people.dept_user, tree.district)
    assert not svc.can_assign_to(people.dept_user, tree.city) and not svc.can_assign_to(
        people.dept_user, tree.c
    )
    assert svc.can_assign_to(people.secretary_user, tree.a)
    assert not svc.can_assign_to(people.secretary_user, tree.street) and not svc.can_assign_to(
        people.secretary_user, tree.b
    )
    assert not svc.can_assign_to(people.member_user, tree.a)

    city = AssignmentFactory(organisation=tree.city, lessons=[course.one])
    branch_c = AssignmentFactory(organisation=tree.c, lessons=[course.one])
    own = AssignmentFactory(organisation=tree.a, lessons=[course.one])
    assert set(svc.visible_assignments(people.dept_user)) == {city, own}
    assert set(svc.visible_assignments(people.secretary_user)) == {city, own}
    assert list(svc.visible_assignments(people.member_user).filter(pk=branch_c.pk)) == []
    # A district sees a city assignment from its own district down, a secretary from their branch.
    assert svc.report_root(people.dept_user, city) == tree.district
    assert svc.report_root(people.secretary_user, city) == tree.a
    assert svc.report_root(people.dept_user, city, tree.district2) is None
    assert svc.report_root(people.dept_user, own, tree.street) is None  # above the assignment
    city_dept = make_user("city_dept")
    OrganisationManager.objects.create(user=city_dept, organisation=tree.city)
    assert svc.report_root(city_dept, branch_c) == tree.c
    assert svc.may_see_members(people.secretary_user, tree.a)
    assert not svc.may_see_members(people.dept_user, tree.a)


def test_create_assignment_with_a_series_takes_its_lessons(tree, people, course):
    assignment = svc.create_assignment(
        title="学习系列",
        organisation=tree.a,
        series=course.series,
        lessons=[],
        starts_on=TODAY,
        due_on=TODAY + dt.timedelta(days=10),
        created_by=people.secretary_user,
    )
    assert set(assignment.lessons.all()) == {course.one, course.two}
    assert assignment.required_share == 0.9


def test_due_date_before_start_is_refused(tree, course):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        svc.create_assignment(
            title="x",
            organisation=tree.a,
            lessons=[course.one],
            starts_on=TODAY,
            due_on=TODAY - dt.timedelta(days=1),
        )
    assert "截止日期" in str(exc.value)
    assert not Assignment.objects.exists()


def test_reminders_before_the_due_date_go_once_to_who_has_not_finished(
    tree, people, course, django_capture_on_commit_callbacks, settings
):
    settings.BRANCHES_ASSIGNMENT_REMINDER_DAYS_BEFORE = 3
    today = timezone.localdate()
    assignment = AssignmentFactory(
        organisation=tree.street, lessons=[course.one], due_on=today + dt.timedelta(days=2)
    )
    AssignmentFactory(
        organisation=tree.street, lessons=[course.one], due_on=today + dt.timedelta(days=9)
    )  # later
    progress(people.member_user, course.one, seconds=100)
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.queue_due_reminders() == 1
    assert svc.queue_due_reminders() == 0  # claimed
    # secretary (sec@) and probationary (p@) have not finished; 乙党员 (memb@) neither; 甲党员 has.
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["memb@example.org", "p@example.org", "sec@example.org"]
    assert "将于" in mail.outbox[0].body and assignment.title in mail.outbox[0].subject
    assert svc.send_due_reminders(assignment.pk) == 0  # at most once a day
    assert AssignmentReminder.objects.filter(assignment=assignment).count() == 3


def test_nudge_once_per_member_per_day(tree, people, course):
    assignment = AssignmentFactory(organisation=tree.a, lessons=[course.one])
    svc.nudge(assignment, people.probationary, sent_by=people.secretary_user)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["p@example.org"]
    with pytest.raises(svc.NudgeRefused, match="今天已经提醒过"):
        svc.nudge(assignment, people.probationary, sent_by=people.secretary_user)
    svc.nudge(
        assignment,
        people.probationary,
        sent_by=people.secretary_user,
        today=timezone.localdate() + dt.timedelta(days=1),
    )
    assert len(mail.outbox) == 2
    progress(people.member_user, course.one, seconds=100)
    with pytest.raises(svc.NudgeRefused, match="已完成"):
        svc.nudge(assignment, people.member, sent_by=people.secretary_user)
    no_mail = MemberFactory(branch=tree.a, name="无邮箱")
    with pytest.raises(svc.NudgeRefused, match="电子邮箱"):
        svc.nudge(assignment, no_mail, sent_by=people.secretary_user)


def test_assignment_reaching_a_new_branch_counts_it(tree, course):
    assignment = AssignmentFactory(organisation=tree.street, lessons=[course.one])
    new_branch = organisation("NEW", parent=tree.street, name="新支部")
    MemberFactory(branch=new_branch)
    rates = {r.organisation.name: r.members for r in svc.rate_report(assignment, tree.street).children}
    assert rates["新支部"] == 1


def test_a_branch_report_has_no_rows_for_its_party_groups(tree, people, course):
    organisation("A-G1", parent=tree.a, kind="group", name="第一党小组")
    report = svc.rate_report(AssignmentFactory(organisation=tree.city, lessons=[course.one]), tree.a)
    assert [(r.organisation, r.members) for r in report.children] == [(None, 3)]


def test_the_periodic_jobs_freeze_rosters_and_queue_reminders(
    tree, people, course, django_capture_on_commit_callbacks
):
    from cms.periodic import registered_jobs, run_due_jobs

    jobs = {job.name: job for job in registered_jobs()}
    mine = [jobs["branches.queue_assignment_reminders"], jobs["branches.freeze_assignment_rosters"]]
    today = timezone.localdate()
    past = AssignmentFactory(
        organisation=tree.a,
        lessons=[course.one],
        starts_on=today - dt.timedelta(days=20),
        due_on=today - dt.timedelta(days=1),
    )
    soon = AssignmentFactory(organisation=tree.a, lessons=[course.one], due_on=today + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert run_due_jobs(worker_id="w1", jobs=mine) == [job.name for job in mine]
    past.refresh_from_db()
    soon.refresh_from_db()
    assert past.roster_frozen_at is not None and AssignmentMember.objects.filter(assignment=past).count() == 3
    assert soon.reminders_queued_at is not None and past.reminders_queued_at is None
    assert sorted(m.to[0] for m in mail.outbox) == ["mem@example.org", "p@example.org", "sec@example.org"]


def test_a_lesson_watched_together_counts_for_an_assignment_at_any_share(tree, people, course):
    from lessons.services.group_viewing import credit_group_viewing

    assignment = AssignmentFactory(organisation=tree.city, lessons=[course.one], required_share=1.0)
    progress(people.member_user, course.one, seconds=10)  # barely started alone
    assert not next(r for r in svc.branch_members(assignment, tree.a) if r.name == "甲党员").finished
    credit_group_viewing("branches.session:1", [course.one.pk], [people.member_user.pk])
    row = next(r for r in svc.branch_members(assignment, tree.a) if r.name == "甲党员")
    assert row.finished
    # Taking the present mark back takes the credit and the completion back.
    credit_group_viewing("branches.session:1", [course.one.pk], [])
    assert not next(r for r in svc.branch_members(assignment, tree.a) if r.name == "甲党员").finished
