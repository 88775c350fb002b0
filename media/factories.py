"""Factories for tests in other apps that need a Recording without running ffmpeg.

RecordingFactory() is a freshly uploaded item; RecordingFactory(ready=True) looks transcoded (the
manifest and key are set, so URLs and the player render) but has no files on disk: use
media.services.ingest_file with a generated clip when a test needs real files."""

import datetime
import secrets

import factory
from django.utils import timezone

from .models import LiveStream, Recording


class RecordingFactory(factory.django.DjangoModelFactory):
    title = factory.Sequence(lambda n: f"党课录音{n}")
    type = "video"
    file = factory.Sequence(lambda n: f"factory/{n}/lesson.mp4")
    duration = 1800.0
    members_only = False
    # Where the files sit follows the audience unless a test says otherwise (the state at rest).
    files_private = factory.SelfAttribute("members_only")

    class Meta:
        model = Recording
        skip_postgeneration_save = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # There is no real file to probe: keep the pipeline from queueing a transcode.
        instance = model_class(*args, **kwargs)
        instance._skip_processing = True
        instance.save()
        return instance

    class Params:
        ready = factory.Trait(
            status=Recording.Status.READY,
            progress=100,
            rendition_key=factory.LazyFunction(lambda: secrets.token_hex(12)),
            width=1280,
            height=720,
            renditions={
                "hls": "hls/master.m3u8",
                "mp4": "video.mp4",
                "mp4_size": 50_000_000,
                "audio": "audio.m4a",
                "audio_size": 21_600_000,
                "poster": "poster.jpg",
                "storyboard_vtt": "storyboard.vtt",
                "storyboard_sprite": "storyboard.jpg",
                "variants": [{"name": "v720", "width": 1280, "height": 720, "bandwidth": 900_000,
                              "average_bandwidth": 700_000, "size": 150_000_000}],
            },
        )


class LiveStreamFactory(factory.django.DjangoModelFactory):
    """A live an hour from now, lasting an hour; `live.issue_key(stream)` gives it a key."""

    title = factory.Sequence(lambda n: f"直播党课{n}")
    scheduled_start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=1))
    scheduled_end = factory.LazyAttribute(lambda o: o.scheduled_start + datetime.timedelta(hours=1))

    class Meta:
        model = LiveStream
