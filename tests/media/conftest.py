"""Tiny generated clips (lavfi testsrc/sine) for the media tests, made once per session."""

import subprocess
from pathlib import Path

import pytest

# A small ladder for tests: a 320x180 source gets three rungs in a fraction of a second.
TEST_LADDER = [(180, 400), (144, 300), (90, 200)]


def make_clip(path: Path, *, size="320x180", seconds=3, audio=True, video=True, extra=()):
    args = ["ffmpeg", "-v", "error", "-y", "-nostdin"]
    if video:
        args += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=25"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    args += ["-t", str(seconds)]
    if video:
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac"]
    args += [*extra, "file:" + str(path)]
    subprocess.run(args, check=True)
    return path


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    return {
        "video": make_clip(folder / "clip.mp4", seconds=7),
        "portrait": make_clip(folder / "portrait.mp4", size="180x320", seconds=2),
        "silent": make_clip(folder / "silent.mp4", audio=False, seconds=2),
        "audio": make_clip(folder / "talk.m4a", video=False, seconds=3),
        "folder": folder,
    }


@pytest.fixture(autouse=True)
def media_folders(settings, tmp_path):
    """Each test gets its own public and private media folders, so "nothing else touched" can be
    checked and no test sees another's files."""
    settings.MEDIA_ROOT = tmp_path / "public-media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    return settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def small_ladder(settings):
    settings.MEDIA_LADDER = TEST_LADDER
    return TEST_LADDER


@pytest.fixture
def ingest(db, django_capture_on_commit_callbacks, small_ladder):
    """ingest_file with the on-commit enqueue run at once (the ImmediateBackend then transcodes)."""
    from media.services import ingest_file

    def _ingest(path, *, title="测试录音", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            recording = ingest_file(path, title=title, **kwargs)
        recording.refresh_from_db()
        return recording

    return _ingest
