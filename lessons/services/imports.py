"""Bulk import of an existing lesson archive (JSON Lines or CSV), used by `manage.py import_lessons`;
reading, transactions and error reporting are tabular.imports'.

Fields: source_id, title, series, speaker, speaker_role, date (YYYY-MM-DD), summary, transcript
(plain text, or timed with `[mm:ss]` marks for seek links), tags (a list in JSON, ";"-separated in
CSV), optional recording (a file path, relative to the file). Idempotent by source_id: a second run
with the same file changes nothing. Each bad row is reported with its line number and reason, and
the rest go on.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.text import slugify

from tabular.imports import ImportReport, RowError, read_rows, run_import, text

from ..models import LessonIndexPage, LessonPage, LessonSeriesPage, LessonSpeaker, Speaker, SpeakerRole
from ..transcripts import TranscriptError, parse

FIELDS = ["source_id", "title", "series", "speaker", "speaker_role", "date", "summary", "transcript", "tags", "recording"]
DATE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REQUIRED = ["source_id", "title", "speaker", "speaker_role", "date"]
ROLE_BY_LABEL = {label: value for value, label in SpeakerRole.choices} | {
    "老党员": SpeakerRole.VETERAN,
    "老模范": SpeakerRole.VETERAN,
    "老党员、老模范": SpeakerRole.VETERAN,
}


@dataclass
class ImportRow:
    source_id: str
    title: str
    series: str
    speakers: list[str]
    speaker_role: str
    date: datetime.date
    summary: str
    transcript: str
    tags: list[str]
    recording: Path | None


def parse_row(raw: dict, *, base_dir: Path, csv_format: bool) -> ImportRow:
    for name in REQUIRED:
        if not text(raw, name):
            raise RowError(f"缺少必填字段 {name}")
    role_text = text(raw, "speaker_role")
    role = role_text if role_text in SpeakerRole.values else ROLE_BY_LABEL.get(role_text)
    if role is None:
        raise RowError(f"未知的主讲人身份：{role_text}（可用：{'、'.join(SpeakerRole.labels)}）")
    try:
        if not DATE_FORMAT.match(text(raw, "date")):
            raise ValueError
        date = datetime.date.fromisoformat(text(raw, "date"))
    except ValueError:
        raise RowError(f"日期格式应为 YYYY-MM-DD：{text(raw, 'date')}") from None
    tags_value = raw.get("tags") or []
    if csv_format or isinstance(tags_value, str):
        tags = [t.strip() for t in str(tags_value).split(";")] if tags_value else []
    elif isinstance(tags_value, list) and all(isinstance(t, str) for t in tags_value):
        tags = [t.strip() for t in tags_value]
    else:
        raise RowError("tags 应为文字列表")
    transcript = raw.get("transcript") or ""
    if not isinstance(transcript, str):
        raise RowError("transcript 应为文字")
    try:
        parse(transcript)
    except TranscriptError as exc:
        raise RowError(f"文字稿{exc}") from None
    recording = None
    if text(raw, "recording"):
        recording = Path(text(raw, "recording"))
        if not recording.is_absolute():
            recording = base_dir / recording
        if not recording.is_file():
            raise RowError(f"找不到录像文件：{recording}")
    speakers = [name.strip() for name in text(raw, "speaker").replace("、", ";").split(";") if name.strip()]
    return ImportRow(
        source_id=text(raw, "source_id", limit=100),
        title=text(raw, "title", limit=255),
        series=text(raw, "series", limit=255),
        speakers=speakers,
        speaker_role=role,
        date=date,
        summary=text(raw, "summary", limit=500),
        transcript=transcript.strip(),
        tags=[t for t in tags if t],
        recording=recording,
    )


class LessonImporter:
    def __init__(self, *, index: LessonIndexPage, publish: bool = True, user=None):
        self.index = index
        self.publish = publish
        self.user = user
        self._series: dict[str, LessonSeriesPage] = {}

    def series_page(self, title: str) -> LessonSeriesPage | None:
        if not title:
            return None
        if title not in self._series:
            page = LessonSeriesPage.objects.child_of(self.index).filter(title=title).first()
            if page is None:
                page = LessonSeriesPage(title=title, slug=self._free_slug(title))
                self.index.add_child(instance=page)
                page.save_revision(user=self.user).publish(user=self.user)
            self._series[title] = page
        return self._series[title]

    def _free_slug(self, title: str) -> str:
        base = slugify(title, allow_unicode=True)[:70] or "lesson"
        slug, n = base, 1
        while self.index.get_children().filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    def speakers(self, row: ImportRow) -> list[Speaker]:
        result = []
        for name in row.speakers:
            speaker = Speaker.objects.filter(name=name).order_by("pk").first()
            if speaker is None:
                speaker = Speaker.objects.create(name=name, role=row.speaker_role)
            result.append(speaker)
        return result

    def apply(self, row: ImportRow) -> tuple[str, LessonPage]:
        """"created", "updated" or "unchanged"."""
        series = self.series_page(row.series)
        speakers = self.speakers(row)
        lesson = LessonPage.objects.filter(source_id=row.source_id).first()
        values = {
            "title": row.title,
            "series_id": series.pk if series else None,
            "date_given": row.date,
            "summary": row.summary,
            "transcript": row.transcript,
        }
        if lesson is None:
            lesson = LessonPage(source_id=row.source_id, slug=self._free_slug(row.title), **values)
            self._set_relations(lesson, speakers, row.tags)
            lesson.clean()
            self.index.add_child(instance=lesson)
            self._save(lesson)
            return "created", lesson
        lesson = lesson.get_latest_revision_as_object()
        current = {name: getattr(lesson, name) for name in values}
        current_speakers = [link.speaker_id for link in lesson.lesson_speakers.all()]
        current_tags = sorted(tag.name for tag in lesson.tags.all())
        if (
            current == values
            and current_speakers == [s.pk for s in speakers]
            and current_tags == sorted(row.tags)
        ):
            return "unchanged", lesson
        for name, value in values.items():
            setattr(lesson, name, value)
        self._set_relations(lesson, speakers, row.tags)
        lesson.clean()
        self._save(lesson)
        return "updated", lesson

    def _set_relations(self, lesson, speakers, tags):
        lesson.lesson_speakers = [LessonSpeaker(speaker=s, sort_order=i) for i, s in enumerate(speakers)]
        lesson.tags.set(tags)

    def _save(self, lesson):
        revision = lesson.save_revision(user=self.user, log_action=True)
        if self.publish:
            revision.publish(user=self.user)

    def attach_recording(self, lesson: LessonPage, row: ImportRow) -> bool:
        """Queue the archive's recording for transcoding once; a re-run leaves it alone."""
        if row.recording is None or lesson.recording_id:
            return False
        from media.services import ingest_file

        recording = ingest_file(row.recording, title=row.title, user=self.user)
        LessonPage.objects.filter(pk=lesson.pk).update(recording=recording)
        lesson.recording = recording
        if self.publish:
            from .privacy import queue_recording_privacy

            queue_recording_privacy([lesson.pk])
        return True


def import_file(path: Path, *, index: LessonIndexPage, publish=True, user=None, progress=None) -> ImportReport:
    importer = LessonImporter(index=index, publish=publish, user=user)
    csv_format = path.suffix.lower() == ".csv"
    def import_row(raw: dict, report: ImportReport) -> str:
        from media.services import MediaRejected

        row = parse_row(raw, base_dir=path.parent, csv_format=csv_format)
        outcome, lesson = importer.apply(row)
        try:
            if importer.attach_recording(lesson, row):
                report.extra["排队转码"] += 1
        except MediaRejected as exc:
            raise RowError(exc.reason or str(exc)) from exc
        return outcome

    report = run_import(read_rows(path, required=REQUIRED), import_row, progress=progress)
    report.extra.setdefault("排队转码", 0)
    return report
