import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from wagtailmedia.models import AbstractMedia

from .storage import originals_storage


def original_upload_to(instance, filename):
    # One folder per upload: two originals with the same name never collide or overwrite.
    return f"{uuid.uuid4().hex}/{filename}"


class Recording(AbstractMedia):
    """A recorded lesson, talk or audio guide: wagtailmedia's media item plus the pipeline's state."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        PROBING = "probing", "检测中"
        QUEUED = "queued", "排队中"
        TRANSCODING = "transcoding", "转码中"
        READY = "ready", "可播放"
        FAILED = "failed", "失败"

    # The original stays in private storage whatever happens to the transcode.
    file = models.FileField("文件", upload_to=original_upload_to, storage=originals_storage, max_length=500)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    progress = models.FloatField("进度（%）", default=0)
    failure_reason = models.TextField("失败原因", blank=True)
    probe = models.JSONField("检测结果", default=dict, blank=True)
    # Who may have the files: the checking view decides from this flag on every request, so a
    # switch takes effect when its transaction commits, before any file has moved.
    members_only = models.BooleanField(
        "仅限党员", default=False, help_text="勾选后，文件只提供给已登录的用户，不会有公开地址。"
    )
    # Where the current rendition's files are (private location or public one). It follows
    # members_only through the `privacy` queue; while they differ, files go through the view.
    files_private = models.BooleanField(default=False, editable=False)
    # What the last successful transcode produced (file names relative to the rendition folder).
    renditions = models.JSONField("转码结果", default=dict, blank=True, editable=False)
    rendition_key = models.CharField(max_length=32, blank=True, editable=False)
    # Lease held by the worker running the transcode; an expired lease means the worker died.
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    # When the transcode and the privacy move were last put on a queue: the recovery sweeps queue
    # them again when a queue lost its messages (Redis restarted empty).
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    privacy_queued_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Duration and size come from the probe, not from the editor.
    admin_form_fields = ("title", "file", "collection", "thumbnail", "tags")

    class Meta(AbstractMedia.Meta):
        verbose_name = "音视频"
        verbose_name_plural = "音视频"

    # --- files ------------------------------------------------------------------------------

    @property
    def url(self):
        """The original, for editors only (wagtailmedia's admin links here)."""
        if not self.pk or not self.file:
            return ""
        return reverse("media:original", args=[self.pk])

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.rendition_key)

    @property
    def is_audio_only(self) -> bool:
        return bool(self.renditions) and not self.renditions.get("variants")

    def rendition_dir(self) -> Path | None:
        """The local folder of the current rendition (filesystem backend only; tests and tools)."""
        from .backends import get_storage_backend

        backend = get_storage_backend()
        if not self.rendition_key or not hasattr(backend, "folder"):
            return None
        return backend.folder(self.pk, self.rendition_key, private=self.files_private)

    @property
    def files_are_public(self) -> bool:
        """Anyone may have the files and they sit in the public location: direct URLs are fine."""
        return not self.members_only and not self.files_private

    def rendition_file_url(self, name: str | None) -> str | None:
        if not name or not self.is_ready:
            return None
        if self.files_are_public:
            from .backends import get_storage_backend

            direct = get_storage_backend().public_url(self.pk, self.rendition_key, name)
            if direct:
                return direct
        return reverse("media:rendition", args=[self.pk, self.rendition_key, name])

    @property
    def hls_url(self):
        return self.rendition_file_url(self.renditions.get("hls"))

    @property
    def mp4_url(self):
        return self.rendition_file_url(self.renditions.get("mp4"))

    @property
    def audio_edition_url(self):
        return self.rendition_file_url(self.renditions.get("audio"))

    @property
    def audio_edition_size(self):
        """Bytes of the m4a audio edition (podcast enclosures need the length), or None."""
        return self.renditions.get("audio_size") if self.is_ready else None

    @property
    def poster_url(self):
        return self.rendition_file_url(self.renditions.get("poster"))

    @property
    def storyboard_vtt_url(self):
        return self.rendition_file_url(self.renditions.get("storyboard_vtt"))

    @property
    def storyboard_sprite_url(self):
        return self.rendition_file_url(self.renditions.get("storyboard_sprite"))

    @property
    def sources(self):
        sources = []
        if self.hls_url:
            sources.append({"src": self.hls_url, "type": "application/vnd.apple.mpegurl"})
        if self.mp4_url:
            sources.append({"src": self.mp4_url, "type": "video/mp4"})
        if self.audio_edition_url:
            sources.append({"src": self.audio_edition_url, "type": "audio/mp4"})
        return sources


class Upload(models.Model):
    """A resumable (tus 1.0) upload in progress. The bytes live in the private staging area; the
    file on disk is the truth for the offset, so an interrupted request loses nothing it delivered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    length = models.BigIntegerField("总大小")
    filename = models.CharField("文件名", max_length=255)
    title = models.CharField("标题", max_length=255)
    members_only = models.BooleanField("仅限党员", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    recording = models.ForeignKey(
        Recording, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "上传"
        verbose_name_plural = "上传"

    def __str__(self):
        return f"{self.filename} ({self.length} bytes)"

    @property
    def part_path(self) -> Path:
        from .storage import staging_dir

        folder = staging_dir() / "tus"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{self.pk}.part"

    @property
    def offset(self) -> int:
        if self.recording_id is not None:
            return self.length  # finished: the bytes have become the recording's original
        try:
            return self.part_path.stat().st_size
        except FileNotFoundError:
            return 0


def new_stream_name() -> str:
    # The name in the RTMP and HLS paths: random, so a live's playlist cannot be guessed from its id.
    return uuid.uuid4().hex


class LiveStream(models.Model):
    """A scheduled live broadcast (RTMP in, HLS out) and its replay. Generic: a domain app links to it
    (a lesson page's live_stream). Changed only by media.live (the publish callbacks, the sweep and
    the replay task); the secret stream key is stored as a SHA-256 hash and shown once."""

    class Status(models.TextChoices):
        UPCOMING = "upcoming", "即将开始"
        LIVE = "live", "直播中"
        ENDED = "ended", "直播已结束"
        REPLAY_PROCESSING = "replay_processing", "回放准备中"
        REPLAY_READY = "replay_ready", "回放已就绪"

    title = models.CharField("标题", max_length=255)
    scheduled_start = models.DateTimeField("计划开始时间")
    scheduled_end = models.DateTimeField("计划结束时间")
    members_only = models.BooleanField(
        "仅限党员",
        default=False,
        help_text="勾选后，直播和回放只提供给已登录的用户（关联党课的观看范围也会同步）。",
    )
    stream_name = models.CharField(max_length=32, unique=True, default=new_stream_name, editable=False)
    key_hash = models.CharField(max_length=64, blank=True, editable=False)
    key_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    key_revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.UPCOMING, editable=False, db_index=True
    )
    # True between an accepted publish and its publish_done: an encoder is sending right now.
    publishing = models.BooleanField(default=False, editable=False)
    # The last sign of the encoder: the accepted publish, then nginx-rtmp's on_update every 30 s. A
    # publish whose publish_done never came (nginx restarted) is known dead when this gets old.
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField("开播时间", null=True, blank=True, editable=False)
    disconnected_at = models.DateTimeField("断开时间", null=True, blank=True, editable=False)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True, editable=False)
    publish_count = models.PositiveIntegerField("推流次数", default=0, editable=False)
    recording = models.ForeignKey(
        Recording,
        verbose_name="回放",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    replay_parts = models.JSONField("回放分段", default=list, blank=True, editable=False)
    failure_reason = models.TextField("问题", blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "直播"
        verbose_name_plural = "直播"
        ordering = ["-scheduled_start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheduled_end__gt=models.F("scheduled_start")),
                name="media_live_end_after_start",
            )
        ]

    def __str__(self):
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.scheduled_start and self.scheduled_end and self.scheduled_end <= self.scheduled_start:
            raise ValidationError({"scheduled_end": "结束时间须晚于开始时间。"})

    @property
    def state(self) -> str:
        """The status as viewers see it: a replay being prepared is ready once its recording is."""
        if self.status == self.Status.REPLAY_PROCESSING and self.recording_id and self.recording.is_ready:
            return self.Status.REPLAY_READY
        return self.status

    @property
    def state_label(self) -> str:
        return self.Status(self.state).label

    @property
    def has_key(self) -> bool:
        return bool(self.key_hash)
