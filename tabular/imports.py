"""The one row-import framework: read a CSV (with a header row) or a JSON Lines file, hand each
record to the app's row function in its own transaction, and report every bad row with its line
number and reason while the good rows are kept. Row functions are idempotent by a key (a code, a
source id) and say whether they "created", "updated" or left a record "unchanged".

`ImportCommand` is the management command around it: a file argument, a progress bar, the errors
as "第 N 行：原因", a summary, and a non-zero exit when any row was not imported.
"""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

logger = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv",)
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")
OUTCOMES = ("created", "updated", "unchanged")


class RowError(ValueError):
    """A record that cannot be imported; the message (Chinese) is reported with its line number."""


Record = dict | RowError
Rows = Iterable[tuple[int, Record]]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Other things a row function counts, e.g. {"排队转码": 3}; shown after the summary.
    extra: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.errors)

    def summary(self) -> str:
        parts = [f"新增 {self.created}", f"更新 {self.updated}", f"未变 {self.unchanged}", f"出错 {len(self.errors)}"]
        parts += [f"{name} {count}" for name, count in self.extra.items()]
        return "，".join(parts)


def file_format(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in JSON_LINES_SUFFIXES:
        return "jsonl"
    raise RowError("只支持 .csv（带表头）或 .jsonl（JSON Lines，每行一个 JSON 对象）文件")


def read_rows(path, *, required: Iterable[str] = ()) -> Iterator[tuple[int, Record]]:
    """(line number, record) per record: a CSV record as a dict of stripped texts numbered by the
    line it starts on, a JSON Lines record as its object. A record that cannot even be read is a
    RowError in its place; a CSV header missing a `required` column is one RowError on line 1."""
    path = Path(path)
    if file_format(path) == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            missing = [name for name in required if name not in header]
            if missing:
                yield 1, RowError(f"表头缺少字段：{'、'.join(missing)}")
                return
            start = reader.line_num + 1
            for raw in reader:
                yield start, {k.strip(): (v or "").strip() for k, v in raw.items() if isinstance(k, str) and k}
                start = reader.line_num + 1
        return
    with path.open(encoding="utf-8-sig") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except ValueError as exc:
                yield number, RowError(f"不是有效的 JSON：{getattr(exc, 'msg', exc)}")
                continue
            yield number, data if isinstance(data, dict) else RowError("每行应为一个 JSON 对象")


def text(record: dict, name: str, *, limit: int | None = None) -> str:
    """A record's field as stripped text ("" when absent), the same from CSV and from JSON."""
    value = record.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(f"字段 {name} 应为文字")
    value = str(value).strip()
    if limit and len(value) > limit:
        raise RowError(f"字段 {name} 超过 {limit} 字")
    return value


def count_records(path) -> int:
    """How many records `read_rows` will yield (for a progress bar)."""
    return sum(1 for _ in read_rows(path))


def run_import(rows: Rows, import_row: Callable[[dict, ImportReport], str], *, progress=None) -> ImportReport:
    """Each record in its own transaction: a bad one is reported with its line and the rest go on.
    `import_row(record, report)` returns "created", "updated" or "unchanged"."""
    report = ImportReport()
    for line, record in rows:
        try:
            if isinstance(record, Exception):
                raise record
            with transaction.atomic():
                outcome = import_row(record, report)
            if outcome not in OUTCOMES:
                raise AssertionError(f"row function returned {outcome!r}")
            setattr(report, outcome, getattr(report, outcome) + 1)
        except ValidationError as exc:
            report.errors.append((line, "；".join(exc.messages)))
        except ValueError as exc:  # RowError and the parsing errors of the row functions
            report.errors.append((line, str(exc)))
        except Exception as exc:  # anything else: report this record and keep going with the rest
            logger.exception("Import of line %s failed", line)
            report.errors.append((line, f"{type(exc).__name__}: {exc}"))
        if progress is not None:
            progress.update(1)
    return report


class ImportCommand(BaseCommand):
    """Base of the import_* commands: subclasses set `noun` and implement `run(path, progress, options)`."""

    noun = ""

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="UTF-8 的 .csv（带表头）或 .jsonl 文件")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def run(self, path: Path, *, progress, options) -> ImportReport:
        raise NotImplementedError

    def prepare(self, options) -> None:
        """Checks that need no file (a missing destination page, say); raise CommandError."""

    def handle(self, *args, file: Path, no_progress: bool = False, **options):
        from tqdm import tqdm

        try:
            file_format(file)
            total = count_records(file)
        except RowError as exc:
            raise CommandError(str(exc)) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件 {file}：{exc}") from exc
        self.prepare(options)
        with tqdm(total=total, unit="行", disable=no_progress, file=self.stderr._out) as progress:
            report = self.run(file.resolve(), progress=progress, options=options)
        for line, reason in report.errors:
            self.stderr.write(f"第 {line} 行：{reason}")
        summary = f"{self.noun}：{report.summary()}"
        self.stdout.write(self.style.WARNING(summary) if report.errors else self.style.SUCCESS(summary))
        if report.errors:
            raise CommandError(f"{len(report.errors)} 行未导入，见上。")
