"""JSON for scripts and widgets: the sessions this user may see."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from ..models.organisations import COMMITTEE_ROLES
from ..services import scope


@login_required
def api_sessions(request):
    """JSON of the sessions this user may see (same scope as the pages)."""
    sessions = scope.visible_sessions(request.user).select_related("session_type", "branch")
    member = scope.member_for(request.user)
    if (
        member is not None
        and not request.user.is_superuser
        and not scope.managed_paths(request.user)
        and member.role not in COMMITTEE_ROLES
    ):
        sessions = sessions.filter(session_type__committee_only=False)
    start = request.GET.get("from")
    if start:
        try:
            sessions = sessions.filter(starts_at__date__gte=dt.date.fromisoformat(start))
        except ValueError:
            return JsonResponse({"error": "from 应为 YYYY-MM-DD"}, status=400)
    data = [
        {
            "id": s.pk,
            "branch": s.branch.name,
            "type": s.session_type.name,
            "topic": s.topic,
            "starts_at": s.starts_at.isoformat(),
            "ends_at": s.ends_at.isoformat(),
            "place": s.place,
            "status": s.status,
        }
        for s in sessions.order_by("starts_at")[:200]
    ]
    return JsonResponse({"results": data})
