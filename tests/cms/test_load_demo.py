import io
import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail import hooks
from wagtail.models import Page, Site

from cms.demo import DEMO_ACCOUNTS, page_log_lines
from cms.models import HomePage, StandardPage

pytestmark = pytest.mark.django_db


def counts():
    return {
        "pages": Page.objects.count(),
        "homes": HomePage.objects.count(),
        "sites": Site.objects.count(),
        "users": get_user_model().objects.count(),
        "groups": Group.objects.count(),
    }


def test_load_demo_twice_gives_the_same_counts():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    first = counts()
    call_command("load_demo", stdout=io.StringIO())
    assert counts() == first
    assert first["homes"] == 1 and first["sites"] == 1
    assert Site.objects.get().root_page.specific_class is HomePage
    for account in DEMO_ACCOUNTS:
        assert account.username in out.getvalue()
        assert get_user_model().objects.filter(username=account.username).exists()


def test_demo_accounts_have_their_roles():
    call_command("load_demo", stdout=io.StringIO())
    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="editor").groups.filter(name="编辑").exists()
    assert User.objects.get(username="member").groups.filter(name="党员").exists()


def test_load_demo_calls_each_app_loader_in_order():
    calls = []

    def first(*, home_page, stdout):
        calls.append(("first", home_page.pk))

    def second(*, home_page, stdout):
        calls.append(("second", home_page.pk))

    with (
        hooks.register_temporarily("dangke_demo_content", second, order=1002),
        hooks.register_temporarily("dangke_demo_content", first, order=1001),
    ):
        call_command("load_demo", stdout=io.StringIO())
    assert [name for name, _ in calls if name in ("first", "second")] == ["first", "second"]


def account_block():
    return ["演示内容已就绪。演示账号（密码均为 dangke-demo-2026）："] + [
        f"  {account.username:<10} {account.description}" for account in DEMO_ACCOUNTS
    ]


def late_loader(*, home_page, stdout):
    """A loader registered after every app's: it creates a page (Wagtail logs it) and prints a line."""
    page = StandardPage(title="晚到的页面", slug="late-page", introduction="测试")
    home_page.add_child(instance=page)
    page.save_revision().publish()
    logging.getLogger("wagtail").warning("测试：一条页面警告")
    stdout.write("晚到的应用：完成")


def test_accounts_are_printed_last_after_every_page_and_loader_line(caplog):
    out = io.StringIO()
    with hooks.register_temporarily("dangke_demo_content", late_loader, order=10_000):
        call_command("load_demo", stdout=out)
    lines = out.getvalue().splitlines()
    block = account_block()
    assert lines[-len(block) :] == block
    before = lines[: -len(block)]
    assert "晚到的应用：完成" in before
    assert "测试：一条页面警告" in before  # Wagtail's warnings always show, before the accounts
    assert any(line.startswith("党课：") for line in before) and any(
        line.startswith("红色线路：") for line in before
    )
    [summary] = [line for line in before if line.startswith("页面：")]
    assert re.match(r"页面：本次新建 \d+ 个，发布 \d+ 次", summary)
    assert before.index(summary) > before.index("晚到的应用：完成")
    assert "Page created" not in out.getvalue()  # -v 2 lists them (test_page_log_lines_are_counted)
    # None of Wagtail's page lines went to the console on their own (they would follow the accounts
    # in a pipe, and bury them on a terminal).
    assert not [r for r in caplog.records if r.name == "wagtail"]


def test_page_log_lines_are_counted():
    records = [
        logging.LogRecord("wagtail", logging.INFO, __file__, 1, 'Page created: "%s"', ("甲",), None),
        logging.LogRecord("wagtail", logging.INFO, __file__, 1, 'Published: "%s"', ("甲",), None),
        logging.LogRecord("wagtail", logging.INFO, __file__, 1, 'Page created: "%s"', ("乙",), None),
        logging.LogRecord("wagtail", logging.WARNING, __file__, 1, "出错了", (), None),
    ]
    assert page_log_lines(records, verbosity=0) == ["出错了"]
    assert page_log_lines(records, verbosity=1) == [
        "出错了",
        "页面：本次新建 2 个，发布 1 次（共 4 条页面日志，加 -v 2 逐条列出）。",
    ]
    assert page_log_lines(records, verbosity=2) == [
        'Page created: "甲"',
        'Published: "甲"',
        'Page created: "乙"',
        "出错了",
    ]
    assert page_log_lines([], verbosity=1) == []
