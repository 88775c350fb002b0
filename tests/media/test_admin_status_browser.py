"""An editor looks at 音视频 in the Wagtail admin: a playable recording shows a green ✓, a failed one a
red ⚠ with its reason, one in progress ⏳, and the icon follows the state when the live refresh sees
a transcode finish."""

import pytest

from media.models import Recording
from tests.conftest import sign_in

pytestmark = pytest.mark.browser


def badge_state(page, title):
    return page.evaluate(
        """(title) => {
            const row = [...document.querySelectorAll("table.listing tbody tr")]
                .find(tr => tr.querySelector(".title").textContent.trim() === title);
            const badge = row.querySelector("[data-recording-status]");
            const reason = badge.querySelector("[data-status-reason]");
            const icons = [...badge.querySelectorAll("*")].filter(el => {
                const before = getComputedStyle(el, "::before");
                return before.content !== "none" && before.content !== "normal" && before.maskImage !== "none";
            });
            return {
                icon: badge.querySelector("[data-status-icon]").textContent.trim(),
                label: badge.querySelector("[data-status-label]").textContent.trim(),
                color: getComputedStyle(badge).color,
                reason: reason.textContent.trim(),
                cssIcons: icons.length,
            };
        }""",
        title,
    )


def test_status_icons_and_colours_follow_the_state(live_site, browser_page, make_user):
    make_user("editor1", role="编辑")
    Recording.objects.create(title="可播放的课", file="a/a.mp4", status="ready", duration=10)
    Recording.objects.create(title="坏课", file="a/b.mp4", status="failed", failure_reason="文件是空的。")
    working = Recording.objects.create(title="转码中的课", file="a/c.mp4", status="transcoding", progress=40)

    page = browser_page
    sign_in(page, live_site.url, "editor1")
    page.goto(f"{live_site.url}/admin/media/")
    ready = badge_state(page, "可播放的课")
    failed = badge_state(page, "坏课")
    busy = badge_state(page, "转码中的课")
    assert (ready["icon"], ready["label"], ready["cssIcons"]) == ("✓", "可播放", 0)
    assert ready["color"] == "rgb(27, 94, 32)"  # green
    assert (failed["icon"], failed["label"], failed["reason"]) == ("⚠", "失败", "文件是空的。")
    assert failed["color"] == "rgb(183, 28, 28)"  # red
    assert busy["icon"] == "⏳" and busy["cssIcons"] == 0 and busy["color"] != failed["color"]

    Recording.objects.filter(pk=working.pk).update(status="ready", progress=100)
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-recording-status]")]
            .some(b => b.dataset.status === "ready" && b.closest("tr").textContent.includes("转码中的课"))""",
        timeout=20000,
    )
    done = badge_state(page, "转码中的课")
    assert (done["icon"], done["label"], done["color"]) == ("✓", "可播放", "rgb(27, 94, 32)")
