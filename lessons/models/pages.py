from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from rest_framework import serializers
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.images.api.fields import ImageRenditionField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtailmedia.edit_handlers import MediaChooserPanel

from ..blocks import LessonStreamBlock
from ..transcripts import TranscriptError, paragraphs, parse

LESSONS_PER_PAGE = 12


class Audience(models.TextChoices):
    PUBLIC = "public", "公开"
    MEMBERS = "members", "仅限党员（登录后可看）"


class HomeDisplay(models.TextChoices):
    NONE = "", "不在首页展示"
    LATEST = "latest", "首页展示最新一期"
    SHOWCASE = "showcase", "首页展示多期（展播）"


class LessonIndexPage(Page):
    """All lessons, newest first, filtered by series, speaker role, topic and year."""

    intro = models.TextField("导语", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["lessons.LessonSeriesPage", "lessons.LessonPage"]
    parent_page_types = ["cms.HomePage"]
    max_count = 1

    class Meta:
        verbose_name = "党课栏目"

    def route(self, request, path_components):
        # Most requests below the index are lesson pages: one query finds the lesson with its
        # recording, where Wagtail's route() takes two (the page, then its specific type) and the
        # page a third for the recording. Series pages and unknown slugs go the usual way.
        if path_components:
            lesson = (
                LessonPage.objects.child_of(self).filter(slug=path_components[0])
                .select_related("recording", "live_stream__recording")
                .first()
            )
            if lesson is not None:
                lesson._cached_parent_obj = self
                return lesson.route(request, path_components[1:])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from ..services.filters import LessonFilters, filter_lessons, lesson_filter_choices

        context = super().get_context(request, *args, **kwargs)
        filters = LessonFilters.from_query(request.GET)
        lessons = filter_lessons(self, filters, user=request.user)
        paginator = Paginator(lessons, LESSONS_PER_PAGE)
        try:
            lessons_page = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            lessons_page = paginator.page(1 if not str(request.GET.get("page", "")).isdigit() else paginator.num_pages)
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            filters=filters,
            choices=lesson_filter_choices(self, user=request.user),
            lessons=lessons_page,
            filter_query=query.urlencode(),
        )
        return context


class LessonSeriesPage(RoutablePageMixin, Page):
    """A series such as 党课开讲啦·月讲悦听: its cover, its episodes in order, its podcast feed."""

    intro = models.TextField("简介", blank=True)
    cover = models.ForeignKey(
        "wagtailimages.Image", verbose_name="封面", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="正方形，至少 1400×1400 像素（播客封面要求）",
    )
    podcast_author = models.CharField("播客作者", max_length=120, default="中共大连市委组织部")
    podcast_category = models.CharField("播客分类", max_length=60, default="Education")
    home_display = models.CharField(
        "首页展示", max_length=10, choices=HomeDisplay.choices, default=HomeDisplay.NONE, blank=True
    )

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("cover"),
        MultiFieldPanel([FieldPanel("podcast_author"), FieldPanel("podcast_category")], heading="播客"),
        FieldPanel("home_display"),
    ]
    parent_page_types = ["lessons.LessonIndexPage"]
    subpage_types: list = []
    search_fields = Page.search_fields + [index.SearchField("intro")]
    api_fields = [
        APIField("intro"),
        APIField("cover", serializer=ImageRenditionField("fill-600x600")),
        APIField("podcast_author"),
    ]

    class Meta:
        verbose_name = "党课系列"

    def episodes(self, user=None):
        from ..services.access import visible_lessons

        return visible_lessons(user).filter(series=self).order_by("episode_number", "date_given", "pk")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["episodes"] = self.episodes(request.user).select_related("recording").prefetch_related(
            "lesson_speakers__speaker"
        )
        context["feed_url"] = self.url + self.reverse_subpage("podcast_feed")
        return context

    @path("feed/", name="podcast_feed")
    def podcast_feed(self, request):
        from ..feeds import podcast_response

        return podcast_response(self, request)


class LessonPageTag(TaggedItemBase):
    content_object = ParentalKey("lessons.LessonPage", related_name="tagged_items", on_delete=models.CASCADE)


class LessonPage(Page):
    series = models.ForeignKey(
        "lessons.LessonSeriesPage", verbose_name="所属系列", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="lessons",
    )
    episode_number = models.PositiveIntegerField("期数", null=True, blank=True)
    date_given = models.DateField("授课日期")
    summary = models.TextField("摘要", max_length=500, blank=True)
    body = StreamField(LessonStreamBlock(), verbose_name="正文", blank=True)
    recording = models.ForeignKey(
        "media.Recording", verbose_name="录像/录音", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    live_stream = models.ForeignKey(
        "media.LiveStream", verbose_name="直播", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text="直播党课：页面按直播状态显示预告、直播、回放；回放就绪后即为点播党课。",
    )
    transcript = models.TextField(
        "文字稿", blank=True,
        help_text="可直接粘贴纯文字稿；若每段以时间标记开头（例如：[01:05] 同志们好。），点击时间可跳转到该处播放。",
    )
    audience = models.CharField(
        "观看范围", max_length=10, choices=Audience.choices, default=Audience.PUBLIC,
        help_text="“仅限党员”在发布时为页面设置登录可见，录像文件也只向登录用户提供。",
    )
    tags = ClusterTaggableManager("专题", through=LessonPageTag, blank=True)
    # The identifier in the archive a lesson was imported from (`manage.py import_lessons`).
    source_id = models.CharField("导入来源编号", max_length=100, blank=True, db_index=True, editable=False)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("series"), FieldPanel("episode_number")]), FieldPanel("date_given")],
            heading="系列与日期",
        ),
        InlinePanel("lesson_speakers", label="主讲人", min_num=1),
        FieldPanel("tags"),
        FieldPanel("summary"),
        MediaChooserPanel("recording"),
        FieldPanel("live_stream"),
        InlinePanel("chapters", label="章节"),
        InlinePanel("captions", label="字幕（WebVTT）"),
        FieldPanel("transcript"),
        FieldPanel("body"),
        InlinePanel("attachments", label="附件"),
        InlinePanel("related_lessons", label="相关党课"),
        FieldPanel("audience"),
    ]
    parent_page_types = ["lessons.LessonIndexPage"]
    subpage_types: list = []
    exclude_fields_in_copy = ["source_id"]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("transcript"),
        index.FilterField("date_given"),
    ]
    api_fields = [
        APIField("series", serializer=serializers.DictField(source="api_series", read_only=True)),
        APIField("episode_number"),
        APIField("date_given"),
        APIField("summary"),
        APIField("speakers", serializer=serializers.ListField(source="api_speakers", read_only=True)),
        APIField("tags", serializer=serializers.ListField(source="api_tags", read_only=True)),
        APIField("audience"),
        APIField("body"),
        APIField("recording", serializer=serializers.DictField(source="api_recording", read_only=True)),
        APIField("chapters"),
        APIField("transcript_cues", serializer=serializers.ListField(source="api_transcript", read_only=True)),
        APIField("attachments"),
    ]

    class Meta:
        verbose_name = "党课"
        verbose_name_plural = "党课"
        constraints = [
            models.UniqueConstraint(
                fields=["source_id"], condition=~models.Q(source_id=""), name="lessons_lesson_unique_source_id"
            )
        ]

    def clean(self):
        super().clean()
        errors = {}
        try:
            parse(self.transcript)
        except TranscriptError as exc:
            errors["transcript"] = str(exc)
        if self.episode_number and self.series_id:
            clash = LessonPage.objects.filter(series_id=self.series_id, episode_number=self.episode_number)
            if self.pk:
                clash = clash.exclude(pk=self.pk)
            if clash.exists():
                errors["episode_number"] = "该系列中已有相同期数的党课。"
        if self.episode_number and not self.series_id:
            errors["episode_number"] = "填写期数前请先选择所属系列。"
        if errors:
            raise ValidationError(errors)

    @property
    def members_only(self) -> bool:
        return self.audience == Audience.MEMBERS

    @property
    def playable_recording(self):
        """The recording the page plays: its own, or the replay of its live once that exists."""
        if self.recording_id:
            return self.recording
        if self.live_stream_id and self.live_stream.recording_id:
            return self.live_stream.recording
        return None

    @property
    def api_series(self):
        if not self.series_id:
            return {}
        return {"id": self.series_id, "title": self.series.title}

    @property
    def api_speakers(self):
        return [
            {"id": link.speaker.pk, "name": link.speaker.name, "role": link.speaker.get_role_display(),
             "organisation": link.speaker.organisation}
            for link in self.lesson_speakers.all().select_related("speaker")
        ]

    @property
    def api_tags(self):
        return [{"name": tag.name, "slug": tag.slug} for tag in self.tags.all()]

    @property
    def api_recording(self):
        recording = self.playable_recording  # its own, or its live's replay
        if recording is None:
            return {}
        return {
            "id": recording.pk,
            "duration": recording.duration,
            "status": getattr(recording, "status", ""),
            "audio_url": getattr(recording, "audio_edition_url", None),
            "poster_url": getattr(recording, "poster_url", None),
        }

    @property
    def api_transcript(self):
        return [{"start": cue.start, "text": cue.text} for cue in self.transcript_cues()]

    def transcript_cues(self):
        try:
            return parse(self.transcript)
        except TranscriptError:
            return []

    def transcript_paragraphs(self) -> list[str]:
        """A plain transcript (no time marks), shown without seek links."""
        return paragraphs(self.transcript)

    def get_context(self, request, *args, **kwargs):
        from ..services.pages import lesson_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_page_context(self, request))
        return context


class LessonSpeaker(Orderable):
    page = ParentalKey(LessonPage, related_name="lesson_speakers", on_delete=models.CASCADE)
    speaker = models.ForeignKey("lessons.Speaker", verbose_name="主讲人", on_delete=models.PROTECT, related_name="+")

    panels = [FieldPanel("speaker")]

    class Meta(Orderable.Meta):
        verbose_name = "主讲人"


class LessonChapter(Orderable):
    page = ParentalKey(LessonPage, related_name="chapters", on_delete=models.CASCADE)
    start = models.PositiveIntegerField("开始时间（秒）", help_text="从开头算起的秒数，例如 1 分 5 秒填 65")
    title = models.CharField("章节标题", max_length=120)

    panels = [FieldRowPanel([FieldPanel("start"), FieldPanel("title")])]
    api_fields = [APIField("start"), APIField("title")]

    class Meta(Orderable.Meta):
        verbose_name = "章节"


class LessonCaption(Orderable):
    page = ParentalKey(LessonPage, related_name="captions", on_delete=models.CASCADE)
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="字幕文件（.vtt）", on_delete=models.CASCADE, related_name="+"
    )
    srclang = models.CharField("语言代码", max_length=10, default="zh")
    label = models.CharField("名称", max_length=40, default="中文")

    panels = [FieldPanel("document"), FieldRowPanel([FieldPanel("srclang"), FieldPanel("label")])]

    class Meta(Orderable.Meta):
        verbose_name = "字幕"

    def clean(self):
        super().clean()
        if self.document_id and not self.document.file.name.lower().endswith(".vtt"):
            raise ValidationError({"document": "字幕须为 WebVTT（.vtt）文件。"})


class LessonAttachment(Orderable):
    page = ParentalKey(LessonPage, related_name="attachments", on_delete=models.CASCADE)
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="文件", on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField("显示名称", max_length=120, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]
    api_fields = [APIField("display_title"), APIField("url", serializer=serializers.CharField(source="document.url"))]

    class Meta(Orderable.Meta):
        verbose_name = "附件"

    @property
    def display_title(self):
        return self.title or self.document.title


class LessonRelatedLesson(Orderable):
    page = ParentalKey(LessonPage, related_name="related_lessons", on_delete=models.CASCADE)
    lesson = models.ForeignKey(LessonPage, verbose_name="相关党课", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("lesson")]

    class Meta(Orderable.Meta):
        verbose_name = "相关党课"

