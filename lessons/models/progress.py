from django.conf import settings
from django.db import models


class LessonProgress(models.Model):
    """One member's playback of one lesson: where they stopped and the distinct seconds they played.

    Rows are only ever changed by `lessons.services.progress.record_heartbeat`, under a row lock."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey("lessons.LessonPage", on_delete=models.CASCADE, related_name="progress_records")
    position = models.FloatField("播放位置（秒）", default=0)
    played_ranges = models.JSONField("已播放区间", default=list, blank=True)
    played_seconds = models.FloatField("已播放秒数（去重）", default=0)
    # Distinct seconds added in each calendar year (local time), for study hours per year.
    seconds_by_year = models.JSONField("各年学习秒数", default=dict, blank=True)
    duration = models.FloatField("时长（秒）", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    # When the last heartbeat was accepted: the next one may add at most the wall-clock time since
    # then times LESSONS_MAX_PLAYBACK_RATE (plus an allowance). None until the first heartbeat.
    last_heartbeat_at = models.DateTimeField("最近心跳时间", null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "学习进度"
        verbose_name_plural = "学习进度"
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="lessons_progress_unique_user_lesson")]
        indexes = [models.Index(fields=["user", "-updated_at"], name="lessons_progress_user_recent")]

    def __str__(self):
        return f"{self.user} · {self.lesson_id} · {self.position:.0f}s"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def percent(self) -> int:
        if not self.duration:
            return 0
        return min(100, int(self.played_seconds * 100 / self.duration))
