"""Files the pipeline must refuse, with the reason shown and nothing else touched."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from media.models import Recording
from media.probe import MediaRejected, probe_file
from media.services import ingest_file

pytestmark = pytest.mark.django_db


def all_files(root):
    root = Path(root)
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def bad_files(tmp_path, clips):
    secret = tmp_path / "secret.ts"
    secret.write_bytes(b"\x47" * 188 * 4)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(clips["video"].read_bytes()[: clips["video"].stat().st_size // 2])
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("这是一份讲稿，不是视频。\n", encoding="utf-8")
    playlist = tmp_path / "lesson.mp4"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{secret}\n#EXT-X-ENDLIST\n")
    concat = tmp_path / "joined.mkv"
    concat.write_text(f"ffconcat version 1.0\nfile '{secret}'\n")
    # A playlist that is not valid text (so it passes for binary) pointing at a real local file.
    disguised = tmp_path / "disguised.mp4"
    disguised.write_bytes(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{clips['video']}\n#EXT-X-ENDLIST\n".encode()
        + b"#\xff\xfe\n"
    )
    return {
        "empty": (empty, "空"),
        "text": (text, "文本文件"),
        "truncated": (truncated, "损坏或不完整"),
        "playlist": (playlist, "播放列表"),
        "concat": (concat, "引用其他文件"),
        "reference": (disguised, "播放列表"),
        "secret": secret,
    }


@pytest.mark.parametrize("name", ["empty", "text", "truncated", "playlist", "concat", "reference"])
def test_ingest_refuses_with_the_reason_and_leaves_nothing_behind(bad_files, name, settings):
    path, words = bad_files[name]
    before = path.read_bytes()
    secret_before = bad_files["secret"].read_bytes()
    with pytest.raises(MediaRejected) as error:
        ingest_file(path, title="坏文件")
    assert words in error.value.reason
    assert not Recording.objects.exists()
    assert all_files(settings.MEDIA_ROOT) == []
    assert [p for p in all_files(settings.PRIVATE_MEDIA_ROOT) if p.parts[0] != "staging"] == []
    assert all_files(Path(settings.PRIVATE_MEDIA_ROOT) / "staging") == []
    assert path.read_bytes() == before
    assert bad_files["secret"].read_bytes() == secret_before


def test_too_long_and_too_large_are_refused(clips, settings):
    settings.MEDIA_MAX_DURATION = 2
    with pytest.raises(MediaRejected, match="超过上限"):
        probe_file(clips["video"])
    settings.MEDIA_MAX_DURATION = 3600
    settings.MEDIA_MAX_UPLOAD_SIZE = 100
    with pytest.raises(MediaRejected, match="文件太大"):
        probe_file(clips["video"])


def test_an_admin_upload_that_is_not_media_fails_with_the_reason_and_keeps_the_original(
    django_capture_on_commit_callbacks, settings
):
    recording = Recording(title="讲稿", type="video")
    recording.file.save("讲稿.mp4", ContentFile("不是视频".encode()), save=False)
    with django_capture_on_commit_callbacks(execute=True):
        recording.save()
    recording.refresh_from_db()
    assert recording.status == Recording.Status.FAILED
    assert "文本文件" in recording.failure_reason
    assert Path(recording.file.path).is_file()
    assert recording.rendition_key == ""
    assert all_files(settings.MEDIA_ROOT) == []


def test_ffprobe_itself_refuses_demuxers_that_follow_references(bad_files):
    """Second line of defence: even a playlist that got past the sniffing never reaches the
    hls demuxer, which would open the file it names."""
    from media.probe import run_ffprobe

    path, _ = bad_files["reference"]
    with pytest.raises(MediaRejected, match="不支持的文件格式"):
        run_ffprobe(path)
