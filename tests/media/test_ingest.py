"""ingest_file end to end: copy, probe, transcode (ImmediateBackend runs the task on commit)."""

import m3u8
import pytest

from media.models import Recording
from media.probe import MediaRejected
from media.services import ingest_file

pytestmark = pytest.mark.django_db


def test_ingest_transcodes_a_video_into_every_rendition(clips, ingest):
    recording = ingest(clips["video"], title="党课示例")
    assert recording.status == Recording.Status.READY, recording.failure_reason
    assert recording.progress == 100
    assert recording.duration == pytest.approx(7, abs=0.1)
    folder = recording.rendition_dir()
    master = m3u8.load(str(folder / "hls" / "master.m3u8"))
    assert [p.stream_info.resolution for p in master.playlists] == [(320, 180), (256, 144), (160, 90)]
    assert recording.hls_url.endswith("/hls/master.m3u8")
    assert recording.audio_edition_size == (folder / "audio.m4a").stat().st_size
    assert recording.poster_url and recording.mp4_url and recording.storyboard_vtt_url


def test_ingest_rejects_a_text_file_and_keeps_nothing(tmp_path):
    fake = tmp_path / "lesson.mp4"
    fake.write_text("not a video at all", encoding="utf-8")
    with pytest.raises(MediaRejected) as error:
        ingest_file(fake, title="假视频")
    assert "文本" in error.value.reason
    assert not Recording.objects.exists()
