"""A member pauses a lesson and opens 我的学习 at once: the page shows the percentage the CSV export
gives, the one the pause saved, not the one before it."""

import csv
import io
import re
import time

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

MEDIA = "document.querySelector('[data-media-player]').dangkePlayer.media"


def test_page_after_pause_shows_the_csv_percentage(
    live_site, browser_page, make_user, playable_lesson, monkeypatch
):
    from lessons.models import LessonProgress
    from lessons.services import progress as heartbeats

    lesson = playable_lesson("暂停党课")
    make_user("member5", role="党员")

    # A heartbeat that takes a while to be saved (a phone's network, a busy worker): the live server
    # runs in this process, so its heartbeats go through this slower function.
    record = heartbeats.record_heartbeat

    def slow_heartbeat(*args, **kwargs):
        time.sleep(0.8)
        return record(*args, **kwargs)

    monkeypatch.setattr(heartbeats, "record_heartbeat", slow_heartbeat)

    page = browser_page
    sign_in(page, live_site.url, "member5")
    page.goto(f"{live_site.url}{lesson.url}")
    page.wait_for_function(f"(() => {{ try {{ return !!{MEDIA}; }} catch (e) {{ return false; }} }})()")
    page.evaluate(f"{MEDIA}.muted = true")
    page.evaluate(f"{MEDIA}.play()")
    page.wait_for_function(f"{MEDIA}.currentTime >= 2.5")
    # Pause and go to 我的学习 through the account menu straight away, as a person would.
    page.locator(".account-menu summary").click()
    link = page.get_by_role("link", name="我的学习")
    link.wait_for()
    page.evaluate(f"{MEDIA}.pause()")
    link.click()
    page.wait_for_url("**/me/learning/")
    page.wait_for_load_state()
    # 继续观看 lists the lesson with its percentage (before the fix: not at all, or an older one).
    section = page.locator("section[aria-labelledby=continue-title]").inner_text()
    found = re.search(r"已学 (\d+)%", section)
    shown = int(found.group(1)) if found else None

    answer = page.request.get(f"{live_site.url}/me/learning/export.csv")
    assert answer.ok
    rows = list(csv.DictReader(io.StringIO(answer.text().lstrip("\ufeff"))))
    exported = int(next(r for r in rows if r["党课"] == "暂停党课")["进度（%）"])
    row = LessonProgress.objects.get(lesson=lesson)
    assert row.played_seconds >= 2  # what the pause saved
    assert shown == exported == row.percent
