"""Making a lesson members-only closes its recording's files at once, while the worker is busy
(no task runs): the switch is in the same transaction as the lesson's privacy change."""

import pytest
from wagtail.models import PageViewRestriction

pytestmark = pytest.mark.django_db

FILES = ("video.mp4", "audio.m4a", "hls/master.m3u8", "hls/v90/index.m3u8", "hls/v90/media.m4s",
         "hls/audio/index.m3u8", "poster.jpg", "storyboard.jpg", "storyboard.vtt")


@pytest.fixture
def public_lesson(make_lesson, transcoded_recording):
    recording = transcoded_recording()
    lesson = make_lesson(title="公开党课", recording=recording)
    recording.refresh_from_db()
    assert not recording.members_only
    return lesson, recording


def file_urls(recording):
    return [f"/recordings/{recording.pk}/{recording.rendition_key}/{name}" for name in FILES]


def test_restricting_in_wagtails_privacy_dialog_refuses_every_file_at_once(client, member, public_lesson):
    lesson, recording = public_lesson
    urls = file_urls(recording)
    for url in urls:
        assert client.get(url).status_code in (200, 206), url
    # Wagtail's privacy dialog; the on-commit task (the privacy queue) never runs in this test.
    PageViewRestriction.objects.create(page=lesson, restriction_type=PageViewRestriction.LOGIN)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
    client.force_login(member)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"].startswith("private"), url


def test_publishing_a_lesson_as_members_only_refuses_its_files_at_once(client, member, public_lesson):
    from lessons.models import Audience

    lesson, recording = public_lesson
    urls = file_urls(recording)
    lesson.audience = Audience.MEMBERS
    lesson.save_revision().publish()
    for url in urls:
        assert client.get(url).status_code == 403, url
    client.force_login(member)
    assert client.get(urls[0]).status_code == 200


def test_public_files_are_cached_briefly(client, public_lesson, settings):
    _, recording = public_lesson
    response = client.get(file_urls(recording)[0])
    assert response["Cache-Control"] == f"public, max-age={settings.MEDIA_PUBLIC_MAX_AGE}"
    assert settings.MEDIA_PUBLIC_MAX_AGE <= 600
