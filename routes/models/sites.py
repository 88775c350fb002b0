"""Red heritage sites (红色基地): memorials, former sites, cemeteries, museums and education bases."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtailmedia.edit_handlers import MediaChooserPanel

from ..blocks import SiteStreamBlock
from ..services import geo, hours
from .related import RelatedLesson, live_lessons

DISTRICTS = [
    "中山区",
    "西岗区",
    "沙河口区",
    "甘井子区",
    "旅顺口区",
    "金州区",
    "普兰店区",
    "瓦房店市",
    "庄河市",
    "长海县",
]
DISTRICT_CHOICES = [(d, d) for d in DISTRICTS]
WEEKDAY_CHOICES = list(enumerate(hours.WEEKDAYS))


class SiteIndexPage(Page):
    introduction = models.TextField("导语", blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    subpage_types = ["routes.SitePage"]
    max_count = 1

    class Meta:
        verbose_name = "红色基地目录"

    def get_context(self, request, *args, **kwargs):
        from ..services.listing import site_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(site_listing(self, request))
        return context


class SitePage(Page):
    class Category(models.TextChoices):
        MEMORIAL_HALL = "memorial_hall", "纪念馆"
        FORMER_SITE = "former_site", "旧址"
        CEMETERY = "cemetery", "烈士陵园"
        MUSEUM = "museum", "博物馆"
        EDUCATION_BASE = "education_base", "教育基地"

    category = models.CharField("类别", max_length=20, choices=Category.choices)
    district = models.CharField("所在区市县", max_length=20, choices=DISTRICT_CHOICES, db_index=True)
    address = models.CharField("地址", max_length=200)
    latitude = models.FloatField("纬度（WGS-84）", help_text="GPS/OpenStreetMap 坐标，不是高德或百度坐标")
    longitude = models.FloatField("经度（WGS-84）")
    outside_city = models.BooleanField(
        "坐标在市外", default=False, help_text="坐标不在大连市范围内时必须勾选，以免误填"
    )
    sample_data = models.BooleanField(
        "示例数据", default=False, help_text="坐标与开放时间为示例数据，页面上会提示"
    )
    summary = models.TextField("简介", blank=True, help_text="列表和搜索结果中显示的一两句话")
    hours_note = models.CharField("开放说明", max_length=200, blank=True, help_text="如：16:00 停止入馆")
    booking_phone = models.CharField("预约电话", max_length=40, blank=True)
    booking_lead_days = models.PositiveSmallIntegerField("需提前预约（天）", default=0)
    group_size_limit = models.PositiveIntegerField("团体人数上限", null=True, blank=True)
    guided_tour = models.BooleanField("提供讲解", default=False)
    booking_notes = models.TextField("预约说明", blank=True)
    accessibility_notes = models.TextField("无障碍信息", blank=True)
    audio_guide = models.ForeignKey(
        "media.Recording",
        verbose_name="语音导览",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = StreamField(SiteStreamBlock(), verbose_name="介绍", blank=True)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("category"), FieldPanel("district")]),
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("address"),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
                FieldPanel("outside_city"),
                FieldPanel("sample_data"),
            ],
            heading="位置",
        ),
        MultiFieldPanel(
            [
                InlinePanel("opening_periods", label="每周开放时段"),
                InlinePanel("closures", label="闭馆日期（节假日、临时闭馆）"),
                FieldPanel("hours_note"),
            ],
            heading="开放时间",
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("booking_phone"), FieldPanel("booking_lead_days")]),
                FieldRowPanel([FieldPanel("group_size_limit"), FieldPanel("guided_tour")]),
                FieldPanel("booking_notes"),
            ],
            heading="预约参观",
        ),
        FieldPanel("accessibility_notes"),
        InlinePanel("gallery_images", label="图片"),
        MediaChooserPanel("audio_guide", media_type="audio"),
        FieldPanel("description"),
        InlinePanel("related_lessons", label="相关党课"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("address"),
        index.SearchField("description"),
        index.FilterField("district"),
        index.FilterField("category"),
    ]
    api_fields = [
        APIField(name)
        for name in (
            "category",
            "district",
            "address",
            "latitude",
            "longitude",
            "sample_data",
            "summary",
            "hours_note",
            "opening_periods",
            "closures",
            "booking_phone",
            "booking_lead_days",
            "group_size_limit",
            "guided_tour",
            "booking_notes",
            "accessibility_notes",
            "description",
        )
    ]
    parent_page_types = ["routes.SiteIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "红色基地"
        verbose_name_plural = "红色基地"
        # The near-me bounding-box prefilter.
        indexes = [models.Index(fields=["latitude", "longitude"], name="routes_site_lat_lon")]

    def clean(self):
        super().clean()
        geo.raise_for_coordinates(self.latitude, self.longitude, allow_outside_city=self.outside_city)

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)

    def weekly_periods(self) -> list[hours.WeeklyPeriod]:
        return [
            hours.WeeklyPeriod(p.weekday, p.opens, p.closes)
            for p in self.opening_periods.all()
            if p.opens is not None and p.closes is not None
        ]

    def closure_dates(self) -> list[hours.Closure]:
        return [hours.Closure(c.start_date, c.end_date, c.reason) for c in self.closures.all()]

    def opening_status(self, at=None) -> hours.OpenStatus:
        return hours.opening_status(self.weekly_periods(), self.closure_dates(), at)

    def get_context(self, request, *args, **kwargs):
        from ..services.pages import site_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(site_page_context(self, request))
        return context

    def lessons(self):
        return live_lessons(self.related_lessons.select_related("lesson__content_type"))


class SiteOpeningPeriod(Orderable):
    page = ParentalKey(SitePage, on_delete=models.CASCADE, related_name="opening_periods")
    weekday = models.PositiveSmallIntegerField("星期", choices=WEEKDAY_CHOICES)
    opens = models.TimeField("开门")
    closes = models.TimeField("关门", help_text="早于开门时间表示跨过午夜；与开门相同表示全天开放")

    panels = [FieldRowPanel([FieldPanel("weekday"), FieldPanel("opens"), FieldPanel("closes")])]
    api_fields = [APIField("weekday"), APIField("opens"), APIField("closes")]

    class Meta(Orderable.Meta):
        verbose_name = "开放时段"
        verbose_name_plural = "开放时段"


class SiteClosure(Orderable):
    page = ParentalKey(SitePage, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField("闭馆日期")
    end_date = models.DateField("截止日期", null=True, blank=True, help_text="闭馆多日时填写")
    reason = models.CharField("原因", max_length=100, blank=True, help_text="如：春节、布展")

    panels = [FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]), FieldPanel("reason")]
    api_fields = [APIField("start_date"), APIField("end_date"), APIField("reason")]

    class Meta(Orderable.Meta):
        verbose_name = "闭馆日期"
        verbose_name_plural = "闭馆日期"

    def clean(self):
        super().clean()
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "截止日期不能早于闭馆日期。"})


class SiteGalleryImage(Orderable):
    page = ParentalKey(SitePage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name="图片", on_delete=models.CASCADE, related_name="+"
    )
    alt_text = models.CharField("替代文字", max_length=200, help_text="为看不见图片的读者描述图片内容")
    caption = models.CharField("图注", max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("alt_text"), FieldPanel("caption")]

    class Meta(Orderable.Meta):
        verbose_name = "图片"
        verbose_name_plural = "图片"


class SiteRelatedLesson(RelatedLesson):
    page = ParentalKey(SitePage, on_delete=models.CASCADE, related_name="related_lessons")
