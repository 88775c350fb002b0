import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail import hooks
from wagtail.models import Page, Site

from cms.demo import DEMO_ACCOUNTS
from cms.models import HomePage

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
