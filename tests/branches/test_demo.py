import io

import pytest

from branches.models import Member, Organisation, Session, SessionStatus
from branches.services.cadence import cadence_report, current_window

pytestmark = pytest.mark.django_db


def counts():
    return (Organisation.objects.count(), Member.objects.count(), Session.objects.count(),
            Session.objects.filter(status=SessionStatus.CANCELLED).count())


def test_demo_is_idempotent_and_links_demo_users(home_page):
    from cms.demo import load_demo

    load_demo(io.StringIO())
    first = counts()
    load_demo(io.StringIO())
    assert counts() == first
    branches = Organisation.objects.filter(kind__in=["branch", "grid_branch"])
    assert branches.count() == 12 and first[1] == 12 * 9
    secretary = Member.objects.get(user__username="secretary")
    member = Member.objects.get(user__username="member")
    assert secretary.role == "secretary" and member.role == "member" and secretary.branch == member.branch
    year = cadence_report(Organisation.objects.get(code="DL"), current_window("year"))
    assert len(year.branches) == 12 and 0 < len(year.branches_with_gaps) < 12
