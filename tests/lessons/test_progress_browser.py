"""The real player against the honest-study-time budget: with no allowance at all, what a member
plays still counts, because the player tells the server when playback starts."""

import json

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MEDIA = "document.querySelector('[data-media-player]').dangkePlayer.media"


def test_played_seconds_count_with_no_allowance(
    live_site, browser_page, make_user, playable_lesson, settings
):
    from lessons.models import LessonProgress

    settings.LESSONS_HEARTBEAT_ALLOWANCE_SECONDS = 0
    lesson = playable_lesson("计时党课")
    make_user("member3", role="党员")

    page = browser_page
    sign_in(page, live_site.url, "member3")
    page.goto(f"{live_site.url}{lesson.url}")
    page.wait_for_function(f"(() => {{ try {{ return !!{MEDIA}; }} catch (e) {{ return false; }} }})()")
    page.evaluate(f"{MEDIA}.muted = true")
    beats = []
    page.on(
        "request", lambda r: beats.append(r) if "/api/v1/progress/" in r.url and r.method == "POST" else None
    )
    with page.expect_response(
        lambda r: "/api/v1/progress/" in r.url and r.request.method == "POST"
    ) as started:
        page.evaluate(f"{MEDIA}.play()")
    assert started.value.ok
    assert json.loads(beats[0].post_data)["ranges"] == []  # the start heartbeat
    page.wait_for_function(f"{MEDIA}.currentTime >= 2")
    with page.expect_response(lambda r: "/api/v1/progress/" in r.url and r.request.method == "POST") as saved:
        page.evaluate(f"{MEDIA}.pause()")
    answer = saved.value.json()
    assert answer["dropped_seconds"] == 0
    row = LessonProgress.objects.get(lesson=lesson)
    assert row.played_seconds >= 1.5
    assert answer["accepted_seconds"] == row.played_seconds
