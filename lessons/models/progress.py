from django.conf import settings
from django.db import models


class LessonProgress(models.Model):
    """One member's playback of one lesson: where they stopped and the distinct seconds they played.

    Rows are only ever changed under a row lock, by `lessons.services.progress.record_heartbeat`
    (watching alone, 自学) and `lessons.services.group_viewing.credit_group_viewing` (集体学习)."""

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
    # then times LESSONS_MAX_PLAYBACK_RATE (plus an allowance). A heartbeat that used the allowance
    # sets it a little after its own time (see services.progress.next_heartbeat_clock). None until
    # the first heartbeat.
    last_heartbeat_at = models.DateTimeField("最近心跳时间", null=True, blank=True, editable=False)
    # Group viewing (集体学习): the lesson's length, credited once when the member was marked present
    # at a session that watched it together (GroupViewingCredit holds each source), and when first.
    # seconds_by_year includes these seconds, booked in the year of group_credited_at.
    group_seconds = models.FloatField("集体学习秒数", default=0)
    group_credited_at = models.DateTimeField("集体学习时间", null=True, blank=True)
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
    def self_study_seconds(self) -> float:
        """Distinct seconds watched alone (自学)."""
        return self.played_seconds

    @property
    def completed_alone(self) -> bool:
        """Watched alone to the completion share (LESSONS_COMPLETION_RATIO of the duration)."""
        from ..ranges import is_complete

        return is_complete(self.played_seconds, self.duration, threshold=settings.LESSONS_COMPLETION_RATIO)

    @property
    def is_group_viewed(self) -> bool:
        return self.group_credited_at is not None

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def percent(self) -> int:
        if not self.duration:
            return 0
        return min(100, int(self.played_seconds * 100 / self.duration))


class GroupViewingCredit(models.Model):
    """One source's credit of a lesson watched together to one member: a session they were marked
    present at, say. ``source_key`` is opaque to lessons ("branches.session:12"), so lessons never
    imports the app that credits. LessonProgress.group_seconds / group_credited_at aggregate these
    rows: the lesson counts once however many sources credit it, and only while one still does."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_viewings")
    lesson = models.ForeignKey("lessons.LessonPage", on_delete=models.CASCADE, related_name="group_viewings")
    source_key = models.CharField("来源", max_length=100)
    viewed_at = models.DateTimeField("观看时间")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "集体学习记录"
        verbose_name_plural = "集体学习记录"
        constraints = [
            models.UniqueConstraint(fields=["source_key", "user", "lesson"], name="lessons_group_viewing_unique")
        ]
        indexes = [models.Index(fields=["user", "lesson"], name="lessons_group_viewing_member")]

    def __str__(self):
        return f"{self.user_id} · {self.lesson_id} · {self.source_key}"
