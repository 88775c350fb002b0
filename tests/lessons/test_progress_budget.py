"""Honest study time: a heartbeat adds at most as many new seconds as real time allows.

Time is controlled with the `clock` fixture (tests/lessons/conftest.py), never slept. The player
sends an empty heartbeat when playback starts and then, every 15 s, all ranges played on the page."""

import json

import pytest
from django.test import Client

from lessons.models import LessonProgress
from lessons.services import progress as heartbeats

pytestmark = pytest.mark.django_db

URL = "/api/v1/progress/"
ALLOWANCE = 5.0


@pytest.fixture(autouse=True)
def budget_settings(settings):
    settings.LESSONS_MAX_PLAYBACK_RATE = 2.0
    settings.LESSONS_HEARTBEAT_ALLOWANCE_SECONDS = ALLOWANCE


@pytest.fixture
def lesson(make_lesson, make_recording):
    return make_lesson(title="一小时党课", recording=make_recording(duration=3600))


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def post(client, lesson, ranges, position=None, **extra):
    position = position if position is not None else (ranges[-1][1] if ranges else 0)
    payload = {"lesson": lesson.pk, "position": position, "ranges": ranges, **extra}
    response = client.post(URL, data=json.dumps(payload), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def row(member, lesson):
    return LessonProgress.objects.get(user=member, lesson=lesson)


def test_a_forged_hour_gives_at_most_the_allowance(signed_in, member, lesson, clock):
    data = post(signed_in, lesson, [[0, 3600]])
    assert data["accepted_seconds"] <= ALLOWANCE
    assert data["dropped_seconds"] >= 3600 - ALLOWANCE
    assert data["played_seconds"] <= ALLOWANCE
    assert data["completed"] is False
    # Sending it again at once gives no more than another allowance.
    clock.advance(1)
    data = post(signed_in, lesson, [[0, 3600]])
    assert data["played_seconds"] <= 2 * ALLOWANCE + 2
    saved = row(member, lesson)
    assert saved.played_seconds <= 2 * ALLOWANCE + 2
    assert sum(saved.seconds_by_year.values()) == saved.played_seconds
    assert saved.completed_at is None


def test_dropped_seconds_are_logged(signed_in, lesson, clock, caplog):
    with caplog.at_level("WARNING", logger="lessons.services.progress"):
        post(signed_in, lesson, [[0, 3600]])
    assert "over budget" in caplog.text


def test_the_excess_is_bounded_by_the_time_since_the_last_heartbeat(signed_in, member, lesson, clock):
    post(signed_in, lesson, [])  # playback starts
    clock.advance(60)
    data = post(signed_in, lesson, [[0, 3600]])
    assert data["accepted_seconds"] == pytest.approx(60 * 2 + ALLOWANCE)
    # A pause does not bank budget beyond the wall-clock time since the last heartbeat (and the
    # allowance, used up by the last one, is not given again).
    clock.advance(100)
    data = post(signed_in, lesson, [[0, 3600]])
    assert data["accepted_seconds"] == pytest.approx(100 * 2)
    assert row(member, lesson).played_seconds == pytest.approx((60 + 100) * 2 + ALLOWANCE)


def test_many_heartbeats_at_once_share_one_allowance(signed_in, member, lesson, clock):
    # Forging in small steps, each within the allowance, gains nothing over one big request.
    for i in range(50):
        post(signed_in, lesson, [[0, 5 * (i + 1)]])
    assert row(member, lesson).played_seconds <= ALLOWANCE
    for i in range(50):  # one a second: at most 2 s a second, plus the one allowance
        clock.advance(1)
        post(signed_in, lesson, [[0, 250 + 5 * (i + 1)]])
    assert row(member, lesson).played_seconds <= 50 * 2 + ALLOWANCE


@pytest.mark.parametrize("rate", [1, 1.25, 2])
def test_a_real_15_second_cadence_is_fully_counted(signed_in, member, lesson, clock, rate):
    post(signed_in, lesson, [])  # the player's start heartbeat
    played = 0.0
    while played < 3600:
        clock.advance(15)
        played = min(3600.0, played + 15 * rate)
        data = post(signed_in, lesson, [[0, played]])
        assert data["dropped_seconds"] == 0
    saved = row(member, lesson)
    assert saved.played_seconds == 3600
    assert saved.completed_at is not None
    assert sum(saved.seconds_by_year.values()) == 3600


def test_seeking_to_the_end_is_not_watching(signed_in, member, lesson, clock):
    post(signed_in, lesson, [])
    clock.advance(15)
    post(signed_in, lesson, [[0, 15]])
    clock.advance(2)
    # Seek to the end: a seek makes no range, the position moves.
    data = post(signed_in, lesson, [[0, 15]], position=3590)
    assert data["played_seconds"] == 15
    assert data["position"] == 3590
    clock.advance(10)
    data = post(signed_in, lesson, [[0, 15], [3590, 3600]], position=3600)
    assert data["played_seconds"] == 25
    assert data["completed"] is False


def test_two_tabs_interleaving_lose_nothing(member, lesson, clock):
    tab_a, tab_b = Client(), Client()
    tab_a.force_login(member)
    tab_b.force_login(member)
    post(tab_a, lesson, [])
    clock.advance(7)
    post(tab_b, lesson, [])
    # Tab A plays from 0, tab B from 1800, both at 1x, each sending every 15 s what it played.
    a_end = b_end = 0
    for _ in range(20):
        clock.advance(8)
        a_end += 15
        post(tab_a, lesson, [[0, a_end]])
        clock.advance(7)
        b_end += 15
        post(tab_b, lesson, [[1800, 1800 + b_end]])
    saved = row(member, lesson)
    assert saved.played_ranges == [[0, 300], [1800, 2100]]
    assert saved.played_seconds == 600


def test_two_tabs_at_double_speed_catch_up_when_one_stops(member, lesson, clock):
    # Together 4x: more than real time allows at once, but each tab resends its ranges, so when
    # one tab stops, the other's heartbeats bring in what was dropped.
    tab_a, tab_b = Client(), Client()
    tab_a.force_login(member)
    tab_b.force_login(member)
    post(tab_a, lesson, [])
    post(tab_b, lesson, [])
    for i in range(1, 5):
        clock.advance(7.5)
        post(tab_a, lesson, [[0, 30 * i]])
        clock.advance(7.5)
        post(tab_b, lesson, [[1800, 1800 + 30 * i]])
    assert row(member, lesson).played_seconds < 240
    for _ in range(4):  # tab B is closed; tab A is paused and sends its ranges again
        clock.advance(15)
        post(tab_a, lesson, [[0, 120], [1800, 1920]])
    assert row(member, lesson).played_seconds == 240


def test_a_lost_heartbeat_is_made_up_by_the_next(signed_in, member, lesson, clock):
    post(signed_in, lesson, [])
    clock.advance(15)
    post(signed_in, lesson, [[0, 30]])  # 2x
    clock.advance(15)  # this heartbeat never arrives
    clock.advance(15)
    data = post(signed_in, lesson, [[0, 90]])
    assert data["dropped_seconds"] == 0
    assert row(member, lesson).played_seconds == 90


def test_pause_and_resume_lose_nothing(signed_in, member, lesson, clock):
    post(signed_in, lesson, [])
    clock.advance(15)
    post(signed_in, lesson, [[0, 15]])
    clock.advance(5)
    post(signed_in, lesson, [[0, 20]])  # pause sends at once
    clock.advance(600)  # ten minutes away
    clock.advance(15)  # resumed, the next heartbeat
    post(signed_in, lesson, [[0, 35]])
    assert row(member, lesson).played_seconds == 35


def test_sendbeacon_on_leaving_is_counted(member, lesson, clock):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    page = browser.get(lesson.url)
    token = (
        page.cookies["csrftoken"].value if "csrftoken" in page.cookies else browser.cookies["csrftoken"].value
    )
    headers = {"HTTP_X_CSRFTOKEN": token}
    for ranges in ([], [[0, 15]]):  # the start heartbeat, then one 15 s later
        body = json.dumps({"lesson": lesson.pk, "position": 0, "ranges": ranges})
        assert browser.post(URL, data=body, content_type="application/json", **headers).status_code == 200
        clock.advance(15 if not ranges else 9)  # the page is left 9 s after the last heartbeat
    payload = json.dumps({"lesson": lesson.pk, "position": 24, "ranges": [[0, 24]]})
    response = browser.post(URL, data={"csrfmiddlewaretoken": token, "payload": payload})
    assert response.status_code == 200
    assert row(member, lesson).played_seconds == 24


def test_the_first_heartbeat_keeps_the_ranges_in_order_up_to_the_budget(member, lesson, clock):
    saved = heartbeats.record_heartbeat(member, lesson, position=20, ranges=[[0, 3], [10, 20]])
    assert saved.played_ranges == [[0, 3], [10, 12]]
    assert saved.accepted_seconds == 5
    assert saved.dropped_seconds == 8


def test_replaying_watched_seconds_costs_no_budget(member, lesson, clock):
    heartbeats.record_heartbeat(member, lesson, position=0, ranges=[])
    clock.advance(30)
    heartbeats.record_heartbeat(member, lesson, position=60, ranges=[[0, 60]])
    clock.advance(1)
    saved = heartbeats.record_heartbeat(member, lesson, position=64, ranges=[[0, 60], [0, 64]])
    assert saved.played_seconds == 64
    assert saved.dropped_seconds == 0


def test_the_clients_duration_is_not_trusted(signed_in, member, make_lesson, make_recording, clock):
    # Issue 20: a lesson whose recording has no duration yet credited 12 h from one request.
    lesson = make_lesson(title="未探测时长", recording=make_recording(duration=0))
    data = post(signed_in, lesson, [[0, 43200]], duration=43200)
    assert data["played_seconds"] <= ALLOWANCE
    saved = row(member, lesson)
    assert saved.duration is None
    assert saved.completed_at is None


def test_an_unknown_duration_completes_nothing_even_with_time(
    signed_in, member, make_lesson, make_recording, clock
):
    lesson = make_lesson(title="未探测时长", recording=make_recording(duration=0))
    post(signed_in, lesson, [], duration=60)
    clock.advance(60)
    data = post(signed_in, lesson, [[0, 60]], duration=60)
    assert data["played_seconds"] == 60
    assert data["completed"] is False
    assert row(member, lesson).duration is None
