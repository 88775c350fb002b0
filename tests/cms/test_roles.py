import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupApprovalTask, GroupPagePermission, Page, Workflow

from cms import roles

pytestmark = pytest.mark.django_db


def page_permission_codenames(group_name):
    return set(
        GroupPagePermission.objects.filter(
            group__name=group_name, page=Page.get_first_root_node()
        ).values_list("permission__codename", flat=True)
    )


def test_all_role_groups_exist():
    assert set(roles.ALL_ROLES) <= set(Group.objects.values_list("name", flat=True))


def test_editors_draft_but_do_not_publish(make_user, home_page):
    editor = make_user(role=roles.EDITOR)
    assert editor.has_perm("wagtailadmin.access_admin")
    assert page_permission_codenames(roles.EDITOR) == {"add_page", "change_page"}
    assert home_page.permissions_for_user(editor).can_edit()
    assert home_page.permissions_for_user(editor).can_publish() is False


def test_moderators_publish(make_user, home_page):
    moderator = make_user(role=roles.MODERATOR)
    assert "publish_page" in page_permission_codenames(roles.MODERATOR)
    assert home_page.permissions_for_user(moderator).can_publish()


def test_members_have_no_admin_access(make_user):
    member = make_user(role=roles.MEMBER)
    assert not member.has_perm("wagtailadmin.access_admin")
    assert page_permission_codenames(roles.MEMBER) == set()


def test_secretaries_reach_the_admin_but_not_pages(make_user):
    secretary = make_user(role=roles.SECRETARY)
    assert secretary.has_perm("wagtailadmin.access_admin")
    assert page_permission_codenames(roles.SECRETARY) == set()


def test_political_review_workflow_is_approved_by_moderators():
    workflow = Workflow.objects.get(name=roles.REVIEW_WORKFLOW)
    tasks = [task.specific for task in workflow.tasks]
    assert len(tasks) == 1 and isinstance(tasks[0], GroupApprovalTask)
    assert list(tasks[0].groups.values_list("name", flat=True)) == [roles.MODERATOR]


def test_editors_and_moderators_may_upload_media(make_user):
    from wagtailmedia.permissions import permission_policy

    editor = make_user(role=roles.EDITOR)
    member = make_user(role=roles.MEMBER)
    assert permission_policy.user_has_permission(editor, "add")
    assert not permission_policy.user_has_permission(member, "add")
