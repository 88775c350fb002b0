import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lessons.models import LessonPage, LessonSeriesPage, Speaker, SpeakerRole

pytestmark = pytest.mark.django_db

GOOD = {
    "source_id": "arch-001",
    "title": "传承红色基因",
    "series": "党课开讲啦·月讲悦听",
    "speaker": "孙书记",
    "speaker_role": "基层党组织书记",
    "date": "2024-07-01",
    "summary": "讲述建党故事。",
    "transcript": "[00:00] 同志们好。\n[00:10] 今天讲建党故事。",
    "tags": ["党史", "红色故事"],
}


def run(path, *args):
    """(stdout, stderr); rows that were not imported make the command exit with an error after its report."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_lessons", str(path), "--no-progress", *args, stdout=out, stderr=err)
    except CommandError as exc:
        if "行未导入" not in str(exc):
            raise
    return out.getvalue(), err.getvalue()


def write_jsonl(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def test_jsonl_import_good_rows_in_bad_rows_reported(tmp_path, lesson_index):
    path = write_jsonl(tmp_path / "archive.jsonl", [
        GOOD,
        {**GOOD, "source_id": "arch-002", "title": "第二讲", "date": "2024-13-01"},
        "{broken json",
        {**GOOD, "source_id": "arch-003", "title": "第三讲", "speaker_role": "明星"},
        {**GOOD, "source_id": "arch-004", "title": "第四讲", "series": "", "tags": ["廉政"]},
        {**GOOD, "source_id": "arch-005", "title": ""},
        {**GOOD, "source_id": "arch-006", "title": "第六讲", "transcript": "[00:10] b\n[00:05] a"},
        {**GOOD, "source_id": "arch-007", "title": "第七讲", "recording": "missing.mp4"},
    ])
    out, err = run(path)
    assert "新增 2" in out and "出错 6" in out
    assert "第 2 行：日期格式应为 YYYY-MM-DD" in err
    assert "第 3 行：不是有效的 JSON" in err
    assert "第 4 行：未知的主讲人身份：明星" in err
    assert "第 6 行：缺少必填字段 title" in err
    assert "第 7 行：文字稿第 2 行" in err
    assert "第 8 行：找不到录像文件" in err
    lesson = LessonPage.objects.get(source_id="arch-001")
    assert lesson.live and lesson.title == "传承红色基因"
    assert lesson.series.title == "党课开讲啦·月讲悦听"
    assert sorted(t.name for t in lesson.tags.all()) == ["党史", "红色故事"]
    assert [link.speaker.name for link in lesson.lesson_speakers.all()] == ["孙书记"]
    assert Speaker.objects.get(name="孙书记").role == SpeakerRole.SECRETARY
    assert LessonPage.objects.get(source_id="arch-004").series is None


def test_second_run_changes_nothing(tmp_path, lesson_index):
    path = write_jsonl(tmp_path / "archive.jsonl", [GOOD, {**GOOD, "source_id": "arch-002", "title": "第二讲"}])
    run(path)
    revisions = {p.pk: p.latest_revision_id for p in LessonPage.objects.all()}
    counts = (LessonPage.objects.count(), LessonSeriesPage.objects.count(), Speaker.objects.count())
    out, _ = run(path)
    assert "新增 0，更新 0，未变 2" in out
    assert (LessonPage.objects.count(), LessonSeriesPage.objects.count(), Speaker.objects.count()) == counts
    assert {p.pk: p.latest_revision_id for p in LessonPage.objects.all()} == revisions


def test_changed_row_updates_the_lesson(tmp_path, lesson_index):
    path = write_jsonl(tmp_path / "archive.jsonl", [GOOD])
    run(path)
    write_jsonl(path, [{**GOOD, "title": "传承红色基因（修订）"}])
    out, _ = run(path)
    assert "更新 1" in out
    assert LessonPage.objects.get(source_id="arch-001").title == "传承红色基因（修订）"
    assert LessonPage.objects.count() == 1


def test_csv_import_with_semicolon_tags_and_multiline_transcript(tmp_path, lesson_index):
    path = tmp_path / "archive.csv"
    path.write_text(
        "source_id,title,series,speaker,speaker_role,date,summary,transcript,tags\n"
        'c-1,老兵的故事,精品党课展播,周老,老党员和老模范,2023-05-04,摘要,"[00:00] 第一段\n[00:30] 第二段",党史;老兵\n'
        "c-2,坏日期,,周老,老党员和老模范,20230504,摘要,,\n",
        encoding="utf-8",
    )
    out, err = run(path)
    assert "新增 1" in out and "出错 1" in out
    assert "第 4 行：日期格式" in err  # the second record starts on line 4 (the first spans two lines)
    lesson = LessonPage.objects.get(source_id="c-1")
    assert sorted(t.name for t in lesson.tags.all()) == ["党史", "老兵"]
    assert [c.start for c in lesson.transcript_cues()] == [0, 30]


def test_recordings_are_queued_for_transcoding_once(tmp_path, lesson_index, tiny_clip, settings, django_capture_on_commit_callbacks):
    import shutil

    settings.MEDIA_LADDER = [(90, 200)]
    shutil.copy(tiny_clip, tmp_path / "talk.mp4")
    path = write_jsonl(tmp_path / "archive.jsonl", [{**GOOD, "recording": "talk.mp4"}])
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run(path)
    assert "排队转码 1" in out
    lesson = LessonPage.objects.get(source_id="arch-001")
    assert lesson.recording is not None and lesson.recording.is_ready
    out, _ = run(path)
    assert "排队转码 0" in out and "未变 1" in out


def test_missing_file_and_missing_index(tmp_path, home_page):
    with pytest.raises(CommandError):
        run(tmp_path / "nope.jsonl")
    with pytest.raises(CommandError, match="党课栏目"):
        run(write_jsonl(tmp_path / "a.jsonl", [GOOD]))


def test_plain_transcripts_are_accepted_searchable_and_shown_without_seek_links(tmp_path, lesson_index, client):
    from search.registry import get_document_type

    plain = "同志们好。\n\n今天我们讲一讲港口工人的斗争故事。"
    path = write_jsonl(tmp_path / "archive.jsonl", [
        {**GOOD, "transcript": plain},
        {**GOOD, "source_id": "arch-002", "title": "第二讲", "transcript": "开场白\n[00:10] 有标记的段落"},
    ])
    out, err = run(path)
    assert "新增 1" in out and "出错 1" in out
    assert "第 2 行：文字稿第 1 行：第一段文字前需要时间标记" in err  # marks, once used, must start the text
    lesson = LessonPage.objects.get(source_id="arch-001")
    assert lesson.transcript_cues() == []
    assert lesson.transcript_paragraphs() == ["同志们好。", "今天我们讲一讲港口工人的斗争故事。"]
    assert "港口工人的斗争故事" in get_document_type("lesson").build(lesson).body
    html = client.get(lesson.url).content.decode()
    assert "<p>今天我们讲一讲港口工人的斗争故事。</p>" in html and "data-lesson-seek" not in html


def test_timed_transcripts_keep_their_seek_links(tmp_path, lesson_index, client):
    run(write_jsonl(tmp_path / "archive.jsonl", [GOOD]))
    lesson = LessonPage.objects.get(source_id="arch-001")
    assert lesson.transcript_paragraphs() == []
    assert 'data-lesson-seek="10"' in client.get(lesson.url).content.decode()


def test_no_lesson_index_says_which_page_to_create(tmp_path, home_page):
    with pytest.raises(CommandError, match="在网站首页下添加一个“党课栏目”页面"):
        run(write_jsonl(tmp_path / "a.jsonl", [GOOD]))


def test_index_option_picks_the_lesson_index(tmp_path, lesson_index, home_page):
    from lessons.models import LessonIndexPage

    other = home_page.add_child(instance=LessonIndexPage(title="支部党课", slug="branch-lessons"))
    path = write_jsonl(tmp_path / "a.jsonl", [GOOD])
    with pytest.raises(CommandError, match="有多个党课栏目"):
        run(path)
    with pytest.raises(CommandError, match="找不到党课栏目“nowhere”"):
        run(path, "--index", "nowhere")
    out, _ = run(path, "--index", "/branch-lessons/")
    assert "新增 1" in out
    assert LessonPage.objects.get(source_id="arch-001").get_parent().pk == other.pk
    out, _ = run(path, "--index", str(other.pk))
    assert "未变 1" in out
