"""A source cut short is refused with the decoded length, never published as 可播放."""

import pytest

from media.models import Recording

from .conftest import make_clip

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def cut_at_20_percent(tmp_path_factory):
    """A 4 s MP4 with its index at the front (faststart), cut at 20 % of its bytes: the container
    still claims 4 s, only the first fraction decodes."""
    folder = tmp_path_factory.mktemp("cut")
    full = make_clip(folder / "full.mp4", seconds=4, extra=("-movflags", "+faststart"))
    data = full.read_bytes()
    cut = folder / "cut.mp4"
    cut.write_bytes(data[: len(data) // 5])
    return cut


def test_a_truncated_recording_fails_with_its_real_length_and_keeps_the_original(cut_at_20_percent, ingest, settings):
    recording = ingest(cut_at_20_percent, title="被截断的录像")
    assert recording.duration == pytest.approx(4, abs=0.1), "the probe believes the container"
    assert recording.status == Recording.Status.FAILED
    assert recording.failure_reason.startswith("文件不完整：时长只有 ")
    assert "应为 4 秒" in recording.failure_reason and "原文件已保留" in recording.failure_reason
    assert recording.rendition_key == "" and recording.hls_url is None
    assert not (settings.MEDIA_ROOT / "recordings").exists() or not any((settings.MEDIA_ROOT / "recordings").rglob("*"))
    with open(recording.file.path, "rb") as handle:
        assert handle.read() == cut_at_20_percent.read_bytes()


def test_an_audio_file_cut_short_is_refused_too(tmp_path, ingest):
    full = make_clip(tmp_path / "talk.m4a", video=False, seconds=4, extra=("-movflags", "+faststart"))
    data = full.read_bytes()
    cut = tmp_path / "talk-cut.m4a"
    cut.write_bytes(data[: len(data) // 5])
    recording = ingest(cut, title="被截断的音频")
    assert recording.status == Recording.Status.FAILED
    assert "文件不完整" in recording.failure_reason


def test_complete_files_of_every_kind_pass_the_length_check(clips, ingest):
    for name in ("video", "silent", "audio"):
        recording = ingest(clips[name], title=name)
        assert recording.status == Recording.Status.READY, (name, recording.failure_reason)
