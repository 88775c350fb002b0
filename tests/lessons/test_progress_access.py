"""The progress endpoint's cached view of a lesson (duration and view restrictions): used on every
heartbeat, dropped whenever the lesson or its privacy changes, so no check is weakened."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from lessons.factories import LessonIndexPageFactory
from lessons.models import LessonProgress
from lessons.services import access

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unmetered")]

URL = "/api/v1/progress/"


def beat(client, lesson, start=0, end=5):
    return client.post(
        URL, data=json.dumps({"lesson": lesson.pk, "position": end, "ranges": [[start, end]]}),
        content_type="application/json",
    )


@pytest.fixture
def lesson(make_lesson, make_recording):
    return make_lesson(title="缓存党课", recording=make_recording(duration=100))


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def test_a_heartbeat_reads_no_page_or_restriction_rows_once_the_lesson_is_known(signed_in, lesson):
    assert beat(signed_in, lesson).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert beat(signed_in, lesson, 5, 10).status_code == 200
    sql = " ".join(q["sql"] for q in queries)
    assert "wagtailcore_page" not in sql
    assert "pageviewrestriction" not in sql
    assert "media_recording" not in sql
    assert LessonProgress.objects.get().played_seconds == 10


def test_the_cached_duration_still_clips_ranges(signed_in, lesson):
    beat(signed_in, lesson)
    response = beat(signed_in, lesson, 0, 500)
    assert response.json()["played_seconds"] == 100
    assert response.json()["position"] == 100


def test_a_password_restriction_added_later_refuses_the_next_heartbeat(signed_in, lesson):
    assert beat(signed_in, lesson).status_code == 200
    restriction = PageViewRestriction.objects.create(page=lesson, restriction_type="password", password="secret")
    assert beat(signed_in, lesson).status_code == 404
    restriction.delete()
    assert beat(signed_in, lesson).status_code == 200


def test_a_restriction_on_an_ancestor_counts_too(signed_in, lesson, lesson_index):
    assert beat(signed_in, lesson).status_code == 200
    PageViewRestriction.objects.create(page=lesson_index, restriction_type="password", password="secret")
    assert beat(signed_in, lesson).status_code == 404


def test_passing_a_password_restriction_in_the_session_is_honoured(signed_in, lesson):
    restriction = PageViewRestriction.objects.create(page=lesson, restriction_type="password", password="secret")
    assert beat(signed_in, lesson).status_code == 404
    session = signed_in.session
    session[PageViewRestriction.passed_view_restrictions_session_key] = [restriction.pk]
    session.save()
    assert beat(signed_in, lesson).status_code == 200


def test_group_restrictions_follow_changes_to_their_groups(signed_in, member, lesson):
    # Only the restriction's id and type are cached: its groups are looked up on every heartbeat.
    restriction = PageViewRestriction.objects.create(page=lesson, restriction_type="groups")
    editors = Group.objects.get(name="编辑")
    restriction.groups.add(editors)
    assert beat(signed_in, lesson).status_code == 404
    restriction.groups.add(*member.groups.all())
    assert beat(signed_in, lesson).status_code == 200
    restriction.groups.remove(*member.groups.all())
    assert beat(signed_in, lesson).status_code == 404
    # From the other side of the relation as well.
    member.groups.first().pageviewrestriction_set.add(restriction)
    assert beat(signed_in, lesson).status_code == 200


def test_unpublishing_refuses_the_next_heartbeat_and_publishing_accepts_it_again(signed_in, lesson):
    assert beat(signed_in, lesson).status_code == 200
    lesson.unpublish()
    assert beat(signed_in, lesson).status_code == 404
    lesson.save_revision().publish()
    assert beat(signed_in, lesson).status_code == 200


def test_a_lesson_moved_under_a_restricted_page_refuses_heartbeats(signed_in, lesson, home_page):
    private_index = LessonIndexPageFactory(parent=home_page, title="内部", slug="internal")
    PageViewRestriction.objects.create(page=private_index, restriction_type="password", password="secret")
    assert beat(signed_in, lesson).status_code == 200
    lesson.move(private_index, pos="last-child")
    assert beat(signed_in, lesson).status_code == 404


def test_moving_an_ancestor_under_a_restricted_page_refuses_heartbeats(signed_in, lesson, lesson_index, home_page):
    private = LessonIndexPageFactory(parent=home_page, title="内部", slug="internal")
    PageViewRestriction.objects.create(page=private, restriction_type="password", password="secret")
    assert beat(signed_in, lesson).status_code == 200
    lesson_index.move(private, pos="last-child")  # the lesson itself is not saved
    assert beat(signed_in, lesson).status_code == 404


def test_a_lesson_saved_with_another_recording_clips_to_its_duration(signed_in, lesson, make_recording):
    assert beat(signed_in, lesson).status_code == 200
    lesson.recording = make_recording(duration=50)
    lesson.save()
    assert beat(signed_in, lesson, 0, 80).json()["played_seconds"] == 50


def test_deleting_a_lesson_refuses_the_next_heartbeat(signed_in, lesson):
    assert beat(signed_in, lesson).status_code == 200
    pk = lesson.pk
    lesson.delete()
    response = signed_in.post(
        URL, data=json.dumps({"lesson": pk, "position": 3, "ranges": [[0, 3]]}), content_type="application/json"
    )
    assert response.status_code == 404


def test_a_draft_is_refused_until_it_is_published_and_unknown_ids_are_not_cached(signed_in, make_lesson):
    draft = make_lesson(live=False, publish=False)
    assert beat(signed_in, draft).status_code == 404
    draft.save_revision().publish()
    assert beat(signed_in, draft).status_code == 200
    response = signed_in.post(
        URL, data=json.dumps({"lesson": 987654, "position": 3, "ranges": [[0, 3]]}), content_type="application/json"
    )
    assert response.status_code == 404
    assert cache.get("lessons:access:987654") is None


def test_a_recording_without_a_duration_yet_is_not_cached(make_lesson, make_recording):
    recording = make_recording(duration=0)  # not probed yet
    lesson = make_lesson(recording=recording)
    assert access.lesson_access(lesson.pk).duration is None
    type(recording).objects.filter(pk=recording.pk).update(duration=80)  # the probe, as media saves it
    assert access.lesson_access(lesson.pk).duration == 80


def test_forgetting_happens_again_after_commit(lesson, django_capture_on_commit_callbacks):
    # A heartbeat that read the old rows just before a privacy change commits must not leave them
    # cached: the entry is dropped once more when the change commits.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        PageViewRestriction.objects.create(page=lesson, restriction_type="password", password="secret")
    cache.set(f"lessons:access:{lesson.pk}", (100.0, ()))  # a stale entry written in between
    for callback in callbacks:
        callback()
    assert access.lesson_access(lesson.pk).restrictions != ()


def test_signed_in_members_stay_signed_in_when_the_cache_is_cleared(signed_in, lesson):
    # Sessions live in the cache with the database behind them.
    assert beat(signed_in, lesson).status_code == 200
    cache.clear()
    assert beat(signed_in, lesson).status_code == 200
