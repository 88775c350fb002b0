import json
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from lessons.models import LessonProgress
from lessons.services import progress as heartbeats

pytestmark = pytest.mark.django_db

URL = "/api/v1/progress/"


@pytest.fixture
def lesson(make_lesson, make_recording):
    return make_lesson(title="测试党课", recording=make_recording(duration=100))


def post(client, payload, **extra):
    return client.post(URL, data=json.dumps(payload), content_type="application/json", **extra)


def test_url_is_named():
    assert reverse("lessons:progress") == URL


def test_anonymous_heartbeat_is_refused(client, lesson):
    response = post(client, {"lesson": lesson.pk, "position": 10, "ranges": [[0, 10]]})
    assert response.status_code == 401
    assert "登录" in response.json()["error"]
    assert not LessonProgress.objects.exists()


@pytest.mark.usefixtures("unmetered")
def test_heartbeat_stores_position_and_distinct_seconds(client, member, lesson):
    client.force_login(member)
    response = post(client, {"lesson": lesson.pk, "position": 30, "ranges": [[0, 30]], "duration": 100})
    assert response.status_code == 200
    assert response.json()["played_seconds"] == 30
    # Seek to the end and play 5 s: the position moves, only 5 new seconds count.
    response = post(client, {"lesson": lesson.pk, "position": 99, "ranges": [[0, 30], [94, 99]]})
    row = LessonProgress.objects.get(user=member, lesson=lesson)
    assert row.position == 99
    assert row.played_seconds == 35
    assert row.played_ranges == [[0, 30], [94, 99]]
    assert not row.is_completed


@pytest.mark.usefixtures("unmetered")
def test_completion_at_ninety_percent_of_distinct_seconds(member, lesson):
    heartbeats.record_heartbeat(member, lesson, position=80, ranges=[[0, 80]])
    assert LessonProgress.objects.get().completed_at is None
    heartbeats.record_heartbeat(member, lesson, position=89, ranges=[[0, 89]])
    assert LessonProgress.objects.get().completed_at is None
    row = heartbeats.record_heartbeat(member, lesson, position=90, ranges=[[80, 90]])
    assert row.completed_at is not None
    # A replay after completion keeps the first completion time.
    again = heartbeats.record_heartbeat(member, lesson, position=10, ranges=[[0, 10]])
    assert again.completed_at == row.completed_at


@pytest.mark.usefixtures("unmetered")
def test_audio_listening_counts_the_same(member, lesson):
    # The listen mode's <audio> element reports ranges like the video does.
    heartbeats.record_heartbeat(member, lesson, position=50, ranges=[[0, 50]])
    row = heartbeats.record_heartbeat(member, lesson, position=95, ranges=[[50, 95]])
    assert row.is_completed


@pytest.mark.usefixtures("unmetered")
def test_ranges_are_clipped_to_the_recordings_duration(member, lesson):
    row = heartbeats.record_heartbeat(member, lesson, position=500, ranges=[[0, 500]], duration=5000)
    assert row.played_seconds == 100  # the recording is 100 s, whatever the client claims
    assert row.position == 100


@pytest.mark.usefixtures("unmetered")
def test_two_tabs_interleaved_lose_nothing(member, lesson):
    # Tab A and tab B each send everything they have played so far, interleaved.
    heartbeats.record_heartbeat(member, lesson, position=20, ranges=[[0, 20]])  # A
    heartbeats.record_heartbeat(member, lesson, position=60, ranges=[[40, 60]])  # B
    heartbeats.record_heartbeat(member, lesson, position=30, ranges=[[0, 30]])  # A
    row = heartbeats.record_heartbeat(member, lesson, position=70, ranges=[[40, 70]])  # B
    assert row.played_ranges == [[0, 30], [40, 70]]
    assert row.played_seconds == 60
    assert row.position == 70


@pytest.mark.usefixtures("unmetered")
def test_study_seconds_are_booked_to_the_year(member, lesson):
    heartbeats.record_heartbeat(member, lesson, position=30, ranges=[[0, 30]])
    row = heartbeats.record_heartbeat(member, lesson, position=30, ranges=[[0, 30]])
    assert sum(row.seconds_by_year.values()) == 30


@pytest.mark.usefixtures("unmetered")
def test_sendbeacon_form_payload_with_csrf_token(member, lesson):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    page = client.get(lesson.url)
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    payload = json.dumps({"lesson": lesson.pk, "position": 12, "ranges": [[0, 12]]})
    response = client.post(URL, data={"csrfmiddlewaretoken": token, "payload": payload})
    assert response.status_code == 200
    assert LessonProgress.objects.get().played_seconds == 12


def test_heartbeat_without_csrf_token_is_refused(member, lesson):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = post(client, {"lesson": lesson.pk, "position": 12, "ranges": [[0, 12]]})
    assert response.status_code == 403
    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"position": 1},
        {"lesson": "x"},
        {"lesson": 1, "ranges": "0-10"},
        {"lesson": 1, "ranges": [["a", "b"]]},
        {"lesson": 1, "position": "soon"},
        [1, 2],
    ],
)
def test_bad_payloads_get_a_clear_error(client, member, lesson, payload):
    client.force_login(member)
    if isinstance(payload, dict) and payload.get("lesson") == 1:
        payload["lesson"] = lesson.pk
    response = post(client, payload)
    assert response.status_code == 400
    assert response.json()["error"]


def test_invalid_json_is_rejected(client, member, lesson):
    client.force_login(member)
    response = client.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_members_only_lesson_progress_is_allowed_for_members(client, member, make_lesson):
    lesson = make_lesson(audience="members")
    client.force_login(member)
    assert post(client, {"lesson": lesson.pk, "position": 3, "ranges": [[0, 3]]}).status_code == 200


def test_unknown_or_draft_lesson_is_404(client, member, make_lesson):
    draft = make_lesson(live=False, publish=False)
    client.force_login(member)
    assert post(client, {"lesson": draft.pk, "position": 3, "ranges": [[0, 3]]}).status_code == 404
    assert post(client, {"lesson": 999999, "position": 3}).status_code == 404


@pytest.mark.usefixtures("unmetered")
def test_get_returns_saved_position_across_devices(member, lesson):
    heartbeats.record_heartbeat(member, lesson, position=42, ranges=[[0, 42]])
    other_device = Client()
    other_device.force_login(member)
    data = other_device.get(URL, {"lesson": lesson.pk}).json()
    assert data["position"] == 42
    assert data["completed"] is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_heartbeats_from_two_tabs_lose_nothing_on_postgresql(home_page, make_user, unmetered):
    from django.db import connections

    from lessons.factories import LessonIndexPageFactory, LessonPageFactory

    index = LessonIndexPageFactory(parent=home_page)
    lesson = LessonPageFactory(parent=index)
    user = make_user("tabs", role="党员")
    rounds = 20
    barrier = threading.Barrier(2)
    errors = []

    def tab(offset):
        try:
            for i in range(rounds):
                barrier.wait()
                start = offset + i * 20
                heartbeats.record_heartbeat(user, lesson, position=start + 10, ranges=[[start, start + 10]])
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    # Tab A plays [0,10], [20,30], …; tab B plays [10,20], [30,40], …: together every second.
    threads = [threading.Thread(target=tab, args=(offset,)) for offset in (0, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    row = LessonProgress.objects.get(user=user, lesson=lesson)
    assert row.played_ranges == [[0, rounds * 20]]
    assert row.played_seconds == rounds * 20


def test_password_protected_lesson_refuses_heartbeats(client, member, make_lesson):
    from wagtail.models import PageViewRestriction

    lesson = make_lesson()
    PageViewRestriction.objects.create(page=lesson, restriction_type="password", password="secret")
    client.force_login(member)
    assert post(client, {"lesson": lesson.pk, "position": 3, "ranges": [[0, 3]]}).status_code == 404
