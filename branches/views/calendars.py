"""Calendar subscriptions: issuing and revoking feed URLs, and the .ics feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from security.public_urls import absolute_url

from ..services import calendars, scope


@login_required
def feeds(request):
    member = scope.member_for(request.user)
    branch = scope.secretary_branch(request.user)
    if member is None:
        raise PermissionDenied("您的账号尚未关联党员信息。")
    if request.method == "POST":
        target = request.POST.get("target")
        action = request.POST.get("action")
        owner = (
            {"member": member}
            if target == "member"
            else {"branch": branch}
            if target == "branch" and branch
            else None
        )
        if owner is None:
            raise PermissionDenied
        if action == "issue":
            calendars.issue_token(by=request.user, **owner)
            messages.success(request, "已生成新的订阅地址，旧地址已失效。")
        elif action == "revoke":
            calendars.revoke_tokens(**owner)
            messages.success(request, "订阅地址已停用。")
        return redirect("branches:feeds")
    member_feed = member.feed_tokens.filter(revoked_at__isnull=True).first()
    branch_feed = (
        branch.feed_tokens.filter(revoked_at__isnull=True, member__isnull=True).first() if branch else None
    )
    return render(
        request,
        "branches/feeds.html",
        {
            "member": member,
            "branch": branch,
            "member_feed_url": _feed_url(request, member_feed),
            "branch_feed_url": _feed_url(request, branch_feed),
        },
    )


def _feed_url(request, feed) -> str:
    return (
        absolute_url(reverse("branches:calendar_feed", kwargs={"token": feed.token}), request) if feed else ""
    )


def calendar_feed(request, token):
    """Calendar apps fetch this without a session: the secret URL is the credential."""
    feed = calendars.active_token(token)
    if feed is None:
        raise Http404("订阅地址无效或已停用。")
    response = HttpResponse(
        calendars.build_calendar(feed, domain=request.get_host(), base_url=request.build_absolute_uri("/")),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response
