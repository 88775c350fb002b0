"""Permissions down the organisation tree, enforced by every view, export and admin listing.

- superuser: everything.
- organisation department (an OrganisationManager row): sees and reports on its subtrees.
- secretary (Member 书记/副书记 linked to the user, who is in the 支部书记 group): manages their branch.
- member (a Member linked to the user): sees their own branch's sessions and their own attendance.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from ..models import Member, Organisation, OrganisationManager, Session
from ..models.organisations import COMMITTEE_ROLES, SECRETARY_ROLES

SECRETARY_GROUP = "支部书记"


def member_for(user) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_branches_member"):
        user._branches_member = (
            Member.objects.select_related("branch").filter(user=user, is_active=True).first()
        )
    return user._branches_member


def secretary_branch(user) -> Organisation | None:
    """The branch this user runs as 书记/副书记, or None."""
    member = member_for(user)
    if member is None or member.role not in SECRETARY_ROLES:
        return None
    if not user.groups.filter(name=SECRETARY_GROUP).exists():
        return None
    return member.branch


def managed_paths(user) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    if not hasattr(user, "_branches_managed_paths"):
        user._branches_managed_paths = list(
            OrganisationManager.objects.filter(user=user).values_list("organisation__path", flat=True)
        )
    return user._branches_managed_paths


def _paths_q(paths: list[str], prefix: str = "") -> Q:
    return reduce(or_, (Q(**{f"{prefix}path__startswith": path}) for path in paths))


def visible_organisations(user):
    """Organisations whose reports and rolls this user may see."""
    qs = Organisation.objects.all()
    if user.is_superuser:
        return qs
    q = Q(pk__in=[])
    paths = managed_paths(user)
    if paths:
        q |= _paths_q(paths)
    member = member_for(user)
    if member is not None:
        q |= Q(pk=member.branch_id)
    return qs.filter(q)


def reportable_roots(user) -> list[Organisation]:
    """The top organisations of the cadence checker for this user."""
    if user.is_superuser:
        return list(Organisation.get_root_nodes())
    roots = list(Organisation.objects.filter(managers__user=user).order_by("path"))
    branch = secretary_branch(user)
    if branch is not None and not any(branch.path.startswith(root.path) for root in roots):
        roots.append(branch)
    return roots


def can_report_on(user, organisation: Organisation) -> bool:
    if user.is_superuser:
        return True
    if any(organisation.path.startswith(path) for path in managed_paths(user)):
        return True
    branch = secretary_branch(user)
    return branch is not None and branch.pk == organisation.pk


def can_manage_branch(user, branch: Organisation) -> bool:
    if user.is_superuser:
        return True
    own = secretary_branch(user)
    return own is not None and own.pk == branch.pk


def can_view_branch(user, branch: Organisation) -> bool:
    if can_report_on(user, branch):
        return True
    member = member_for(user)
    return member is not None and member.branch_id == branch.pk


def can_view_session(user, session: Session) -> bool:
    """A session's page and photos: those who report on its branch (superuser, its organisation
    departments, its secretary) and the branch's members; a committee-only session only its invitees."""
    if can_report_on(user, session.branch):
        return True
    member = member_for(user)
    if member is None or member.branch_id != session.branch_id:
        return False
    return not session.session_type.committee_only or member.role in COMMITTEE_ROLES


def managed_subtrees_q(user, prefix: str = "") -> Q:
    """Rows (organisations, or through `prefix` e.g. "branch__" rows of one) inside a subtree the user
    manages as an organisation department; matches nothing for anyone else."""
    paths = managed_paths(user)
    return _paths_q(paths, prefix=prefix) if paths else Q(pk__in=[])


def _managed_branches_q(user) -> Q:
    """Rows whose branch lies in a subtree the user reports on (matches nothing otherwise)."""
    return managed_subtrees_q(user, prefix="branch__")


def visible_sessions(user):
    qs = Session.objects.all()
    if user.is_superuser:
        return qs
    q = _managed_branches_q(user)
    member = member_for(user)
    if member is not None:
        q |= Q(branch_id=member.branch_id)
    return qs.filter(q)


def visible_members(user):
    """Rolls: organisation departments see their subtrees, secretaries their branch; members only themselves."""
    qs = Member.objects.all()
    if user.is_superuser:
        return qs
    q = _managed_branches_q(user)
    branch = secretary_branch(user)
    if branch is not None:
        q |= Q(branch_id=branch.pk)
    member = member_for(user)
    if member is not None:
        q |= Q(pk=member.pk)
    return qs.filter(q)
