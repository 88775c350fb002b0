from __future__ import annotations

import secrets
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from media.storage import originals_storage

from .organisations import Member, Organisation


class Cadence(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年"


class SessionType(models.Model):
    """A kind of organisational life with its required cadence; the city edits these in the admin."""

    name = models.CharField("名称", max_length=40, unique=True)
    slug = models.SlugField("代码", max_length=40, unique=True)
    cadence = models.CharField("频次", max_length=10, choices=Cadence.choices)
    required = models.BooleanField("纳入频次检查", default=True)
    default_rrule = models.CharField(
        "默认重复规则（RFC 5545 RRULE）",
        max_length=200,
        blank=True,
        help_text="例如 FREQ=MONTHLY;BYDAY=FR;BYSETPOS=2 表示每月第二个星期五。",
    )
    default_start_time = models.TimeField("默认开始时间", default="15:00")
    default_duration_minutes = models.PositiveIntegerField("默认时长（分钟）", default=90)
    committee_only = models.BooleanField("仅支委参加", default=False)
    needs_quorum = models.BooleanField("需达到法定人数", default=False)
    is_party_lesson = models.BooleanField("属于党课", default=False)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "会议类型"
        verbose_name_plural = "会议类型"
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.default_rrule:
            from ..services.recurrence import validate_rule

            try:
                validate_rule(self.default_rrule)
            except ValidationError as exc:
                raise ValidationError({"default_rrule": exc.messages}) from exc


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "计划"
    HELD = "held", "已召开"
    POSTPONED = "postponed", "已延期"
    CANCELLED = "cancelled", "已取消"


class SessionSeries(models.Model):
    """A year of one session type planned in one step from an RRULE; its sessions are the
    occurrences, each of which can be moved, postponed or cancelled on its own."""

    branch = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="session_series")
    session_type = models.ForeignKey(SessionType, on_delete=models.PROTECT)
    rrule = models.CharField("重复规则", max_length=200)
    dtstart = models.DateTimeField("起始")
    until = models.DateTimeField("截止")
    duration_minutes = models.PositiveIntegerField("时长（分钟）", default=90)
    place = models.CharField("地点", max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "会议计划"
        verbose_name_plural = "会议计划"

    def __str__(self):
        return f"{self.branch} · {self.session_type} · {self.rrule}"


class Session(ClusterableModel):
    branch = models.ForeignKey(
        Organisation, verbose_name="支部", on_delete=models.CASCADE, related_name="sessions"
    )
    session_type = models.ForeignKey(SessionType, verbose_name="类型", on_delete=models.PROTECT)
    topic = models.CharField("主题", max_length=200)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    place = models.CharField("地点", max_length=120, blank=True)
    organiser = models.ForeignKey(
        Member,
        verbose_name="组织人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organised_sessions",
    )
    # Who gives the party lesson: the secretary must give one a year (checked by the cadence report).
    lecturer = models.ForeignKey(
        Member,
        verbose_name="讲课人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lectured_sessions",
        help_text="党课由谁讲授；支部书记每年至少讲一次党课。",
    )
    agenda = models.TextField("议程", blank=True)
    route = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name="红色线路",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=12, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    minutes = models.TextField("会议记录", blank=True)
    decisions = models.TextField("决议事项", blank=True)
    # A group viewing of a recorded lesson counts as the branch's party lesson, whatever the type.
    counts_as_party_lesson = models.BooleanField("计为党课", default=False, editable=False)
    series = models.ForeignKey(
        SessionSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    occurrence_start = models.DateTimeField("原定时间", null=True, blank=True, editable=False)
    reminders_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["starts_at", "branch"], name="branches_session_start"),
            models.Index(fields=["branch", "starts_at"], name="branches_session_branch"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["series", "occurrence_start"], name="branches_unique_occurrence")
        ]

    def __str__(self):
        return f"{self.topic}（{self.starts_at:%Y-%m-%d}）"

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "结束时间必须晚于开始时间。"
        if self.branch_id and not self.branch.holds_sessions:
            errors["branch"] = "只有党支部可以安排三会一课。"
        if self.route_id and self.route.specific_class is not None:
            label = self.route.specific_class._meta.label
            if label != settings.BRANCHES_ROUTE_PAGE_TYPE:
                errors["route"] = "请选择红色线路页面。"
        if self.organiser_id and self.branch_id and self.organiser.branch_id != self.branch_id:
            errors["organiser"] = "组织人必须是本支部党员。"
        if self.lecturer_id and self.branch_id and self.lecturer.branch_id != self.branch_id:
            errors["lecturer"] = "讲课人必须是本支部党员。"
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.status != SessionStatus.CANCELLED


class SessionLesson(Orderable):
    """A recorded lesson watched together in the session."""

    session = ParentalKey(Session, on_delete=models.CASCADE, related_name="lesson_links")
    lesson = models.ForeignKey(
        "wagtailcore.Page", verbose_name="党课", on_delete=models.CASCADE, related_name="+"
    )

    class Meta(Orderable.Meta):
        verbose_name = "观看党课"
        verbose_name_plural = "观看党课"

    def clean(self):
        specific_class = self.lesson.specific_class if self.lesson_id else None
        if specific_class is not None and specific_class._meta.label != settings.BRANCHES_LESSON_PAGE_TYPE:
            raise ValidationError({"lesson": "请选择党课页面。"})


PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")  # nginx: deploy/nginx/hls_types.conf


def photo_upload_to(instance: SessionPhoto, filename: str) -> str:
    """Photos of a branch's meetings, under a random name (the name tells nothing and is never a URL)."""
    suffix = PurePosixPath(filename).suffix.lower()
    suffix = suffix if suffix in PHOTO_EXTENSIONS else ".jpg"
    return f"branch-photos/{instance.session.branch_id}/{uuid.uuid4().hex}{suffix}"


def validate_meeting_photo(value) -> None:
    """The checks 支部工作台's photo field makes (Wagtail's image field: a real image of an allowed
    format, at most WAGTAILIMAGES_MAX_UPLOAD_SIZE bytes and WAGTAILIMAGES_MAX_IMAGE_PIXELS pixels),
    for a photo added anywhere else too (the Wagtail admin's inline). A stored photo was checked
    when it came."""
    from wagtail.images.fields import WagtailImageField

    upload = getattr(value, "file", None)
    if getattr(value, "_committed", True) or upload is None:
        return
    WagtailImageField().to_python(upload)
    upload.seek(0)


class SessionPhoto(Orderable):
    """A photo of a meeting: private to the branch (committee-only meetings: to the invitees) and
    its organisation departments. Stored with the recordings' originals, where no URL reaches (the
    private folder, or the private bucket on S3), outside the Wagtail image library, and served only
    by the checking view branches:session_photo."""

    session = ParentalKey(Session, on_delete=models.CASCADE, related_name="photos")
    file = models.ImageField(
        "照片", storage=originals_storage, upload_to=photo_upload_to, max_length=255,
        validators=[validate_meeting_photo],
    )
    caption = models.CharField("说明", max_length=200, blank=True)
    # A smaller JPEG beside the file (branches.services.photos), made by a task after the upload.
    thumbnail = models.CharField(max_length=255, blank=True, editable=False)

    class Meta(Orderable.Meta):
        verbose_name = "会议照片"
        verbose_name_plural = "会议照片"


    @property
    def has_fresh_thumbnail(self) -> bool:
        """A thumbnail made from the photo's current file (a replaced file has a new random name)."""
        stem = PurePosixPath(self.file.name or "").with_suffix("").as_posix()
        return bool(self.file.name) and self.thumbnail.startswith(stem)


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "出席"
    LATE = "late", "迟到"
    LEAVE = "leave", "请假"
    ABSENT = "absent", "缺席"


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField("出勤", max_length=10, choices=AttendanceStatus.choices)
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    method = models.CharField("方式", max_length=10, choices=[("qr", "扫码"), ("manual", "手工")])
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "出勤"
        verbose_name_plural = "出勤"
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="branches_unique_attendance")
        ]

    def __str__(self):
        return f"{self.member} · {self.get_status_display()}"


class LeaveStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class LeaveRequest(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="leave_requests")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="leave_requests")
    reason = models.CharField("请假事由", max_length=300)
    status = models.CharField(max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "请假"
        verbose_name_plural = "请假"
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="branches_unique_leave")]

    def __str__(self):
        return f"{self.member} 请假（{self.get_status_display()}）"


class SessionReminder(models.Model):
    """One row per reminder sent: the unique constraint is what makes sending at most once."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="branches_unique_reminder")]

    def __str__(self):
        return f"提醒 {self.member_id} · {self.session_id}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class FeedToken(models.Model):
    """A secret, revocable calendar feed URL for one member or one whole branch."""

    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="feed_tokens"
    )
    branch = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="feed_tokens"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member__isnull=False, branch__isnull=True)
                | models.Q(member__isnull=True, branch__isnull=False),
                name="branches_feed_token_one_owner",
            )
        ]

    def __str__(self):
        return f"日历订阅 {self.member or self.branch}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
