"""Site-shell services: extension points the domain apps plug into, health, sign-in throttling.

Domain apps never import cms. They register Wagtail hooks in their wagtail_hooks.py:

- ``dangke_home_sections``: ``fn(request) -> HomeSection | dict | None``; the home page shows
  each section's template with its context, in hook order.
- ``dangke_user_menu_items``: ``fn(request) -> list[tuple[label, url]]``; links in the account menu
  (cached per user for ``ACCOUNT_MENU_CACHE_SECONDS``; call ``forget_account_menu(user_pk)`` when a
  change must show at once).
- ``dangke_demo_content``: ``fn(*, home_page, stdout)``; `manage.py load_demo` calls each in hook
  order (media 10, routes 20, lessons 30, branches 40, search 90). Each must be idempotent.
- ``dangke_health_checks``: ``fn() -> HealthCheck`` (or any object with name, ok, detail); /healthz
  runs each in a thread with ``HEALTHZ_TIMEOUT`` and answers 503 if one fails or does not answer.
- ``dangke_periodic_jobs``: ``fn() -> list[dict]``, each ``{"name": "app.job", "run": callable,
  "every": seconds or timedelta}`` or ``{..., "daily_at": "03:30"}`` (local time). The task workers run
  each job once across all workers on a schedule kept in the database (see cms.periodic).
- ``dangke_worker_periodic`` (older): ``fn()``; run as a periodic job every ``WORKER_TICK_SECONDS``.
  Kept for hooks not yet moved to ``dangke_periodic_jobs``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
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
            if connection.vendor == "postgresql":
                timeout_ms = int(settings.HEALTHZ_TIMEOUT * 1000)
                cursor.execute(f"SET statement_timeout = {timeout_ms}")
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


def check_cache() -> HealthCheck:
    """The cache, and with REDIS_URL the task queue too: both live in Redis, reported as "redis"."""
    from django.core.cache import caches

    default = caches["default"]
    if settings.REDIS_URL:
        try:
            if hasattr(default, "ping"):
                default.ping()
            if settings.TASKS["default"]["BACKEND"].endswith("RQBackend"):
                import django_rq

                django_rq.get_connection(settings.TASK_QUEUES[0]).ping()
        except Exception as exc:  # connection refused, timeout, authentication
            return HealthCheck("redis", False, f"{type(exc).__name__}: {exc}")
        return HealthCheck("redis", True, "cache and task queue answer")
    token = uuid.uuid4().hex
    try:
        default.set("healthz:probe", token, 30)
        ok = default.get("healthz:probe") == token
    except Exception as exc:
        return HealthCheck("cache", False, f"{type(exc).__name__}: {exc}")
    return HealthCheck("cache", ok, type(default).__name__ if ok else "a value written was not read back")


def _named(fn):
    def run():
        check = fn()
        return HealthCheck(check.name, bool(check.ok), str(getattr(check, "detail", "")))

    run.check_name = getattr(fn, "__name__", "check")
    return run


def _run_check(fn) -> HealthCheck:
    """One check in its own thread, with its own database connection closed afterwards."""
    from django.db import connections

    try:
        return fn()
    except Exception as exc:  # a crashing check is a failing check, not a 500
        logger.exception("health check %s crashed", fn.check_name)
        return HealthCheck(fn.check_name, False, f"{type(exc).__name__}: {exc}")
    finally:
        connections.close_all()


# Checks still running from an earlier request: a hanging dependency gets one thread, not one per probe.
_running: dict[str, Future] = {}
_running_lock = threading.Lock()
_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="healthz")


def run_health_checks() -> list[HealthCheck]:
    """Every check at once, each given HEALTHZ_TIMEOUT seconds: the database, the worker's heartbeat,
    the cache or Redis, and the apps' checks (search backend, ffmpeg, …) from `dangke_health_checks`."""
    checks = [_named(check_database), _named(check_worker), _named(check_cache)]
    checks += [_named(fn) for fn in hooks.get_hooks("dangke_health_checks")]
    futures = []
    with _running_lock:
        for fn in checks:
            previous = _running.get(fn.check_name)
            if previous is not None and not previous.done():
                futures.append((fn.check_name, None))
                continue
            future = _pool.submit(_run_check, fn)
            _running[fn.check_name] = future
            futures.append((fn.check_name, future))
    deadline = time.monotonic() + settings.HEALTHZ_TIMEOUT
    results = []
    for name, future in futures:
        if future is None:
            results.append(HealthCheck(name, False, "the previous check has not finished"))
            continue
        try:
            results.append(future.result(timeout=max(0.0, deadline - time.monotonic())))
        except FutureTimeout:
            results.append(HealthCheck(name, False, f"no answer within {settings.HEALTHZ_TIMEOUT:g} s"))
    return results


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


# --- sign-in limits (django-axes, configured in settings) ------------------------------------


def sign_in_failure_limit(request=None, credentials=None) -> int:
    return settings.LOGIN_RATE_LIMIT_ATTEMPTS


def sign_in_cool_off(request=None) -> timedelta:
    return timedelta(seconds=settings.LOGIN_RATE_LIMIT_WINDOW)


def describe_duration(seconds: float) -> str:
    """900 → "15 分钟", 3600 → "1 小时", 5400 → "1 小时 30 分钟", 45 → "45 秒"."""
    seconds = int(math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} 秒"
    minutes = math.ceil(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} 分钟"
    return f"{hours} 小时" + (f" {minutes} 分钟" if minutes else "")


def sign_in_lockout_message() -> str:
    return f"登录失败次数过多，请 {describe_duration(settings.LOGIN_RATE_LIMIT_WINDOW)}后再试。"
