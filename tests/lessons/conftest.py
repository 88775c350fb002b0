import datetime

import pytest


@pytest.fixture
def lesson_index(home_page):
    from lessons.factories import LessonIndexPageFactory

    return LessonIndexPageFactory(parent=home_page)


@pytest.fixture
def series(lesson_index):
    from lessons.factories import LessonSeriesPageFactory

    return LessonSeriesPageFactory(parent=lesson_index, title="党课开讲啦·月讲悦听", slug="monthly")


@pytest.fixture
def make_recording(db):
    """make_recording(duration=100) -> a Recording row with a tiny file (no transcode)."""
    from django.core.files.base import ContentFile

    from media.models import Recording

    def _make(duration=100.0, title="录像", **extra):
        return Recording.objects.create(
            title=title, type="video", duration=duration, file=ContentFile(b"\x00" * 16, name="clip.mp4"), **extra
        )

    return _make


@pytest.fixture
def make_lesson(lesson_index):
    """make_lesson(title=..., speakers=[Speaker...], audience="public", publish=True, **fields)."""
    from lessons.factories import LessonPageFactory, LessonSpeakerFactory, SpeakerFactory

    def _make(*, speakers=None, tags=(), publish=True, parent=None, **fields):
        fields.setdefault("date_given", datetime.date(2025, 6, 1))
        lesson = LessonPageFactory(parent=parent or lesson_index, **fields)
        for speaker in speakers if speakers is not None else [SpeakerFactory()]:
            LessonSpeakerFactory(page=lesson, speaker=speaker)
        if tags:
            lesson.tags.add(*tags)
        if publish:
            lesson.save_revision().publish()
        return lesson

    return _make


@pytest.fixture
def member(make_user):
    return make_user("member1", role="党员")
