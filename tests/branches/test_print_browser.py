"""A secretary who has just signed in prints the 三会一课 register: the paper shows the register, not
the "登录成功。" message, the Wagtail userbar or the site's header and buttons."""

import datetime as dt
from urllib.parse import quote

import pytest
from django.utils import timezone

from branches.factories import MemberFactory, SessionFactory, organisation
from branches.models import OrganisationKind, Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VISIBLE = "(s) => [...document.querySelectorAll(s)].some(e => e.getClientRects().length > 0)"


def test_printed_register_hides_messages_userbar_and_buttons(live_site, browser_page, make_user):
    street = organisation("S", kind=OrganisationKind.STREET, name="街道")
    branch = organisation("B", parent=street, name="测试支部")
    user = make_user("secretary_p", role="支部书记", is_superuser=True)  # may use the admin: userbar shown
    MemberFactory(branch=branch, role=Role.SECRETARY, user=user, name="王书记")
    year = timezone.localdate().year
    SessionFactory(
        branch=branch, topic="学习党章", starts_at=timezone.make_aware(dt.datetime(year, 3, 1, 14))
    )
    page = browser_page
    register = f"/branches/register/{year}/?branch={branch.pk}"
    # Signing in from the register's link lands on the register with the "登录成功。" message.
    page.goto(f"{live_site.url}/accounts/login/?next={quote(register)}")
    page.fill("#id_username", "secretary_p")
    page.fill("#id_password", "pw-for-tests")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"**{register}")
    assert "登录成功" in page.locator(".messages").inner_text()
    assert page.evaluate(VISIBLE, "wagtail-userbar")
    assert page.evaluate(VISIBLE, ".site-header")
    page.emulate_media(media="print")
    for selector in (".messages", "wagtail-userbar", ".site-header", ".site-footer", "[data-print]"):
        assert not page.evaluate(VISIBLE, selector), selector
    assert "学习党章" in page.locator("main").inner_text()
    page.emulate_media(media="screen")
    assert page.evaluate(VISIBLE, ".site-header")
