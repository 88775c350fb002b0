"""Study assignments (学习任务): lessons or a whole series that an organisation asks its subtree to
study by a due date, the roster frozen on the due date, and the reminders sent to members."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .organisations import Member, Organisation


def default_required_share() -> float:
    return float(settings.LESSONS_COMPLETION_RATIO)


class Assignment(models.Model):
    title = models.CharField("任务名称", max_length=120)
    description = models.TextField("说明", blank=True, max_length=1000)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="下达范围",
        on_delete=models.PROTECT,
        related_name="assignments",
        help_text="该组织及其全部下级组织的党员都要完成。",
    )
    series = models.ForeignKey(
        "lessons.LessonSeriesPage",
        verbose_name="整个系列",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="选择系列时，系列中已发布的全部党课都列入任务。",
    )
    lessons = models.ManyToManyField(
        "lessons.LessonPage", verbose_name="党课", blank=True, related_name="assignments"
    )
    starts_on = models.DateField("开始日期")
    due_on = models.DateField("截止日期")
    required_share = models.FloatField(
        "完成比例",
        default=default_required_share,
        validators=[MinValueValidator(0.1), MaxValueValidator(1.0)],
        help_text="每讲党课至少要看完的比例，默认 0.9（即 90%）。",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="下达人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("下达时间", auto_now_add=True)
    # Claimed by the periodic job (one UPDATE) before the reminders before the due date are queued.
    reminders_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the roster of the due date has been written to AssignmentMember.
    roster_frozen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "学习任务"
        verbose_name_plural = "学习任务"
        ordering = ["-due_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "due_on"], name="branches_assign_org_due")]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.starts_on and self.due_on and self.due_on < self.starts_on:
            raise ValidationError({"due_on": "截止日期不能早于开始日期。"})

    @property
    def required_percent(self) -> int:
        return round(self.required_share * 100)


class AssignmentMember(models.Model):
    """Who an assignment counts: the members of its subtree on the due date, written once after it.
    A member who later moves keeps this row (and their progress, which is per user)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="roster")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "学习任务名单"
        verbose_name_plural = "学习任务名单"
        constraints = [
            models.UniqueConstraint(fields=["assignment", "member"], name="branches_unique_assignment_member")
        ]
        indexes = [models.Index(fields=["assignment", "branch"], name="branches_assign_roster_branch")]

    def __str__(self):
        return f"{self.assignment_id} · {self.member_id}"


class AssignmentReminderKind(models.TextChoices):
    DUE = "due", "截止前提醒"
    NUDGE = "nudge", "书记提醒"


class AssignmentReminder(models.Model):
    """One reminder to one member on one day: the unique constraint keeps it to once a day."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reminders")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    kind = models.CharField(max_length=10, choices=AssignmentReminderKind.choices)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "member", "sent_on"], name="branches_unique_assignment_reminder"
            )
        ]

    def __str__(self):
        return f"提醒 {self.member_id} · {self.assignment_id} · {self.sent_on}"
