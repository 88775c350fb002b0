import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lessons.importer import import_file
from lessons.models import LessonIndexPage


def count_records(path: Path) -> int:
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return sum(1 for _ in csv.DictReader(handle))
    with path.open(encoding="utf-8-sig") as handle:
        return sum(1 for line in handle if line.strip())


class Command(BaseCommand):
    help = (
        "从 JSON Lines（.jsonl）或 CSV 文件批量导入党课。字段：source_id, title, series, speaker, "
        "speaker_role, date, summary, transcript, tags, recording（可选，录像文件路径）。"
        "按 source_id 去重，可重复运行；有错误的行会报告行号和原因，其余行照常导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--draft", action="store_true", help="只保存为草稿，不直接发布（随后走政治审核）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, file: Path, draft: bool, no_progress: bool, **options):
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        if file.suffix.lower() not in (".csv", ".jsonl", ".ndjson", ".json"):
            raise CommandError("只支持 .jsonl（JSON Lines）或 .csv 文件")
        index = LessonIndexPage.objects.first()
        if index is None:
            raise CommandError("还没有党课栏目（LessonIndexPage），请先在后台创建或运行 load_demo")
        with tqdm(total=count_records(file), unit="行", disable=no_progress, file=self.stderr) as bar:
            report = import_file(file.resolve(), index=index, publish=not draft, progress=bar)
        for line, reason in report.errors:
            self.stderr.write(f"第 {line} 行：{reason}")
        summary = (
            f"新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}，"
            f"出错 {len(report.errors)}，排队转码 {report.recordings_queued}"
        )
        self.stdout.write(self.style.WARNING(summary) if report.errors else self.style.SUCCESS(summary))
