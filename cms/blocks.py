"""StreamField blocks shared by the site's pages; domain apps extend BaseStreamBlock."""

from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label="图片")
    alt_text = blocks.CharBlock(label="替代文字", max_length=200, help_text="为看不见图片的读者描述图片内容")
    caption = blocks.CharBlock(label="图注", required=False, max_length=200)

    class Meta:
        icon = "image"
        label = "图片"
        template = "cms/blocks/image_block.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="引文")
    attribution = blocks.CharBlock(label="出处", required=False, max_length=200)

    class Meta:
        icon = "openquote"
        label = "引用"
        template = "cms/blocks/quote_block.html"


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label="标题", max_length=120)
    level = blocks.ChoiceBlock(label="级别", choices=[("h2", "二级标题"), ("h3", "三级标题")], default="h2")

    class Meta:
        icon = "title"
        label = "小标题"
        template = "cms/blocks/heading_block.html"


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label="正文", features=["bold", "italic", "link", "ol", "ul", "document-link"]
    )
    image = ImageBlock()
    quote = QuoteBlock()
    embed = EmbedBlock(label="嵌入", help_text="外部视频或网页地址", required=False)

    class Meta:
        label = "正文"
