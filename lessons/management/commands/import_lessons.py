from django.core.management.base import CommandError

from lessons.models import LessonIndexPage
from lessons.services.imports import import_file
from tabular.imports import ImportCommand

NO_INDEX = (
    "还没有党课栏目：请先在后台“页面”中，在网站首页下添加一个“党课栏目”页面（例如标题“党课”、"
    "地址 lessons）并发布，再运行本命令；演示站点可运行 manage.py load_demo。"
)


def find_index(value: str | None) -> LessonIndexPage:
    """The lesson index to import into: the only one there is, or the one `--index` names by id,
    slug or URL path (/lessons/)."""
    indexes = LessonIndexPage.objects.all()
    if not value:
        found = list(indexes[:2])
        if not found:
            raise CommandError(NO_INDEX)
        if len(found) > 1:
            names = "、".join(f"{page.title}（{page.url_path}）" for page in indexes.order_by("path"))
            raise CommandError(f"有多个党课栏目：{names}。请用 --index 指定，例如 --index lessons")
        return found[0]
    value = value.strip()
    if value.isdigit():
        index = indexes.filter(pk=int(value)).first()
    else:
        path = value.strip("/")
        matches = [
            page for page in indexes
            if page.slug == path or f"/{page.url_path.strip('/')}".endswith(f"/{path}")
        ]
        index = matches[0] if len(matches) == 1 else None
        if len(matches) > 1:
            raise CommandError(f"“{value}”对应多个党课栏目，请写完整路径或页面编号。")
    if index is None:
        available = "、".join(f"{page.title}（{page.slug}，编号 {page.pk}）" for page in indexes) or "无"
        raise CommandError(f"找不到党课栏目“{value}”。现有的党课栏目：{available}。")
    return index


class Command(ImportCommand):
    help = (
        "从 JSON Lines（.jsonl）或 CSV 文件批量导入党课。字段：source_id, title, series, speaker, "
        "speaker_role, date, summary, transcript（纯文字，或带 [mm:ss] 时间标记）, tags, "
        "recording（可选，录像文件路径）。按 source_id 去重，可重复运行；有错误的行会报告行号和原因，其余行照常导入。"
    )
    noun = "党课"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--draft", action="store_true", help="只保存为草稿，不直接发布（随后走政治审核）")
        parser.add_argument("--index", help="导入到哪个党课栏目：页面编号、slug 或路径（如 lessons）；只有一个栏目时可省略")

    def prepare(self, options):
        self.index = find_index(options.get("index"))

    def run(self, path, *, progress, options):
        return import_file(path, index=self.index, publish=not options.get("draft"), progress=progress)
