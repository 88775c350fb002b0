"""Content-Security-Policy and the other browser-side security headers, for every response.

Django 5.2 has no CSP support and django-csp is not a dependency, so this is a small middleware in the
shape Django 6.1 adopted (``SECURE_CSP``): a policy is a dict of directive -> list of sources, and the
``NONCE`` marker stands for the request's nonce. On Django 6.1 it keeps working unchanged (it uses none
of the new APIs); switching to the built-in middleware there is a matter of renaming the settings.

- ``SECURITY_CSP``: the site policy (every page: the site, the player, the maps, the API).
- ``SECURITY_CSP_ADMIN``: directives that replace the site's under ``SECURITY_CSP_ADMIN_PATHS``
  (the Wagtail admin). Scripts keep the nonce there too; only styles differ, see cms/settings/base.py.
- ``SECURITY_PERMISSIONS_POLICY``: the Permissions-Policy header, a dict feature -> allow-list.

Each request gets a fresh random nonce, readable as ``request.csp_nonce``, as ``{{ csp_nonce }}``
(context processor ``security.csp.nonce``) and as ``{% csp_nonce %}`` (``security_tags``) in templates
rendered without the request, such as form widgets. The header is built once per policy and the nonce
substituted per response.
"""

import contextvars
import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject

NONCE = "<CSP_NONCE>"


class SettingOrigins:
    """A source list read from a URL setting when the policy is built, so the policy follows the
    setting (tests and deployments change it): the origin of the URL, or of each host a Leaflet
    ``{s}`` template expands to with the subdomains setting."""

    def __init__(self, url_setting: str, subdomains_setting: str | None = None):
        self.url_setting = url_setting
        self.subdomains_setting = subdomains_setting

    def origins(self) -> list[str]:
        url = getattr(settings, self.url_setting, "") or ""
        parts = urlsplit(url)
        if not parts.scheme or not parts.netloc:
            return []  # a relative URL is covered by 'self'
        hosts = [parts.netloc]
        if "{s}" in parts.netloc:
            raw = getattr(settings, self.subdomains_setting, "") if self.subdomains_setting else ""
            subdomains = [s for s in (raw.split(",") if "," in raw else list(raw)) if s.strip()] or [""]
            hosts = [parts.netloc.replace("{s}", sub.strip()) for sub in subdomains]
        return [f"{parts.scheme}://{host}" for host in hosts]

    def __repr__(self):
        return f"SettingOrigins({self.url_setting!r})"


_current_nonce: contextvars.ContextVar[str] = contextvars.ContextVar("csp_nonce", default="")


def current_nonce() -> str:
    """The nonce of the request being answered in this thread (empty outside a request)."""
    return _current_nonce.get()


def build_policy(directives: dict) -> str:
    parts = []
    for name, sources in directives.items():
        if sources is None or sources is False:
            continue
        if sources is True or not sources:
            parts.append(name)  # a directive without sources, such as upgrade-insecure-requests
            continue
        values = []
        for source in sources:
            if isinstance(source, SettingOrigins):
                values.extend(source.origins())
            elif source == NONCE:
                values.append(f"'nonce-{NONCE}'")
            else:
                values.append(source)
        parts.append(" ".join([name, *dict.fromkeys(values)]))
    return "; ".join(parts)


@lru_cache(maxsize=8)
def _policy_template(admin: bool) -> str:
    directives = dict(settings.SECURITY_CSP)
    if admin:
        directives.update(getattr(settings, "SECURITY_CSP_ADMIN", {}))
    return build_policy(directives)


@lru_cache(maxsize=1)
def _permissions_policy() -> str:
    features = getattr(settings, "SECURITY_PERMISSIONS_POLICY", {})
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in features.items())


@receiver(setting_changed)
def _forget_policies(*, setting, **kwargs):
    # Any setting: the policy also reads URL settings (SettingOrigins), such as the tile server's.
    _policy_template.cache_clear()
    _permissions_policy.cache_clear()


def policy_for(path: str, nonce: str) -> str:
    admin = any(path.startswith(prefix) for prefix in getattr(settings, "SECURITY_CSP_ADMIN_PATHS", ()))
    return _policy_template(admin).replace(NONCE, nonce)


class ContentSecurityPolicyMiddleware:
    """Gives the request its nonce and the response its Content-Security-Policy and Permissions-Policy.

    Place it right after django.middleware.security.SecurityMiddleware (which sends HSTS in production,
    X-Content-Type-Options, Referrer-Policy and Cross-Origin-Opener-Policy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Wagtail's preview renders the page through the middleware again, with a dummy request for
        # the page's own URL, inside the admin's request: that inner pass uses the outer nonce and
        # leaves the header to the outer (admin) response, whose policy lets the admin frame it.
        outer_nonce = current_nonce()
        nonce = outer_nonce or secrets.token_urlsafe(18)
        request.csp_nonce = nonce
        token = _current_nonce.set(nonce)
        try:
            response = self.get_response(request)
        finally:
            _current_nonce.reset(token)
        if outer_nonce:
            return response
        header = (
            "Content-Security-Policy-Report-Only"
            if settings.SECURITY_CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        if header not in response:
            response[header] = policy_for(request.path, nonce)
        permissions = _permissions_policy()
        if permissions and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = permissions
        return response


def nonce(request):
    """Context processor: ``{{ csp_nonce }}`` (the name Django 6.1's built-in processor uses)."""
    return {"csp_nonce": SimpleLazyObject(lambda: getattr(request, "csp_nonce", ""))}


def nonce_wagtail_choosers():
    """Wagtail 8's chooser widgets (page, image, document, snippet, media choosers) end their HTML with
    an inline ``<script>`` built in Python (wagtail/admin/widgets/chooser.py, BaseChooser.render), which
    no template override reaches. Give that one script the request's nonce, so the admin needs no
    'unsafe-inline' for scripts. tests/security/test_csp_headers.py fails if a Wagtail upgrade changes
    the shape this relies on."""
    from django.utils.safestring import mark_safe
    from wagtail.admin.widgets.chooser import BaseChooser

    if getattr(BaseChooser.render, "_dangke_nonced", False):
        return
    original = BaseChooser.render

    def render(self, name, value, attrs=None, renderer=None):
        out = original(self, name, value, attrs=attrs, renderer=renderer)
        nonce = current_nonce()
        head, tag, tail = str(out).rpartition("<script>")
        if not nonce or not tag:
            return out
        return mark_safe(f'{head}<script nonce="{nonce}">{tail}')  # noqa: S308 (Wagtail's own HTML, marked safe by it)

    render._dangke_nonced = True
    BaseChooser.render = render
