"""Group viewing (集体学习) credited by another app through lessons.services.group_viewing."""

import csv
import datetime as dt
import io

import pytest

from lessons.models import GroupViewingCredit, LessonProgress
from lessons.services import progress as heartbeats
from lessons.services import study_record
from lessons.services.group_viewing import credit_group_viewing

pytestmark = pytest.mark.django_db

SESSION = "branches.session:1"
OTHER_SESSION = "branches.session:2"
AT = dt.datetime(2025, 12, 20, 6, 30, tzinfo=dt.UTC)  # 2025-12-20 14:30 in Beijing
NEXT_YEAR = dt.datetime(2026, 1, 10, 6, 30, tzinfo=dt.UTC)


@pytest.fixture
def lesson(make_lesson, make_recording):
    return make_lesson(title="集体观看的党课", recording=make_recording(duration=2700))


@pytest.fixture
def other_member(make_user):
    return make_user("member2", role="党员")


def progress(user, lesson):
    return LessonProgress.objects.get(user=user, lesson=lesson)


def test_present_members_get_the_lessons_length_once_as_group_study(member, other_member, lesson):
    result = credit_group_viewing(SESSION, [lesson.pk], [member.pk], viewed_at=AT)
    assert (result.added, result.removed) == (1, 0)
    row = progress(member, lesson)
    assert row.group_seconds == 2700
    assert row.group_credited_at == AT
    assert row.played_seconds == 0  # nothing watched alone
    assert row.is_completed and row.completed_at == AT
    assert row.seconds_by_year == {"2025": 2700}
    assert not LessonProgress.objects.filter(user=other_member).exists()


def test_crediting_again_or_from_another_session_counts_once(member, lesson):
    for _ in range(3):
        credit_group_viewing(SESSION, [lesson.pk], [member.pk], viewed_at=AT)
    credit_group_viewing(OTHER_SESSION, [lesson.pk], [member.pk], viewed_at=NEXT_YEAR)
    row = progress(member, lesson)
    assert GroupViewingCredit.objects.filter(user=member).count() == 2
    assert row.group_seconds == 2700
    assert row.group_credited_at == AT  # the first time it was watched together
    assert sum(row.seconds_by_year.values()) == 2700


def test_a_present_mark_taken_back_takes_the_credit_back(member, lesson):
    credit_group_viewing(SESSION, [lesson.pk], [member.pk], viewed_at=AT)
    result = credit_group_viewing(SESSION, [lesson.pk], [], viewed_at=AT)
    assert result.removed == 1
    row = progress(member, lesson)
    assert (row.group_seconds, row.group_credited_at, row.completed_at) == (0, None, None)
    assert row.seconds_by_year == {}


def test_removal_keeps_the_credit_another_session_still_gives(member, lesson):
    credit_group_viewing(SESSION, [lesson.pk], [member.pk], viewed_at=AT)
    credit_group_viewing(OTHER_SESSION, [lesson.pk], [member.pk], viewed_at=NEXT_YEAR)
    credit_group_viewing(SESSION, [lesson.pk], [], viewed_at=AT)
    row = progress(member, lesson)
    assert row.group_seconds == 2700
    assert row.group_credited_at == NEXT_YEAR
    assert row.seconds_by_year == {"2026": 2700}  # moved to the year of the remaining viewing
    assert row.is_completed


def test_group_study_is_kept_apart_from_watching_alone(member, lesson, clock):
    heartbeats.record_heartbeat(member, lesson, position=0, ranges=[])
    clock.advance(300)
    heartbeats.record_heartbeat(member, lesson, position=600, ranges=[[0, 600]])
    credit_group_viewing(SESSION, [lesson.pk], [member.pk], viewed_at=AT)
    row = progress(member, lesson)
    assert row.played_seconds == 600 and row.group_seconds == 2700
    assert row.seconds_by_year == {"2026": 600, "2025": 2700}
    assert row.is_completed and not row.completed_alone
    # Watching on alone afterwards adds 自学 without touching 集体学习.
    clock.advance(15)
    row = heartbeats.record_heartbeat(member, lesson, position=630, ranges=[[0, 630]])
    assert (row.played_seconds, row.group_seconds) == (630, 2700)
    # Taking the group viewing back leaves what was watched alone, not completed.
    credit_group_viewing(SESSION, [lesson.pk], [], viewed_at=AT)
    row = progress(member, lesson)
    assert row.seconds_by_year == {"2026": 630}
    assert row.completed_at is None


def test_a_lesson_completed_alone_stays_completed_when_the_credit_goes(member, lesson, unmetered):
    done = heartbeats.record_heartbeat(member, lesson, position=2700, ranges=[[0, 2700]])
    credit_group_viewing(SESSION, [lesson.pk], [member.pk], viewed_at=AT)
    credit_group_viewing(SESSION, [], [member.pk], viewed_at=AT)  # the lesson left the session
    row = progress(member, lesson)
    assert row.completed_at == done.completed_at
    assert row.group_seconds == 0


def test_a_session_moved_to_another_year_moves_the_seconds(member, lesson):
    credit_group_viewing(SESSION, [lesson.pk], [member.pk], viewed_at=AT)
    credit_group_viewing(SESSION, [lesson.pk], [member.pk], viewed_at=NEXT_YEAR)
    row = progress(member, lesson)
    assert row.seconds_by_year == {"2026": 2700}
    assert row.group_credited_at == NEXT_YEAR


def test_a_group_created_row_still_meters_heartbeats(member, lesson, clock):
    credit_group_viewing(SESSION, [lesson.pk], [member.pk], viewed_at=AT)
    row = heartbeats.record_heartbeat(member, lesson, position=2700, ranges=[[0, 2700]])
    assert row.played_seconds <= 5  # no heartbeat yet: the allowance only


def test_ids_that_are_not_lessons_are_ignored(member, lesson, home_page):
    credit_group_viewing(SESSION, [home_page.pk, lesson.pk], [member.pk], viewed_at=AT)
    assert list(GroupViewingCredit.objects.values_list("lesson_id", flat=True)) == [lesson.pk]


def test_study_record_page_and_csv_show_group_study_apart(
    client, member, lesson, make_lesson, make_recording, clock
):
    alone = make_lesson(title="自己看的党课", recording=make_recording(duration=100))
    started = make_lesson(title="只点了播放的党课", recording=make_recording(duration=100))
    heartbeats.record_heartbeat(member, started, position=0, ranges=[])  # play, then left at once
    heartbeats.record_heartbeat(member, alone, position=0, ranges=[])
    clock.advance(30)
    heartbeats.record_heartbeat(member, alone, position=60, ranges=[[0, 60]])
    credit_group_viewing(SESSION, [lesson.pk], [member.pk], viewed_at=AT)
    client.force_login(member)
    response = client.get("/me/learning/")
    record = response.context["record"]
    assert [row.lesson for row in record.group_viewed] == [lesson]
    assert [row.lesson for row in record.completed] == [lesson]
    assert record.group_hours == study_record.study_hours(2700)
    assert record.years == [
        {
            "year": 2026,
            "seconds": 60,
            "minutes": 1,
            "hours": record.self_study_hours,
            "self_minutes": 1,
            "group_minutes": 0,
        },
        {
            "year": 2025,
            "seconds": 2700,
            "minutes": 45,
            "hours": record.group_hours,
            "self_minutes": 0,
            "group_minutes": 45,
        },
    ]
    html = response.content.decode()
    assert "集体学习" in html and f'data-group-lesson="{lesson.pk}"' in html
    rows = list(csv.reader(io.StringIO(client.get("/me/learning/export.csv").content.decode("utf-8-sig"))))
    header = rows[0]
    by_title = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_title["集体观看的党课"]["集体学习"] == "是"
    assert by_title["集体观看的党课"]["集体学习时长（分钟）"] == "45"
    assert by_title["集体观看的党课"]["自学时长（分钟）"] == "0"
    assert by_title["自己看的党课"]["集体学习"] == "否"
    assert by_title["自己看的党课"]["自学时长（分钟）"] == "1"
    assert "只点了播放的党课" not in by_title
    assert "只点了播放的党课" not in html
