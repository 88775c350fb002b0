import csv
import io

import pytest

from lessons.models import Audience, LessonProgress
from lessons.services import progress as heartbeats
from lessons.services import study_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unmetered")]


@pytest.fixture
def two_lessons(make_lesson, make_recording):
    return (
        make_lesson(title="学完的课", recording=make_recording(duration=100)),
        make_lesson(title="=看了一半的课", recording=make_recording(duration=1000)),
    )


def test_study_record_page_is_for_signed_in_members_only(client):
    response = client.get("/me/learning/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_study_record_shows_continue_completed_and_hours(client, member, two_lessons, settings):
    settings.LESSONS_STUDY_HOUR_MINUTES = 1
    done, half = two_lessons
    heartbeats.record_heartbeat(member, done, position=95, ranges=[[0, 95]])
    heartbeats.record_heartbeat(member, half, position=500, ranges=[[0, 300], [400, 500]])
    client.force_login(member)
    response = client.get("/me/learning/")
    html = response.content.decode()
    record = response.context["record"]
    assert [row.lesson.title for row in record.continue_watching] == ["=看了一半的课"]
    assert [row.lesson.title for row in record.completed] == ["学完的课"]
    assert record.years[0]["seconds"] == 495
    assert record.years[0]["hours"] == 8.2  # 495 s at one "学时" per minute
    assert "上次看到 08:20" in html
    assert "导出我的学习记录" in html


def test_study_record_shows_only_ones_own_progress(client, member, make_user, two_lessons):
    other = make_user("other", role="党员")
    heartbeats.record_heartbeat(other, two_lessons[0], position=50, ranges=[[0, 50]])
    client.force_login(member)
    record = client.get("/me/learning/").context["record"]
    assert record.continue_watching == [] and record.years == []
    assert "学完的课" not in client.get("/me/learning/export.csv").content.decode("utf-8-sig")


def test_csv_export(client, member, two_lessons):
    done, half = two_lessons
    heartbeats.record_heartbeat(member, done, position=95, ranges=[[0, 95]])
    heartbeats.record_heartbeat(member, half, position=120, ranges=[[0, 120]])
    client.force_login(member)
    response = client.get("/me/learning/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == study_record.EXPORT_HEADERS
    by_title = {row[0]: row for row in rows[1:]}
    assert by_title["学完的课"][5] == "是"
    assert by_title["学完的课"][3] == "1"  # 95 s -> 1 minute
    # A title starting with "=" is kept as text, not run as a spreadsheet formula.
    assert "'=看了一半的课" in by_title
    assert by_title["'=看了一半的课"][4] == "12"
    assert by_title["'=看了一半的课"][5] == "否"


def test_lesson_made_members_only_later_leaves_the_anonymous_views(client, member, make_lesson):
    lesson = make_lesson()
    heartbeats.record_heartbeat(member, lesson, position=30, ranges=[[0, 30]])
    lesson.audience = Audience.MEMBERS
    lesson.save_revision().publish()
    client.force_login(member)
    assert client.get("/me/learning/").context["record"].continue_watching[0].lesson == lesson
    assert LessonProgress.objects.count() == 1


def test_user_menu_has_my_learning(client, member, home_page):
    client.force_login(member)
    html = client.get("/").content.decode()
    assert 'href="/me/learning/"' in html and "我的学习" in html


def test_home_section_latest_showcase_and_continue(client, member, lesson_index, make_lesson, make_recording):
    from lessons.factories import LessonSeriesPageFactory
    from lessons.models import HomeDisplay

    monthly = LessonSeriesPageFactory(
        parent=lesson_index, title="党课开讲啦·月讲悦听", home_display=HomeDisplay.LATEST
    )
    showcase = LessonSeriesPageFactory(
        parent=lesson_index, title="精品党课展播", home_display=HomeDisplay.SHOWCASE
    )
    import datetime

    make_lesson(title="一月党课", series=monthly, date_given=datetime.date(2025, 1, 10))
    make_lesson(title="二月党课", series=monthly, date_given=datetime.date(2025, 2, 10))
    make_lesson(title="展播甲", series=showcase)
    watching = make_lesson(title="看了一半", recording=make_recording(duration=600))
    heartbeats.record_heartbeat(member, watching, position=61, ranges=[[0, 61]])

    html = client.get("/").content.decode()
    assert "二月党课" in html and "一月党课" not in html
    assert "展播甲" in html
    assert "继续观看" not in html
    client.force_login(member)
    html = client.get("/").content.decode()
    assert "继续观看" in html and "继续播放 01:01" in html


def test_no_rankings_anywhere(client, member, two_lessons):
    client.force_login(member)
    html = client.get("/me/learning/").content.decode()
    for word in ("排名", "排行", "名次"):
        assert word not in html


def test_a_lesson_later_withdrawn_leaves_the_page_and_the_export_alike(
    client, member, make_lesson, make_recording
):
    from django.contrib.auth.models import Group
    from wagtail.models import PageViewRestriction

    kept = make_lesson(title="仍可学习的课", recording=make_recording(duration=1000))
    restricted = make_lesson(title="后来限定范围的课", recording=make_recording(duration=1000))
    unpublished = make_lesson(title="后来撤下的课", recording=make_recording(duration=1000))
    for lesson in (kept, restricted, unpublished):
        heartbeats.record_heartbeat(member, lesson, position=120, ranges=[[0, 120]])
    committee = Group.objects.create(name="支委")
    restriction = PageViewRestriction.objects.create(
        page=restricted, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(committee)
    unpublished.unpublish()
    client.force_login(member)
    record = client.get("/me/learning/").context["record"]
    assert [row.lesson.title for row in record.continue_watching] == ["仍可学习的课"]
    body = client.get("/me/learning/export.csv").content.decode("utf-8-sig")
    titles = [row[0] for row in csv.reader(io.StringIO(body))][1:]
    assert titles == ["仍可学习的课"]


def test_page_and_export_show_the_percentage_the_last_heartbeat_saved(client, member, two_lessons):
    """Heartbeats through the API, then 我的学习 and its CSV: one percentage, from distinct played
    seconds (not the position) over the recording's duration, the same on both."""
    half = two_lessons[1]
    client.force_login(member)
    beats = [
        {"lesson": half.pk, "position": 200, "ranges": [[0, 200]]},
        {"lesson": half.pk, "position": 537, "ranges": [[0, 200], [400, 537.6]]},  # seeked, then paused
    ]
    for beat in beats:
        answer = client.post("/api/v1/progress/", beat, content_type="application/json")
        assert answer.status_code == 200, answer.content
    assert answer.json()["percent"] == 33  # 337.6 of 1000 s, though the position is past half
    html = client.get("/me/learning/").content.decode()
    assert "已学 33%" in html and 'value="33"' in html
    rows = list(csv.reader(io.StringIO(client.get("/me/learning/export.csv").content.decode("utf-8-sig"))))
    assert {row[0]: row[4] for row in rows[1:]}["'=看了一半的课"] == "33"
