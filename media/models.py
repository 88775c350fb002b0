from django.db import models
from wagtailmedia.models import AbstractMedia


class Recording(AbstractMedia):
    """A recorded lesson, talk or audio guide: wagtailmedia's media item plus the pipeline's state."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        PROBING = "probing", "检测中"
        QUEUED = "queued", "排队中"
        TRANSCODING = "transcoding", "转码中"
        READY = "ready", "可播放"
        FAILED = "failed", "失败"

    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.UPLOADED, db_index=True
    )
    progress = models.FloatField("进度（%）", default=0)
    failure_reason = models.TextField("失败原因", blank=True)
    probe = models.JSONField("检测结果", default=dict, blank=True)

    class Meta(AbstractMedia.Meta):
        verbose_name = "音视频"
        verbose_name_plural = "音视频"
