import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from branches.factories import MemberFactory, organisation
from branches.models import OrganisationKind, OrganisationManager, Role


def local_dt(*args):
    return timezone.make_aware(dt.datetime(*args), timezone.get_current_timezone())


@pytest.fixture
def tree(db):
    """city → district → street → (branch A, branch B); district2 → street2 → branch C."""
    city = organisation("C", kind=OrganisationKind.CITY, name="市委")
    district = organisation("C-D1", parent=city, kind=OrganisationKind.DISTRICT, name="一区")
    street = organisation("C-D1-S1", parent=district, kind=OrganisationKind.STREET, name="一街道")
    branch_a = organisation("A", parent=street, name="甲支部")
    branch_b = organisation("B", parent=street, name="乙支部")
    district2 = organisation("C-D2", parent=city, kind=OrganisationKind.DISTRICT, name="二区")
    street2 = organisation("C-D2-S1", parent=district2, kind=OrganisationKind.STREET, name="二街道")
    branch_c = organisation("CC", parent=street2, name="丙支部")
    return SimpleNamespace(city=city, district=district, street=street, a=branch_a, b=branch_b,
                           district2=district2, street2=street2, c=branch_c)


@pytest.fixture
def people(tree, make_user):
    """A secretary and members of branch A, a member of branch B, a district department user."""
    secretary_user = make_user("sec_a", role="支部书记", email="sec@example.org")
    member_user = make_user("mem_a", role="党员", email="mem@example.org")
    other_user = make_user("mem_b", role="党员", email="memb@example.org")
    dept_user = make_user("dept_d1")
    outsider = make_user("outsider", role="党员")
    secretary = MemberFactory(branch=tree.a, role=Role.SECRETARY, user=secretary_user, name="甲书记")
    member = MemberFactory(branch=tree.a, role=Role.MEMBER, user=member_user, name="甲党员")
    probationary = MemberFactory(branch=tree.a, role=Role.PROBATIONARY, name="甲预备", email="p@example.org")
    other = MemberFactory(branch=tree.b, role=Role.MEMBER, user=other_user, name="乙党员")
    OrganisationManager.objects.create(user=dept_user, organisation=tree.district)
    return SimpleNamespace(
        secretary_user=secretary_user, member_user=member_user, other_user=other_user, dept_user=dept_user,
        outsider=outsider, secretary=secretary, member=member, probationary=probationary, other=other,
    )


@pytest.fixture
def course(home_page):
    """A series with two published lessons of 100 s recordings, and a third lesson outside it."""
    from lessons.factories import LessonIndexPageFactory, LessonPageFactory, LessonSeriesPageFactory
    from media.factories import RecordingFactory

    index = LessonIndexPageFactory(parent=home_page)
    series = LessonSeriesPageFactory(parent=index, title="党课开讲啦·月讲悦听", slug="monthly")

    def lesson(title, series=None):
        recording = RecordingFactory(title=title, duration=100.0)
        page = LessonPageFactory(parent=index, title=title, series=series, recording=recording)
        page.save_revision().publish()
        return page

    one = lesson("第一讲 初心使命", series)
    two = lesson("第二讲 红色故事", series)
    other = lesson("其他党课")
    return SimpleNamespace(index=index, series=series, one=one, two=two, other=other)
