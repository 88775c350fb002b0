"""An older member with 大字模式 on a 375×812 phone: the header stays compact, the lesson's video is on
the first screen, 我的学习's heading stays on one line; on a 1366×900 desktop the video is wide."""

import pytest

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def lesson_with_video(live_site, home_page, make_lesson, transcoded_recording, make_user):
    from cms.factories import StandardPageFactory

    # A main menu as long as the demo's.
    for n, title in enumerate(["党课", "红色线路", "教育基地", "附近的基地", "组织生活", "使用帮助"]):
        StandardPageFactory(parent=home_page, title=title, slug=f"menu-{n}", show_in_menus=True)
    make_user("member2", role="党员", first_name="建国", last_name="王")
    recording = transcoded_recording()
    return make_lesson(
        title="弘扬伟大建党精神 走好新时代赶考之路", recording=recording, tags=["党史", "理想信念"]
    )


def phone_with_large_text(browser, base):
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, base, "member2")
    page.get_by_role("button", name="大字模式").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.classList.contains('large-text')")
    return context, page


def box(page, selector):
    return page.evaluate(
        "(s) => { const r = document.querySelector(s).getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, height: r.height, width: r.width}; }",
        selector,
    )


def test_large_text_phone_keeps_the_header_compact_and_the_video_in_view(
    browser, live_site, lesson_with_video
):
    context, page = phone_with_large_text(browser, live_site.url)
    page.goto(live_site.url + lesson_with_video.url)
    header = box(page, ".site-header")
    assert header["height"] <= 200, header  # was ~510 px of the 812
    video = box(page, "[data-media-player] video")
    assert video["top"] < 812 and video["bottom"] <= 812, video  # the whole video without scrolling
    assert video["width"] >= 320
    # No sideways scrolling of the page itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.goto(live_site.url + "/me/learning/")
    heading = page.evaluate(
        "() => { const h = document.querySelector('main h1'); const r = h.getBoundingClientRect();"
        " return {height: r.height, line: parseFloat(getComputedStyle(h).lineHeight)}; }"
    )
    assert heading["height"] < heading["line"] * 1.5, heading  # one line: no "我的学 / 习"
    context.close()


def test_desktop_video_is_wide(browser, live_site, lesson_with_video):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_site.url + lesson_with_video.url)
    video = box(page, "[data-media-player] video")
    assert video["width"] >= 800, video  # was ~510 px
    assert video["top"] < 900
    context.close()
