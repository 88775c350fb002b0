"""A session planned as a group viewing of an upcoming live lesson (集体收看直播): the secretary's
forms (site and admin), the session page, 我的会议, the iCal feed, the 集体学习 credit, permissions."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from branches.factories import MemberFactory, session_type
from branches.models import Attendance, AttendanceStatus, Role, Session, SessionLesson
from branches.services import attendance, calendars

pytestmark = pytest.mark.django_db


def local(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def live_lesson(home_page):
    """A published lesson whose live is upcoming and which has no recording yet."""
    from lessons.factories import LessonIndexPageFactory, LessonPageFactory
    from media.factories import LiveStreamFactory

    index = LessonIndexPageFactory(parent=home_page)
    live = LiveStreamFactory(title="党课开讲啦·直播")
    page = LessonPageFactory(parent=index, title="党课开讲啦：新时代的答卷", live_stream=live, recording=None)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _form_data(live_lesson, *, starts_at, ends_at, topic="集体收看党课开讲啦"):
    return {
        "session_type": session_type("theme-day").pk,
        "topic": topic,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": "党员活动室",
        "lessons": [live_lesson.pk],
    }


def _plan(client, live_lesson, **times):
    live = live_lesson.live_stream
    times.setdefault("starts_at", local(live.scheduled_start - dt.timedelta(minutes=15)))
    times.setdefault("ends_at", local(live.scheduled_end))
    return client.post(reverse("branches:session_create"), _form_data(live_lesson, **times))


@pytest.fixture
def planned(client, people, live_lesson):
    client.force_login(people.secretary_user)
    response = _plan(client, live_lesson)
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    return Session.objects.get(topic="集体收看党课开讲啦")


def test_form_offers_and_accepts_an_upcoming_live_lesson(client, people, tree, live_lesson):
    client.force_login(people.secretary_user)
    form = client.get(reverse("branches:session_create")).content.decode()
    assert f"集体收看直播：{live_lesson.title}" in form
    assert f"{reverse('branches:session_create')}?live={live_lesson.pk}" in form  # 安排集体收看
    response = _plan(client, live_lesson)
    assert response.status_code == 302, response.content.decode()[:3000]
    session = Session.objects.get(topic="集体收看党课开讲啦")
    assert session.branch == tree.a and session.counts_as_party_lesson
    assert list(session.lesson_links.values_list("lesson_id", flat=True)) == [live_lesson.pk]


def test_form_refuses_a_session_outside_the_live_window_and_keeps_the_input(client, people, live_lesson):
    client.force_login(people.secretary_user)
    live = live_lesson.live_stream
    response = _plan(
        client,
        live_lesson,
        starts_at=local(live.scheduled_end + dt.timedelta(days=1)),
        ends_at=local(live.scheduled_end + dt.timedelta(days=1, hours=1)),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "集体收看直播的会议时间必须与直播时间重合" in html
    assert 'value="集体收看党课开讲啦"' in html and 'value="党员活动室"' in html
    assert not Session.objects.filter(topic="集体收看党课开讲啦").exists()
    # Ending exactly when the live starts does not overlap either.
    response = _plan(
        client,
        live_lesson,
        starts_at=local(live.scheduled_start - dt.timedelta(hours=1)),
        ends_at=local(live.scheduled_start),
    )
    assert response.status_code == 200 and not Session.objects.exists()


def test_moving_the_session_off_the_live_is_refused(client, people, planned, live_lesson):
    client.force_login(people.secretary_user)
    before = (planned.starts_at, planned.ends_at)
    later = local(live_lesson.live_stream.scheduled_end + dt.timedelta(days=2))
    for action in ("move", "postpone"):
        url = reverse("branches:session_action", args=[planned.pk, action])
        response = client.post(url, {"starts_at": later}, follow=True)
        assert "集体收看直播的会议时间必须与直播时间重合" in response.content.decode()
        planned.refresh_from_db()
        assert (planned.starts_at, planned.ends_at) == before and planned.status == "planned"
    # Within the window it moves.
    inside = local(live_lesson.live_stream.scheduled_start + dt.timedelta(minutes=5))
    client.post(reverse("branches:session_action", args=[planned.pk, "move"]), {"starts_at": inside})
    planned.refresh_from_db()
    assert planned.starts_at != before[0]


def test_an_ended_live_is_an_ordinary_lesson_at_any_time(client, people, live_lesson):
    from media.models import LiveStream

    LiveStream.objects.filter(pk=live_lesson.live_stream_id).update(status=LiveStream.Status.ENDED)
    client.force_login(people.secretary_user)
    live = live_lesson.live_stream
    response = _plan(
        client,
        live_lesson,
        starts_at=local(live.scheduled_end + dt.timedelta(days=3)),
        ends_at=local(live.scheduled_end + dt.timedelta(days=3, hours=1)),
    )
    assert response.status_code == 302
    session = Session.objects.get()
    page = client.get(reverse("branches:session_detail", args=[session.pk])).content.decode()
    assert "集体收看直播：" not in page and live_lesson.title in page


def test_desk_offers_to_arrange_a_group_viewing_prefilled(client, people, live_lesson):
    client.force_login(people.secretary_user)
    desk = client.get(reverse("branches:desk")).content.decode()
    link = f"{reverse('branches:session_create')}?live={live_lesson.pk}"
    assert "安排集体收看" in desk and link in desk
    response = client.get(link)
    form = response.context["form"]
    live = live_lesson.live_stream
    assert form.initial["session_type"] == session_type("theme-day")
    assert form.initial["starts_at"] == live.scheduled_start and form.initial["ends_at"] == live.scheduled_end
    assert form.initial["lessons"] == [live_lesson.pk]
    html = response.content.decode()
    assert f'value="{local(live.scheduled_start)}"' in html and f"集体收看直播：{live_lesson.title}" in html
    # An unknown or non-live lesson prefills nothing.
    assert (
        "starts_at"
        not in client.get(f"{reverse('branches:session_create')}?live=999999").context["form"].initial
    )


def test_session_page_and_my_sessions_show_the_live(client, people, planned, live_lesson):
    client.force_login(people.member_user)
    start = timezone.localtime(live_lesson.live_stream.scheduled_start).strftime("%Y年%-m月%-d日 %H:%M")
    page = client.get(reverse("branches:session_detail", args=[planned.pk])).content.decode()
    assert f"集体收看直播：{live_lesson.title}" in page
    assert f'href="{live_lesson.url}"' in page and start in page
    mine = client.get(reverse("branches:my_sessions")).content.decode()
    assert (
        f"集体收看直播：{live_lesson.title}" in mine and f'href="{live_lesson.url}"' in mine and start in mine
    )
    client.force_login(people.secretary_user)
    assert f"集体收看直播：{live_lesson.title}" in client.get(reverse("branches:desk")).content.decode()


def test_ical_feed_entry_says_it_is_a_group_viewing_of_the_live(client, people, planned, live_lesson):
    feed = calendars.issue_token(member=people.member, by=people.member_user)
    response = client.get(reverse("branches:calendar_feed", kwargs={"token": feed.token}))
    assert response.status_code == 200
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    url = f"http://testserver{live_lesson.url}"
    assert str(event["url"]) == url
    description = str(event["description"])
    start = timezone.localtime(live_lesson.live_stream.scheduled_start).strftime("%Y-%m-%d %H:%M")
    assert f"集体收看直播：{live_lesson.title}" in description and url in description and start in description


def test_attendance_credits_the_live_lesson_as_group_study(client, people, planned, live_lesson):
    from lessons.models import LessonProgress

    client.force_login(people.secretary_user)
    url = reverse("branches:mark_attendance", kwargs={"pk": planned.pk})
    response = client.post(url, {"member": people.member.pk, "status": AttendanceStatus.PRESENT})
    assert response.status_code == 302
    row = LessonProgress.objects.get(user=people.member_user, lesson=live_lesson)
    # No recording yet: the live's scheduled length (an hour) is what the member sat through.
    assert row.group_seconds == 3600 and row.is_completed and row.group_credited_at == planned.starts_at
    assert not row.duration  # the lesson's own length stays unknown until the replay is probed
    client.force_login(people.member_user)
    record = client.get(reverse("lessons:my_learning")).context["record"]
    assert [r.lesson_id for r in record.group_viewed] == [live_lesson.pk]


def test_a_credit_given_once_the_replay_is_known_uses_its_length(people, planned, live_lesson):
    from lessons.models import LessonProgress
    from media.factories import RecordingFactory
    from media.models import LiveStream

    LiveStream.objects.filter(pk=live_lesson.live_stream_id).update(
        status=LiveStream.Status.REPLAY_READY, recording=RecordingFactory(duration=3300)
    )
    Attendance.objects.create(
        session=planned, member=people.member, status=AttendanceStatus.PRESENT, method="manual"
    )
    attendance.sync_group_viewing(planned.pk)
    assert LessonProgress.objects.get(user=people.member_user, lesson=live_lesson).group_seconds == 3300


def test_another_branch_cannot_edit_the_group_viewing(client, people, tree, planned, live_lesson, make_user):
    other_sec = make_user("sec_b", role="支部书记")
    MemberFactory(branch=tree.b, role=Role.SECRETARY, user=other_sec, name="乙书记")
    client.force_login(other_sec)
    edit = reverse("branches:session_edit", args=[planned.pk])
    assert client.get(edit).status_code == 403
    live = live_lesson.live_stream
    data = _form_data(
        live_lesson, starts_at=local(live.scheduled_start), ends_at=local(live.scheduled_end), topic="改"
    )
    assert client.post(edit, data).status_code == 403
    assert client.get(f"/admin/branches/sessions/edit/{planned.pk}/").status_code in (302, 403)
    planned.refresh_from_db()
    assert planned.topic == "集体收看党课开讲啦"
    # Their own branch may watch the same live: the session is theirs, not branch A's.
    assert _plan(client, live_lesson).status_code == 302
    assert Session.objects.filter(branch=tree.b, lesson_links__lesson=live_lesson).exists()
    # A plain member arranges nothing.
    client.force_login(people.member_user)
    assert client.get(f"{reverse('branches:session_create')}?live={live_lesson.pk}").status_code == 403
    assert _plan(client, live_lesson).status_code == 403


def _admin_data(tree, live_lesson, *, starts_at, ends_at):
    return {
        "branch": tree.a.pk,
        "session_type": session_type("theme-day").pk,
        "topic": "后台安排集体收看",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "status": "planned",
        "lesson_links-TOTAL_FORMS": 1,
        "lesson_links-INITIAL_FORMS": 0,
        "lesson_links-0-lesson": live_lesson.pk,
        "lesson_links-0-ORDER": 1,
        "lesson_links-0-id": "",
        "photos-TOTAL_FORMS": 0,
        "photos-INITIAL_FORMS": 0,
    }


def test_admin_form_checks_the_live_window(client, people, tree, live_lesson):
    client.force_login(people.secretary_user)
    live = live_lesson.live_stream
    fmt = "%Y-%m-%d %H:%M"
    late = timezone.localtime(live.scheduled_end + dt.timedelta(days=1))
    response = client.post(
        "/admin/branches/sessions/new/",
        _admin_data(
            tree,
            live_lesson,
            starts_at=late.strftime(fmt),
            ends_at=(late + dt.timedelta(hours=1)).strftime(fmt),
        ),
    )
    assert response.status_code == 200
    assert "集体收看直播的会议时间必须与直播时间重合" in response.content.decode()
    assert not Session.objects.exists()
    start = timezone.localtime(live.scheduled_start)
    response = client.post(
        "/admin/branches/sessions/new/",
        _admin_data(
            tree,
            live_lesson,
            starts_at=start.strftime(fmt),
            ends_at=(start + dt.timedelta(hours=2)).strftime(fmt),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    session = Session.objects.get(topic="后台安排集体收看")
    assert SessionLesson.objects.filter(session=session, lesson=live_lesson).exists()
    assert session.counts_as_party_lesson
