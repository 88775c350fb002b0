"""Body blocks for sites and routes: the shared blocks plus a short timeline of events."""

from wagtail import blocks

from cms.blocks import BaseStreamBlock


class TimelineEventBlock(blocks.StructBlock):
    year = blocks.CharBlock(label="时间", max_length=40, help_text="如：1923年、1945年8月")
    text = blocks.TextBlock(label="事件")


class TimelineBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="标题", max_length=120, required=False)
    events = blocks.ListBlock(TimelineEventBlock(), label="事件")

    class Meta:
        icon = "date"
        label = "大事记"
        template = "routes/blocks/timeline_block.html"


class SiteStreamBlock(BaseStreamBlock):
    timeline = TimelineBlock()

    class Meta:
        label = "正文"
