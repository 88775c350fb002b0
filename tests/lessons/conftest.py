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


def make_clip(path, *, seconds=3, size="160x90"):
    """A tiny test clip: lavfi testsrc + sine, a few seconds."""
    import subprocess

    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-nostdin",
         "-f", "lavfi", "-i", f"testsrc=size={size}:rate=15",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "file:" + str(path)],
        check=True,
    )
    return path


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("lesson-clips") / "lesson.mp4", seconds=6)


@pytest.fixture
def transcoded_recording(db, settings, tiny_clip, django_capture_on_commit_callbacks):
    """ingest_file + the transcode run inline (ImmediateBackend): a playable recording."""
    from media.services import ingest_file

    settings.MEDIA_LADDER = [(90, 200)]

    def _make(title="测试录像", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            recording = ingest_file(tiny_clip, title=title, **kwargs)
        recording.refresh_from_db()
        assert recording.is_ready, recording.failure_reason
        return recording

    return _make


class Clock:
    """Time control for heartbeats: `timezone.now()` returns `clock.now` until `clock.advance(s)`."""

    def __init__(self, start):
        self.now = start

    def advance(self, seconds):
        self.now += datetime.timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    from django.utils import timezone

    clock = Clock(datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC))
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def unmetered(settings):
    """Heartbeats not limited by real time, for tests about merging, clipping and completion
    (the budget itself is tested in test_progress_budget.py)."""
    settings.LESSONS_HEARTBEAT_ALLOWANCE_SECONDS = 10**7


@pytest.fixture
def playable_lesson(settings, tiny_clip):
    """`playable_lesson(title)`: a published lesson (with a speaker) under a new lesson index at the
    default site's root, playing the tiny clip transcoded to one small rung, for the player's browser tests."""

    def _make(title):
        from wagtail.models import Site

        from lessons.factories import LessonIndexPageFactory, LessonPageFactory, LessonSpeakerFactory
        from media.services import ingest_file

        settings.MEDIA_LADDER = [(90, 200)]
        recording = ingest_file(tiny_clip, title=f"{title}录像")  # ImmediateBackend: transcoded on commit
        recording.refresh_from_db()
        assert recording.is_ready, recording.failure_reason
        index = LessonIndexPageFactory(parent=Site.objects.get(is_default_site=True).root_page)
        lesson = LessonPageFactory(parent=index, title=title, recording=recording)
        LessonSpeakerFactory(page=lesson)
        lesson.save_revision().publish()
        return lesson

    return _make
