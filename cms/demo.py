"""Demo content for the site shell: the page tree root, two standard pages and one account per role.
Domain apps add theirs through the ``dangke_demo_content`` hook; every step is idempotent."""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from wagtail import hooks
from wagtail.models import Page, Site

from . import roles
from .models import HomePage, SiteShellSettings, StandardPage

DEMO_PASSWORD = "dangke-demo-2026"  # noqa: S105 (demo accounts only, printed by make run)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str | None  # a group name; None for the superuser
    description: str


DEMO_ACCOUNTS = [
    DemoAccount("admin", "系统管理员", None, "超级管理员（后台 /admin/）"),
    DemoAccount("editor", "王编辑", roles.EDITOR, "编辑：发布党课、线路与基地"),
    DemoAccount("moderator", "李审核", roles.MODERATOR, "审核：政治审核并发布"),
    DemoAccount("secretary", "张书记", roles.SECRETARY, "支部书记：支部工作台"),
    DemoAccount("member", "刘党员", roles.MEMBER, "党员：观看党课、学习记录、我的会议"),
]

STANDARD_PAGES = [
    (
        "about",
        "关于平台",
        "党课平台汇集“党课开讲啦·月讲悦听”系列党课、精品党课展播、21条红色线路和支部组织生活服务。",
    ),
    ("help", "使用帮助", "登录后可继续上次的播放进度，查看个人学习记录；页面右上角可切换大字模式。"),
]


@transaction.atomic
def _public_host_and_port() -> tuple[str, int]:
    """The default Site's hostname and port: those of PUBLIC_BASE_URL (or, unset, the address `make run`
    serves), so Wagtail's full URLs are the public ones rather than http://localhost/."""
    from urllib.parse import urlsplit

    from security.public_urls import public_origin

    parts = urlsplit(public_origin())
    return parts.hostname or "localhost", parts.port or (443 if parts.scheme == "https" else 80)


def ensure_site_tree() -> HomePage:
    home = HomePage.objects.first()
    root = Page.get_first_root_node()
    # Wagtail's own placeholder page (and the site pointing at it) makes way for our home page.
    Page.objects.filter(depth=2, content_type__app_label="wagtailcore", content_type__model="page").delete()
    if home is None:
        home = HomePage(
            title="首页",
            slug="home",
            hero_title="党课开讲啦·月讲悦听",
            hero_text="听党课、走红色线路、过好组织生活。随时随地，线上线下。",
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    hostname, port = _public_host_and_port()
    if site is None:
        Site.objects.create(
            hostname=hostname, port=port, root_page=home, is_default_site=True, site_name="党课"
        )
    else:
        if site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = "党课"
        if settings.PUBLIC_BASE_URL:
            # Wagtail's full URLs (the API's html_url, sitemaps) follow the configured public address.
            site.hostname, site.port = hostname, port
        site.save()

    for slug, title, intro in STANDARD_PAGES:
        if not StandardPage.objects.filter(slug=slug).exists():
            page = StandardPage(title=title, slug=slug, introduction=intro, show_in_menus=slug == "about")
            home.add_child(instance=page)
            page.save_revision().publish()

    shell = SiteShellSettings.for_site(Site.objects.get(is_default_site=True))
    if not shell.service_phone:
        shell.service_phone = "0411-0000000（示例）"
        shell.icp_number = "示例站点，非正式备案号"
        shell.save()
    return home


def ensure_demo_accounts() -> list[DemoAccount]:
    User = get_user_model()
    for account in DEMO_ACCOUNTS:
        family, given = account.full_name[0], account.full_name[1:]
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": given,
                "last_name": family,
                "email": f"{account.username}@dangke.example.org",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        if account.role is None:
            user.is_staff = user.is_superuser = True
        user.save()
        if account.role:
            user.groups.add(Group.objects.get(name=account.role))
    return DEMO_ACCOUNTS


class _PageLog(logging.Handler):
    """Keeps Wagtail's per-page log records ("Page created: …", "Published: …") for later."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@contextmanager
def collected_page_log():
    """Wagtail logs a few lines for every page it creates, edits and publishes (to stderr, as they
    happen): hundreds for the demo. Gather them instead, so the command can summarise them before
    the account list, which stays the last thing printed."""
    logger = logging.getLogger("wagtail")
    handler, propagate = _PageLog(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


class _Flushing:
    """The loaders' stdout, flushed after every line: their progress shows at once, also in a pipe."""

    def __init__(self, stdout):
        self.stdout = stdout

    def write(self, message, *args, **kwargs):
        self.stdout.write(message, *args, **kwargs)
        if hasattr(self.stdout, "flush"):
            self.stdout.flush()


def page_log_lines(records: list[logging.LogRecord], *, verbosity: int) -> list[str]:
    """Every line at verbosity 2 or more; otherwise warnings and a count of what happened."""
    if verbosity >= 2:
        return [record.getMessage() for record in records]
    lines = [record.getMessage() for record in records if record.levelno >= logging.WARNING]
    if verbosity >= 1 and records:
        kinds = Counter(record.getMessage().split(":", 1)[0] for record in records)
        lines.append(
            f"页面：本次新建 {kinds['Page created']} 个，发布 {kinds['Published']} 次"
            f"（共 {len(records)} 条页面日志，加 -v 2 逐条列出）。"
        )
    return lines


def load_demo(stdout, *, verbosity: int = 1) -> HomePage:
    """Load the site tree, the accounts and each app's demo content. Each app's summary line is
    written as it finishes; Wagtail's page log lines come after them (see collected_page_log)."""
    out = _Flushing(stdout)
    with collected_page_log() as records:
        home = ensure_site_tree()
        ensure_demo_accounts()
        for fn in hooks.get_hooks("dangke_demo_content"):
            fn(home_page=home, stdout=out)
    for line in page_log_lines(records, verbosity=verbosity):
        out.write(line)
    return home
