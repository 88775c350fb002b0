"""Red routes (红色线路): an ordered series of sites visited on a theme party day."""

from __future__ import annotations

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, PageChooserPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from ..blocks import SiteStreamBlock
from .related import RelatedLesson, live_lessons


class RouteIndexPage(Page):
    introduction = models.TextField("导语", blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    subpage_types = ["routes.RoutePage"]
    max_count = 1

    class Meta:
        verbose_name = "红色线路目录"

    def get_context(self, request, *args, **kwargs):
        from ..services.listing import route_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(route_listing(self, request))
        return context


class RoutePage(Page):
    class Theme(models.TextChoices):
        FOUNDING = "founding", "建党初心·工人运动"
        NATIONAL_HUMILIATION = "humiliation", "勿忘国耻·甲午与日俄战争"
        RESISTANCE = "resistance", "抗日斗争·辽南烽火"
        LIBERATION = "liberation", "旅大解放·支援前线"
        MARTYRS = "martyrs", "缅怀英烈"
        CONSTRUCTION = "construction", "建设与改革开放"

    theme = models.CharField("主题", max_length=20, choices=Theme.choices, db_index=True)
    introduction = models.TextField("导语")
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="封面",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cover_alt_text = models.CharField("封面替代文字", max_length=200, blank=True)
    body = StreamField(SiteStreamBlock(), verbose_name="正文", blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("theme"),
        FieldPanel("introduction"),
        FieldRowPanel([FieldPanel("cover"), FieldPanel("cover_alt_text")]),
        InlinePanel("stops", label="站点（按参观顺序）", min_num=1),
        FieldPanel("body"),
        InlinePanel("related_lessons", label="相关党课"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
        index.FilterField("theme"),
    ]
    api_fields = [
        APIField("theme"),
        APIField("introduction"),
        APIField("districts"),
        APIField("stops"),
        APIField("body"),
    ]
    parent_page_types = ["routes.RouteIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "红色线路"
        verbose_name_plural = "红色线路"

    def ordered_stops(self):
        """Stops in order, with their live site pages."""
        return [stop for stop in self.stops.select_related("site").all() if stop.site.live]

    @property
    def districts(self) -> list[str]:
        seen: list[str] = []
        for stop in self.ordered_stops():
            if stop.site.district not in seen:
                seen.append(stop.site.district)
        return seen

    def lessons(self):
        return live_lessons(self.related_lessons.select_related("lesson__content_type"))

    def get_context(self, request, *args, **kwargs):
        from ..services.pages import route_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(route_page_context(self, request))
        return context


class RouteStop(Orderable):
    page = ParentalKey(RoutePage, on_delete=models.CASCADE, related_name="stops")
    site = models.ForeignKey(
        "routes.SitePage", verbose_name="基地", on_delete=models.PROTECT, related_name="route_stops"
    )
    note = models.CharField("说明", max_length=300, blank=True, help_text="在这一站做什么，如：重温入党誓词")
    minutes_on_site = models.PositiveSmallIntegerField("建议停留（分钟）", default=60)

    panels = [
        PageChooserPanel("site", page_type="routes.SitePage"),
        FieldPanel("note"),
        FieldPanel("minutes_on_site"),
    ]
    api_fields = [APIField("site"), APIField("note"), APIField("minutes_on_site")]

    class Meta(Orderable.Meta):
        verbose_name = "站点"
        verbose_name_plural = "站点"


class RouteRelatedLesson(RelatedLesson):
    page = ParentalKey(RoutePage, on_delete=models.CASCADE, related_name="related_lessons")
