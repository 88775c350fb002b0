
import pytest
from django.urls import reverse
from icalendar import Calendar

from branches.factories import SessionFactory, session_type
from branches.models import FeedToken
from branches.services import calendars

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(tree, people):
    theme = SessionFactory(branch=tree.a, topic="学习党章", place="活动室")
    committee = SessionFactory(branch=tree.a, session_type=session_type("committee-meeting"), topic="支委会")
    elsewhere = SessionFactory(branch=tree.b, topic="乙支部会议")
    return theme, committee, elsewhere


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_member_feed_parses_back(client, sessions, people):
    theme, committee, _ = sessions
    feed = calendars.issue_token(member=people.member, by=people.member_user)
    calendar = parse(client.get(reverse("branches:calendar_feed", kwargs={"token": feed.token})))
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["主题党日：学习党章"]  # no committee meeting for a plain member
    event = events[0]
    assert event.decoded("dtstart") == theme.starts_at.replace(microsecond=0)
    assert event.decoded("dtend") == theme.ends_at.replace(microsecond=0)
    assert str(event["location"]) == "活动室"
    assert str(event["uid"]).startswith(f"session-{theme.pk}@")


def test_branch_feed_has_every_session_of_the_branch(client, sessions, people):
    feed = calendars.issue_token(branch=people.secretary.branch, by=people.secretary_user)
    calendar = parse(client.get(reverse("branches:calendar_feed", kwargs={"token": feed.token})))
    assert {str(e["summary"]) for e in calendar.walk("VEVENT")} == {"主题党日：学习党章", "支部委员会会议：支委会"}


def test_revoked_and_reissued_tokens_are_refused(client, sessions, people):
    old = calendars.issue_token(member=people.member)
    new = calendars.issue_token(member=people.member)
    assert client.get(reverse("branches:calendar_feed", kwargs={"token": old.token})).status_code == 404
    assert client.get(reverse("branches:calendar_feed", kwargs={"token": new.token})).status_code == 200
    calendars.revoke_tokens(member=people.member)
    assert client.get(reverse("branches:calendar_feed", kwargs={"token": new.token})).status_code == 404
    assert client.get(reverse("branches:calendar_feed", kwargs={"token": "guess"})).status_code == 404


def test_feeds_page_issues_and_revokes(client, people):
    client.force_login(people.member_user)
    client.post(reverse("branches:feeds"), {"target": "member", "action": "issue"})
    feed = FeedToken.objects.get(member=people.member, revoked_at__isnull=True)
    assert feed.token in client.get(reverse("branches:feeds")).content.decode()
    # A plain member cannot make a feed for the whole branch.
    assert client.post(reverse("branches:feeds"), {"target": "branch", "action": "issue"}).status_code == 403
    client.post(reverse("branches:feeds"), {"target": "member", "action": "revoke"})
    assert not FeedToken.objects.filter(revoked_at__isnull=True).exists()
