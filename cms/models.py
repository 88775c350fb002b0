from django.db import models
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BaseStreamBlock


class HomePage(Page):
    """The site root. Its sections (latest lessons, routes, my sessions) come from the domain apps."""

    hero_title = models.CharField("主标题", max_length=120, default="党课开讲啦·月讲悦听")
    hero_text = models.TextField("导语", blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name="正文", blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("hero_title"), FieldPanel("hero_text")], heading="首屏"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("hero_text")]

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = "首页"

    def get_context(self, request, *args, **kwargs):
        from .services import home_sections

        context = super().get_context(request, *args, **kwargs)
        context["sections"] = home_sections(request)
        return context


class StandardPage(Page):
    introduction = models.TextField("导语", blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name="正文", blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("introduction"), index.SearchField("body")]

    class Meta:
        verbose_name = "普通页面"


@register_setting(icon="site")
class SiteShellSettings(BaseSiteSetting):
    """What every page's header and footer show, editable per site."""

    organisation_name = models.CharField("主办单位", max_length=120, default="中共大连市委组织部")
    footer_text = RichTextField("页脚说明", blank=True, features=["link"])
    service_phone = models.CharField("服务电话", max_length=40, blank=True)
    icp_number = models.CharField("备案号", max_length=60, blank=True)

    panels = [
        FieldPanel("organisation_name"),
        FieldPanel("footer_text"),
        FieldPanel("service_phone"),
        FieldPanel("icp_number"),
    ]

    class Meta:
        verbose_name = "页眉与页脚"


class WorkerHeartbeat(models.Model):
    """Written by `manage.py run_worker` every few seconds; /healthz reads the newest one."""

    worker_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    backend = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "任务进程心跳"

    def __str__(self):
        return f"{self.hostname}:{self.pid}"


class PeriodicJobState(models.Model):
    """When a periodic job (cms.periodic) runs next, kept in the database so the schedule survives
    restarts and is shared by every worker: a worker runs a due job only if it moved `next_run_at`
    on first (one conditional UPDATE), so two workers never run the same occurrence."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField(db_index=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_worker = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"

    def __str__(self):
        return self.name
