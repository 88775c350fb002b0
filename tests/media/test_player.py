"""The player include: markup contract for lesson pages, and the status message before it is ready."""

import pytest
from django.template import Context, Template

from media.models import Recording
from media.services import set_members_only

TAG = "{% load media_tags %}{% media_player recording captions=captions start=start %}"


def render(recording, captions=None, start=None):
    return Template(TAG).render(Context({"recording": recording, "captions": captions, "start": start}))


@pytest.mark.django_db
def test_a_recording_still_transcoding_shows_its_progress_instead_of_a_player():
    recording = Recording.objects.create(title="未完成", file="x/a.mp4", status="transcoding", progress=42.7)
    html = render(recording)
    assert "转码中 42%" in html
    assert "data-media-player" in html and f'data-recording-id="{recording.pk}"' in html
    assert "<video" not in html


@pytest.mark.django_db
def test_a_failed_recording_says_so():
    recording = Recording.objects.create(title="坏文件", file="x/a.mp4", status="failed", failure_reason="文件是空的。")
    assert "转码失败" in render(recording)


@pytest.mark.django_db
def test_a_ready_recording_renders_the_player_contract(clips, ingest):
    recording = ingest(clips["video"], title="党课")
    captions = [{"src": "/documents/1/zh.vtt", "srclang": "zh", "label": "中文"}]
    html = render(recording, captions=captions, start=12)
    assert f'<div class="media-player" data-media-player data-recording-id="{recording.pk}"' in html
    assert f'data-hls="{recording.hls_url}"' in html
    assert f'data-mp4="{recording.mp4_url}"' in html
    assert f'data-audio="{recording.audio_edition_url}"' in html
    assert 'data-start="12.000"' in html
    assert '<track kind="captions" src="/documents/1/zh.vtt" srclang="zh" label="中文" default>' in html
    assert "只听声音" in html and 'value="0.75"' in html and 'value="2"' in html
    assert "vendor/hls.min.js" in html and "media/player.js" in html


@pytest.mark.django_db
def test_members_only_moves_the_files_out_of_public_storage_and_changes_the_url(clips, ingest, settings):
    recording = ingest(clips["audio"], title="只听")
    public_dir = recording.rendition_dir()
    public_url = recording.audio_edition_url
    assert str(public_dir).startswith(str(settings.MEDIA_ROOT))
    set_members_only(recording, True)
    recording.refresh_from_db()
    assert recording.members_only
    assert not public_dir.exists()
    assert str(recording.rendition_dir()).startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert (recording.rendition_dir() / "audio.m4a").is_file()
    assert recording.audio_edition_url != public_url
    set_members_only(recording, False)
    recording.refresh_from_db()
    assert str(recording.rendition_dir()).startswith(str(settings.MEDIA_ROOT))
    assert (recording.rendition_dir() / "audio.m4a").is_file()


@pytest.mark.django_db
def test_the_factory_gives_other_apps_a_playable_looking_recording():
    from media.factories import RecordingFactory

    recording = RecordingFactory(ready=True)
    recording.refresh_from_db()
    assert recording.status == Recording.Status.READY
    html = render(recording)
    assert "<video" in html and recording.audio_edition_size == 21_600_000
    assert recording.poster_url.endswith("/poster.jpg")
    assert RecordingFactory().status == Recording.Status.UPLOADED
