"""Links the branch work sends out of the site - the QR sign-in code, calendar subscriptions, reminder
e-mails - use the configured public address, whatever Host the secretary's browser sent."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from branches.factories import SessionFactory
from branches.services import calendars
from branches.services.reminders import send_reminders

pytestmark = pytest.mark.django_db
PUBLIC = "https://dangke.example.gov.cn"


@pytest.fixture
def upcoming(tree, people, settings):
    settings.PUBLIC_BASE_URL = PUBLIC
    start = timezone.now() + dt.timedelta(minutes=10)
    return SessionFactory(
        branch=tree.a, starts_at=start, ends_at=start + dt.timedelta(hours=2), topic="学习党章"
    )


def test_qr_sign_in_code_leads_to_the_public_address(client, upcoming, people, settings):
    settings.BRANCHES_QR_PERIOD = 30
    client.force_login(people.secretary_user)
    data = client.get(f"/branches/sessions/{upcoming.pk}/qr.json", HTTP_HOST="10.0.0.5:8000").json()
    assert data["open"] and data["url"].startswith(f"{PUBLIC}/branches/sign-in/")
    page = client.get(f"/branches/sessions/{upcoming.pk}/qr/", HTTP_HOST="10.0.0.5:8000").content.decode()
    assert f'href="{PUBLIC}/branches/sign-in/' in page
    # The text says how often the code changes, from the setting (the README's 30 s).
    assert "二维码每 30 秒更新一次" in page
    settings.BRANCHES_QR_PERIOD = 60
    assert "二维码每 60 秒更新一次" in client.get(f"/branches/sessions/{upcoming.pk}/qr/").content.decode()


def test_calendar_subscription_url_uses_the_public_address(client, upcoming, people):
    calendars.issue_token(member=people.member, by=people.member_user)
    client.force_login(people.member_user)
    html = client.get("/branches/calendar/", HTTP_HOST="127.0.0.1:8000").content.decode()
    assert f'value="{PUBLIC}/branches/calendar/' in html


def test_reminder_email_links_to_my_sessions_on_the_public_address(upcoming, people):
    assert send_reminders(upcoming.pk) >= 1
    body = next(m.body for m in mail.outbox if people.member_user.email in m.to)
    assert f"{PUBLIC}/branches/my/" in body
