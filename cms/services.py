"""Site-shell services: extension points the domain apps plug into, health, sign-in throttling.

Domain apps never import cms. They register Wagtail hooks in their wagtail_hooks.py:

- ``dangke_home_sections``: ``fn(request) -> HomeSection | dict | None``; the home page shows
  each section's template with its context, in hook order.
- ``dangke_user_menu_items``: ``fn(request) -> list[tuple[label, url]]``; links in the account menu
  (cached per user for ``ACCOUNT_MENU_CACHE_SECONDS``; call ``forget_account_menu(user_pk)`` when a
  change must show at once).
- ``dangke_demo_content``: ``fn(*, home_page, stdout)``; `manage.py load_demo` calls each in hook
  order (media 10, routes 20, lessons 30, branches 40, search 90). Each must be idempotent.
- ``dangke_health_checks``: ``fn() -> HealthCheck``; /healthz shows each and answers 503 if one fails.
- ``dangke_worker_periodic``: ``fn()``; `manage.py run_worker` calls each on every heartbeat tick
  (about every 10 s). Keep it cheap: enqueue tasks, sweep expired leases.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from wagtail import hooks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HomeSection:
    template: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class HealthCheck:
    name: str
    ok: bool
    detail: str = ""


def home_sections(request) -> list[HomeSection]:
    sections = []
    for fn in hooks.get_hooks("dangke_home_sections"):
        section = fn(request)
        if section is None:
            continue
        if isinstance(section, dict):
            section = HomeSection(**section)
        sections.append(section)
    return sections


def user_menu_items(request) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for fn in hooks.get_hooks("dangke_user_menu_items"):
        items.extend(fn(request) or [])
    return items


@dataclass
class AccountMenu:
    items: list[tuple[str, str]]
    may_access_admin: bool  # shows Wagtail's user bar


def account_menu(request) -> AccountMenu:
    """The signed-in user's menu, kept `ACCOUNT_MENU_CACHE_SECONDS` per user: building it asks
    several apps (permissions, branch roles), which would cost queries on every page a member
    opens. A role change shows in the menu within that time; every page still checks on its own."""
    key = f"account-menu:{request.user.pk}"
    menu = cache.get(key)
    if menu is None:
        menu = AccountMenu(
            items=user_menu_items(request),
            may_access_admin=request.user.has_perm("wagtailadmin.access_admin"),
        )
        cache.set(key, menu, settings.ACCOUNT_MENU_CACHE_SECONDS)
    return menu


def forget_account_menu(user_pk) -> None:
    cache.delete(f"account-menu:{user_pk}")


# --- health ---------------------------------------------------------------------------------


def check_database() -> HealthCheck:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the database is not usable
        return HealthCheck("database", False, f"{type(exc).__name__}: {exc}")
    return HealthCheck("database", True, connection.vendor)


def check_worker() -> HealthCheck:
    from .models import WorkerHeartbeat

    backend = settings.TASKS["default"]["BACKEND"]
    if backend.endswith("ImmediateBackend"):
        return HealthCheck("worker", True, "tasks run inline (ImmediateBackend)")
    newest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if newest is None:
        return HealthCheck("worker", False, "no worker has ever reported; start `manage.py run_worker`")
    age = timezone.now() - newest.last_seen
    if age > timedelta(seconds=settings.WORKER_HEARTBEAT_TIMEOUT):
        return HealthCheck("worker", False, f"last heartbeat {int(age.total_seconds())} s ago from {newest}")
    return HealthCheck("worker", True, f"last heartbeat {int(age.total_seconds())} s ago from {newest}")


def run_health_checks() -> list[HealthCheck]:
    checks = [check_database(), check_worker()]
    for fn in hooks.get_hooks("dangke_health_checks"):
        try:
            checks.append(fn())
        except Exception as exc:  # a crashing check is a failing check, not a 500
            logger.exception("health check %s crashed", fn)
            checks.append(
                HealthCheck(getattr(fn, "__name__", "check"), False, f"{type(exc).__name__}: {exc}")
            )
    return checks


def record_worker_heartbeat(*, worker_id: str, hostname: str, pid: int, backend: str, started_at) -> None:
    from .models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": hostname,
            "pid": pid,
            "backend": backend,
            "started_at": started_at,
            "last_seen": timezone.now(),
        },
    )


# --- sign-in throttling ---------------------------------------------------------------------


def _throttle_keys(username: str, client_ip: str) -> list[str]:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{digest}", f"login-fail:ip:{client_ip}"]


def sign_in_blocked(username: str, client_ip: str) -> bool:
    limit = settings.LOGIN_RATE_LIMIT_ATTEMPTS
    return any((cache.get(key) or 0) >= limit for key in _throttle_keys(username, client_ip))


def record_failed_sign_in(username: str, client_ip: str) -> None:
    window = settings.LOGIN_RATE_LIMIT_WINDOW
    for key in _throttle_keys(username, client_ip):
        if cache.add(key, 1, window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)


def clear_failed_sign_ins(username: str, client_ip: str) -> None:
    cache.delete_many(_throttle_keys(username, client_ip)[:1])
