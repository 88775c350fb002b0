"""A member signs in, plays a lesson, leaves, comes back and is offered to resume where they stopped."""

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MEDIA = "document.querySelector('[data-media-player]').dangkePlayer.media"


def test_member_resumes_at_the_saved_position(live_site, browser_page, make_user, playable_lesson):
    from lessons.models import LessonProgress

    lesson = playable_lesson("续播党课")
    make_user("member2", role="党员")

    page = browser_page
    sign_in(page, live_site.url, "member2")
    page.goto(f"{live_site.url}{lesson.url}")
    page.wait_for_function(f"(() => {{ try {{ return !!{MEDIA}; }} catch (e) {{ return false; }} }})()")
    page.evaluate(f"{MEDIA}.muted = true")
    page.evaluate(f"{MEDIA}.play()")
    page.wait_for_function(f"{MEDIA}.currentTime >= 1.6")
    # Pausing sends a heartbeat; wait for the server to answer it.
    with page.expect_response(lambda r: "/api/v1/progress/" in r.url and r.request.method == "POST") as saved:
        page.evaluate(f"{MEDIA}.pause()")
    assert saved.value.ok
    row = LessonProgress.objects.get(lesson=lesson)
    assert row.position >= 1 and row.played_seconds >= 1

    page.goto(f"{live_site.url}/")  # leave
    page.goto(f"{live_site.url}{lesson.url}")  # come back
    resume = page.get_by_role("button", name=f"继续播放 00:0{int(row.position)}")
    resume.wait_for()
    page.evaluate(f"{MEDIA}.muted = true")
    resume.click()
    page.wait_for_function(f"{MEDIA}.currentTime >= {int(row.position)}")
    assert abs(page.evaluate(f"{MEDIA}.currentTime") - int(row.position)) < 1.5

    # Leaving while it plays: the pagehide beacon saves the newer position without a pause.
    before = row.played_seconds
    page.wait_for_function(f"{MEDIA}.currentTime >= {before} + 0.5")
    page.goto(f"{live_site.url}/")
    for _ in range(50):  # the beacon is answered after the navigation; wait up to ~5 s
        row.refresh_from_db()
        if row.played_seconds > before:
            break
        page.wait_for_timeout(100)
    assert row.played_seconds > before
