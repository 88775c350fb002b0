"""Redirect targets taken from the request: the one way every view picks where to send a user next.

A `next` field, `?next=` or the Referer header is only followed when it points at this site (same
host, no scheme change to plain http from https); anything else, such as `https://evil.example/`
or `//evil.example/`, sends the user to the view's own fallback instead.
"""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, fallback: str = "/") -> str:
    """The POSTed `next`, else `?next=`, else the Referer, if it stays on this site; else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or request.headers.get("referer") or ""
    # A control character (a newline from a crafted form) would make the Location header raise.
    if (
        target
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return fallback


def redirect_to_next(request, fallback: str = "/") -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, fallback))
