from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...services import imports


class ImportCommand(BaseCommand):
    import_function = None
    noun = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 CSV file with a header row")
        parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    def handle(self, *args, file, no_progress=False, **options):
        try:
            with open(file, encoding="utf-8-sig") as handle:
                total = max(sum(1 for _ in handle) - 1, 0)
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc}") from exc
        with tqdm(total=total, unit="行", disable=no_progress, file=self.stderr._out) as progress:
            result = type(self).import_function(imports.read_rows(file), progress=progress)
        for line, reason in result.errors:
            self.stderr.write(f"第 {line} 行：{reason}")
        self.stdout.write(
            f"{self.noun}：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}，错误 {len(result.errors)}"
        )
        if result.errors:
            raise CommandError(f"{len(result.errors)} 行未导入，见上。")
