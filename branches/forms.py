from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from wagtail.images.fields import WagtailImageField
from wagtail.models import Page

from .models import AttendanceStatus, Member, Session, SessionType
from .services import live_viewing
from .services.cadence import PERIOD_KINDS
from .services.recurrence import validate_rule

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# <input type="date"> takes only ISO dates: the zh-hans format (2026/12/08) would show as empty.
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def pages_of(label: str):
    app_label, model = label.lower().split(".")
    return (
        Page.objects.live()
        .filter(content_type__app_label=app_label, content_type__model=model)
        .order_by("title")
    )


class SessionForm(forms.ModelForm):
    lessons = forms.ModelMultipleChoiceField(
        label="观看党课",
        queryset=Page.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="集体观看党课视频可计为本支部的党课。",
    )
    photo = WagtailImageField(label="上传会议照片", required=False)
    photo_caption = forms.CharField(label="照片说明", max_length=200, required=False)

    class Meta:
        model = Session
        fields = [
            "session_type",
            "topic",
            "starts_at",
            "ends_at",
            "place",
            "organiser",
            "lecturer",
            "agenda",
            "route",
            "minutes",
            "decisions",
        ]
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 5}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.branch = branch
        self.fields["organiser"].queryset = Member.objects.filter(branch=branch, is_active=True)
        self.fields["lecturer"].queryset = Member.objects.filter(branch=branch, is_active=True)
        self.fields["route"].queryset = pages_of(settings.BRANCHES_ROUTE_PAGE_TYPE)
        self.fields["route"].label_from_instance = lambda page: page.title
        self.fields["lessons"].queryset = pages_of(settings.BRANCHES_LESSON_PAGE_TYPE)
        # One query for the lives, not one per lesson listed.
        lives = {page.pk: page.live_stream for page in live_viewing.upcoming_live_lessons()}
        self.fields["lessons"].label_from_instance = lambda page: live_viewing.lesson_choice_label(
            page, lives.get(page.pk)
        )
        self.live_lessons = (
            live_viewing.upcoming_live_lessons().live().order_by("live_stream__scheduled_start")[:5]
        )
        if self.instance.pk:
            self.fields["lessons"].initial = [link.lesson_id for link in self.instance.lesson_links.all()]
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self):
        data = super().clean()
        for error in live_viewing.window_errors(
            data.get("lessons") or [], data.get("starts_at"), data.get("ends_at")
        ):
            self.add_error("lessons", error)
        return data


class PlanYearForm(forms.Form):
    session_type = forms.ModelChoiceField(label="会议类型", queryset=SessionType.objects.all())
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    rule = forms.CharField(
        label="重复规则（RRULE）",
        max_length=200,
        required=False,
        help_text="留空使用该类型的默认规则。例如 FREQ=MONTHLY;BYDAY=FR;BYSETPOS=2 为每月第二个星期五。"
        "只支持按年、按月、按周重复。",
        validators=[validate_rule],
    )
    start_time = forms.TimeField(
        label="开始时间", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    place = forms.CharField(label="地点", max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class PostponeForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="新的开始时间", widget=DATETIME_WIDGET, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )


class MoveForm(PostponeForm):
    pass


class LeaveForm(forms.Form):
    reason = forms.CharField(label="请假事由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class AttendanceForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="出勤", choices=AttendanceStatus.choices)


class ReportForm(forms.Form):
    period = forms.ChoiceField(
        label="周期", choices=[("month", "月"), ("quarter", "季度"), ("year", "年")], initial="quarter"
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    index = forms.IntegerField(label="月/季度", min_value=1, max_value=12, required=False)

    def clean(self):
        data = super().clean()
        kind, index = data.get("period"), data.get("index") or 1
        if kind in PERIOD_KINDS and kind == "quarter" and index > 4:
            self.add_error("index", "季度应为 1-4")
        data["index"] = index
        return data


def local_datetime(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


# Lessons the assignment form lists as checkboxes without a search (the newest first).
RECENT_LESSONS_LISTED = 30


class AssignmentForm(forms.Form):
    """The site form to give a study assignment (学习任务) to an organisation's subtree."""

    title = forms.CharField(label="任务名称", max_length=120)
    description = forms.CharField(
        label="说明", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    organisation = forms.ModelChoiceField(
        label="下达范围", queryset=None, help_text="该组织及其全部下级组织的党员都要完成。"
    )
    series = forms.ModelChoiceField(
        label="整个系列",
        queryset=Page.objects.none(),
        required=False,
        help_text="选择系列时，系列中已发布的全部党课都列入任务。",
    )
    lessons = forms.ModelMultipleChoiceField(
        label="党课", queryset=Page.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    starts_on = forms.DateField(label="开始日期", widget=DATE_WIDGET)
    due_on = forms.DateField(label="截止日期", widget=DATE_WIDGET)
    required_percent = forms.IntegerField(
        label="完成比例（%）",
        min_value=10,
        max_value=100,
        help_text="每讲党课至少要看完的比例，默认 90%，与平台的学完标准一致。",
    )

    def __init__(self, *args, organisations, **kwargs):
        from lessons.models import LessonPage, LessonSeriesPage

        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("required_percent", round(settings.LESSONS_COMPLETION_RATIO * 100))
        kwargs["initial"].setdefault("starts_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations.order_by("path")
        self.fields["series"].queryset = LessonSeriesPage.objects.live().order_by("title")
        lessons = LessonPage.objects.live().order_by("-date_given", "title")
        # Any live lesson is valid; the page lists only the newest and those already chosen (the
        # search box above the list finds the others), not a checkbox for each of thousands.
        self.fields["lessons"].queryset = lessons
        chosen = [str(pk) for pk in (self["lessons"].value() or []) if str(pk).isdigit()]
        listed = list(lessons.filter(pk__in=chosen)) + list(lessons.exclude(pk__in=chosen)[:RECENT_LESSONS_LISTED])
        self.fields["lessons"].widget.choices = [(page.pk, page.title) for page in listed]

    def clean(self):
        data = super().clean()
        if not data.get("series") and not data.get("lessons"):
            self.add_error(None, "请选择至少一讲党课或一个系列。")
        start, due = data.get("starts_on"), data.get("due_on")
        if start and due and due < start:
            self.add_error("due_on", "截止日期不能早于开始日期。")
        return data
