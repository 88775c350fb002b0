"""Scope checks shared by the branch views: refuse with 403 unless the user may act here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from ..models import Organisation, Session
from ..services import scope


def secretary_branch_or_403(request) -> Organisation:
    branch = scope.secretary_branch(request.user)
    if branch is None:
        raise PermissionDenied("只有支部书记可以使用支部工作台。")
    return branch


def managed_session(request, pk) -> Session:
    session = get_object_or_404(Session.objects.select_related("branch", "session_type"), pk=pk)
    if not scope.can_manage_branch(request.user, session.branch):
        raise PermissionDenied
    return session
