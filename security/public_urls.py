"""Absolute URLs that leave the site (QR plaques, QR sign-in, iCalendar and podcast feeds, the APIs,
e-mails) come from one configured origin, ``PUBLIC_BASE_URL``, never from the demo Site's hostname
or a request's Host header (which a client chooses: a link in an e-mail or on a printed plaque must
not depend on it).

Without ``PUBLIC_BASE_URL`` (development), a request's own origin is used where there is one, and
``WAGTAILADMIN_BASE_URL`` where there is none (tasks). In production the system check
``security.W001`` warns while it is empty or a local address.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def public_origin(request=None) -> str:
    configured = (getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/")
    if configured:
        return configured
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def absolute_url(url: str, request=None) -> str:
    """``/lessons/x/?a=1`` -> the same path, query and fragment under the public origin. A URL that is
    already absolute (a recording on the CDN) and an empty one are returned as they are."""
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return url
    origin = urlsplit(public_origin(request))
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    base_path = origin.path.rstrip("/")
    return urlunsplit((origin.scheme, origin.netloc, base_path + path, parts.query, parts.fragment))


def is_local_address(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if not host or host == "localhost" or host.endswith((".localhost", ".local", ".test", ".example")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def page_url(page, request=None) -> str:
    """A Wagtail page's URL under the public origin, whatever hostname its Site row carries (the demo's
    "localhost"). Empty for a page that is not routable."""
    parts = page.get_url_parts(request)
    if parts is None:
        return ""
    return absolute_url(parts[2], request)
