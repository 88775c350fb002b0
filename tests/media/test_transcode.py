"""Full transcodes with the real ffmpeg on tiny generated clips."""

import json
import subprocess

import m3u8
import pytest

from media.models import Recording

pytestmark = pytest.mark.django_db


def ffprobe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", "file:" + str(path)],
        capture_output=True, check=True,
    ).stdout
    return json.loads(out)


def streams(info, kind):
    return [s for s in info["streams"] if s["codec_type"] == kind]


def test_master_playlist_parses_and_every_variant_has_the_right_size_and_duration(clips, ingest):
    recording = ingest(clips["video"])
    assert recording.status == Recording.Status.READY, recording.failure_reason
    folder = recording.rendition_dir()
    hls = folder / "hls"
    master = m3u8.load(str(hls / "master.m3u8"))
    assert master.is_variant
    expected = [(320, 180), (256, 144), (160, 90)]
    assert [p.stream_info.resolution for p in master.playlists] == expected
    # The audio group is a rendition of the variants, never a variant of its own.
    assert all(p.stream_info.audio == "audio" for p in master.playlists)
    assert [(m.type, m.group_id, m.uri) for m in master.media] == [("AUDIO", "audio", "audio/index.m3u8")]
    segment_durations = []
    for playlist, (width, height) in zip(master.playlists, expected, strict=True):
        media_playlist = m3u8.load(str(hls / playlist.uri))
        segment_durations.append([round(s.duration, 2) for s in media_playlist.segments])
        assert {s.uri for s in media_playlist.segments} == {"media.m4s"}  # single-file fMP4, byte ranges
        info = ffprobe(hls / playlist.uri.replace("index.m3u8", "media.m4s"))
        (video,) = streams(info, "video")
        assert (video["codec_name"], video["width"], video["height"]) == ("h264", width, height)
        assert float(info["format"]["duration"]) == pytest.approx(7, abs=0.2)
        # BANDWIDTH comes from the real bytes: far below the cap for this still-ish clip.
        size_bits = (hls / playlist.uri.replace("index.m3u8", "media.m4s")).stat().st_size * 8
        assert playlist.stream_info.average_bandwidth <= size_bits / 6.5 + 200_000
        assert playlist.stream_info.bandwidth >= playlist.stream_info.average_bandwidth
    # Keyframes aligned: every rung cuts its segments at the same 6 s boundaries.
    assert segment_durations[0] == [6.0, 1.0]
    assert all(durations == segment_durations[0] for durations in segment_durations)

    mp4 = ffprobe(folder / "video.mp4")
    assert (streams(mp4, "video")[0]["height"], len(streams(mp4, "audio"))) == (180, 1)
    assert float(mp4["format"]["duration"]) == pytest.approx(7, abs=0.2)
    head = (folder / "video.mp4").read_bytes()
    assert head.index(b"moov") < head.index(b"mdat"), "faststart: the index comes first"

    audio = ffprobe(folder / "audio.m4a")
    assert [s["codec_name"] for s in audio["streams"]] == ["aac"]
    assert float(audio["format"]["duration"]) == pytest.approx(7, abs=0.2)
    assert recording.audio_edition_size == (folder / "audio.m4a").stat().st_size

    poster = streams(ffprobe(folder / "poster.jpg"), "video")[0]
    assert (poster["width"], poster["height"]) == (320, 180)
    sprite = streams(ffprobe(folder / "storyboard.jpg"), "video")[0]
    assert (sprite["width"], sprite["height"]) == (160, 90)
    assert "storyboard.jpg#xywh=0,0,160,90" in (folder / "storyboard.vtt").read_text()


def test_portrait_video_is_laddered_by_its_short_side(clips, ingest):
    recording = ingest(clips["portrait"])
    master = m3u8.load(str(recording.rendition_dir() / "hls" / "master.m3u8"))
    assert [p.stream_info.resolution for p in master.playlists] == [(180, 320), (144, 256), (90, 160)]


def test_audio_only_upload_produces_the_audio_edition_only(clips, ingest):
    recording = ingest(clips["audio"])
    assert recording.status == Recording.Status.READY, recording.failure_reason
    assert recording.type == "audio"
    assert recording.hls_url is None and recording.mp4_url is None and recording.poster_url is None
    folder = recording.rendition_dir()
    assert sorted(p.name for p in folder.iterdir()) == ["audio.m4a"]
    info = ffprobe(folder / "audio.m4a")
    assert [s["codec_type"] for s in info["streams"]] == ["audio"]
    assert float(info["format"]["duration"]) == pytest.approx(3, abs=0.2)
    assert recording.audio_edition_url.endswith("/audio.m4a")


def test_video_without_audio_works_and_has_no_audio_edition(clips, ingest):
    recording = ingest(clips["silent"])
    assert recording.status == Recording.Status.READY, recording.failure_reason
    folder = recording.rendition_dir()
    master = m3u8.load(str(folder / "hls" / "master.m3u8"))
    assert not master.media
    assert len(master.playlists) == 3
    assert "mp4a" not in master.playlists[0].stream_info.codecs
    assert not streams(ffprobe(folder / "video.mp4"), "audio")
    assert recording.audio_edition_url is None
    assert not (folder / "audio.m4a").exists()


def test_a_file_name_with_spaces_chinese_and_a_leading_dash(clips, ingest, tmp_path):
    tricky = tmp_path / "-i 党课 第1讲 (终版).mp4"
    tricky.write_bytes(clips["video"].read_bytes())
    recording = ingest(tricky, title="第1讲")
    assert recording.status == Recording.Status.READY, recording.failure_reason
    assert recording.file.name.endswith(".mp4")
    assert "党课" in recording.file.name
    assert recording.rendition_dir().joinpath("hls", "master.m3u8").is_file()


def test_the_work_area_is_empty_after_publishing(clips, ingest, settings):
    from pathlib import Path

    recording = ingest(clips["silent"])
    work = Path(settings.PRIVATE_MEDIA_ROOT) / "work"
    assert not list(work.glob(f"{recording.pk}-*"))
