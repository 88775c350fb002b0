"""Lesson body blocks: the shared BaseStreamBlock plus a card linking to a red route or site."""

from django.core.exceptions import ValidationError
from wagtail import blocks

from cms.blocks import BaseStreamBlock

# Labels, not classes: routes is built alongside lessons and lessons must not import it.
LINKABLE_PAGE_TYPES = ("routes.routepage", "routes.sitepage")


class RouteLinkBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(label="红色线路或基地")
    text = blocks.CharBlock(label="说明", required=False, max_length=200)

    class Meta:
        icon = "site"
        label = "线路/基地卡片"
        template = "lessons/blocks/route_link_block.html"

    def clean(self, value):
        value = super().clean(value)
        page = value.get("page")
        if page is not None:
            label = f"{page.specific_class._meta.app_label}.{page.specific_class._meta.model_name}"
            if label not in LINKABLE_PAGE_TYPES:
                raise blocks.StructBlockValidationError(
                    block_errors={"page": ValidationError("请选择红色线路或教育基地页面。")}
                )
        return value


class LessonStreamBlock(BaseStreamBlock):
    route_link = RouteLinkBlock()
