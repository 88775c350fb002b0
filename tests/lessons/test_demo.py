import re
import subprocess
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from wagtail.models import WorkflowPage

from lessons import demo
from lessons.demo import load_demo_lessons
from lessons.models import LessonIndexPage, LessonPage, LessonSeriesPage, Speaker
from media.probe import probe_file

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TIMING = re.compile(r"^(\d{2}):(\d{2}):(\d{2})\.(\d{3}) --> (\d{2}):(\d{2}):(\d{2})\.(\d{3})$")


def counts():
    return (
        LessonPage.objects.count(),
        LessonSeriesPage.objects.count(),
        Speaker.objects.count(),
        LessonPage.objects.filter(recording__isnull=False).count(),
    )


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    """A strict WebVTT reader for the tests: the header, then blocks of [id,] timing, text lines."""
    blocks = text.replace("\r\n", "\n").strip("\n").split("\n\n")
    assert blocks[0].splitlines()[0] == "WEBVTT"
    cues = []
    for block in blocks[1:]:
        lines = block.splitlines()
        if not TIMING.match(lines[0]):
            lines = lines[1:]  # the cue identifier
        match = TIMING.match(lines[0])
        assert match, f"not a cue timing line: {lines[0]!r}"
        h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(part) for part in match.groups())
        start, end = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        assert start < end
        assert lines[1:] and all(line.strip() for line in lines[1:])
        cues.append((start, end, "\n".join(lines[1:])))
    assert [start for start, _, _ in cues] == sorted(start for start, _, _ in cues)
    assert all(previous[1] <= cue[0] for previous, cue in zip(cues, cues[1:], strict=False))
    return cues


def frame_md5(path, at: float) -> str:
    completed = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-ss",
            str(at),
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-f",
            "md5",
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return completed.stdout.decode().strip()


@pytest.mark.parametrize("seconds", [10, 60, 61, 97])
def test_chapters_and_cues_cover_the_clip_on_whole_seconds(seconds):
    segments = demo.segments_for("网格里的党旗红", ["王建国"], seconds)
    assert [s.chapter for s in segments] == demo.CHAPTERS
    assert segments[0].start == 0 and segments[-1].end == seconds
    assert all(a.end == b.start for a, b in zip(segments, segments[1:], strict=False))
    cues = parse_vtt(demo.captions_vtt(segments))
    assert len(cues) == 2 * len(segments)
    assert cues[0][0] == 0 and cues[-1][1] == seconds
    assert all(CHINESE.search(text) for _, _, text in cues)
    # Each chapter opens with a cue, and the transcript's seek marks are the cues' starts.
    assert {s.start for s in segments} <= {start for start, _, _ in cues}
    timed = [
        int(m[0]) * 60 + int(m[1])
        for m in re.findall(r"^\[(\d\d):(\d\d)\]", demo.transcript_for(segments), re.M)
    ]
    assert timed == [int(start) for start, _, _ in cues]


def test_a_clip_too_short_for_its_chapters_is_refused(settings):
    settings.DEMO_CLIP_SECONDS = 6
    with pytest.raises(ImproperlyConfigured, match="DEMO_CLIP_SECONDS"):
        demo.clip_seconds()


def test_generated_clip_lasts_the_configured_seconds_and_shows_slides(settings, tmp_path):
    settings.DEMO_CLIP_SECONDS = 12
    font = demo.find_cjk_font()
    assert font is not None, "fonts-noto-cjk (make system-deps) is needed for the slides' text"
    args = {"title": "关向应：从大连走出的革命家", "speakers": ["张德顺"], "series": demo.MONTHLY}
    clip = demo.make_clip(tmp_path / "with-text.mp4", font=font, **args)
    probe = probe_file(clip)
    assert probe.duration == pytest.approx(12, abs=0.3)
    assert (probe.width, probe.height) == demo.CLIP_SIZE
    assert probe.has_audio
    plain = demo.make_clip(tmp_path / "plain.mp4", font=None, **args)
    assert probe_file(plain).duration == pytest.approx(12, abs=0.3)
    segments = demo.segments_for(args["title"], args["speakers"], 12)
    first, second = segments[0].start + 0.5, segments[1].start + 0.5
    # The text is drawn (the same moment differs with and without a font), and the slides change.
    assert frame_md5(clip, first) != frame_md5(plain, first)
    assert frame_md5(clip, first) != frame_md5(clip, second)


def test_cjk_font_lookup_and_its_absence(tmp_path):
    assert demo.find_cjk_font([tmp_path]) is None
    (tmp_path / "noto").mkdir()
    (tmp_path / "noto" / "NotoSansCJK-Regular.ttc").write_bytes(b"not really a font")
    found = demo.find_cjk_font([tmp_path])
    assert found.path == tmp_path / "noto" / "NotoSansCJK-Regular.ttc"
    # fontconfig does not know this file, so drawtext gets the file itself.
    assert found.drawtext_options() == {"fontfile": str(found.path)}


def test_without_a_cjk_font_the_demo_still_loads_and_says_why(home_page, monkeypatch, tmp_path):
    monkeypatch.setattr(demo, "FONT_DIRS", [tmp_path])
    monkeypatch.setattr(demo, "LESSONS", demo.LESSONS[:1])
    out = StringIO()
    load_demo_lessons(home_page=home_page, stdout=out)
    assert "未找到中文字体" in out.getvalue() and "fonts-noto-cjk" in out.getvalue()
    lesson = LessonPage.objects.get(slug=demo.LESSONS[0][0])
    assert lesson.recording.duration == pytest.approx(10, abs=0.3)  # DEMO_CLIP_SECONDS of the test settings
    assert lesson.captions.count() == 1


@pytest.mark.slow
def test_demo_lessons_are_complete_and_idempotent(
    home_page, settings, django_capture_on_commit_callbacks, client
):
    settings.MEDIA_LADDER = [(90, 200)]
    seconds = settings.DEMO_CLIP_SECONDS
    with django_capture_on_commit_callbacks(execute=True):
        load_demo_lessons(home_page=home_page, stdout=StringIO())
    first = counts()
    assert first[0] >= 12 and first[1] == 2 and first[3] == first[0]
    assert {s.title for s in LessonSeriesPage.objects.all()} == {"党课开讲啦·月讲悦听", "精品党课展播"}

    lesson = LessonPage.objects.get(slug="monthly-02")
    assert lesson.recording.is_ready
    assert lesson.recording.duration == pytest.approx(seconds, abs=0.3)
    chapters = list(lesson.chapters.order_by("sort_order"))
    assert [c.title for c in chapters] == demo.CHAPTERS
    assert chapters[0].start == 0 and all(
        a.start < b.start < seconds for a, b in zip(chapters, chapters[1:], strict=False)
    )
    assert len(lesson.transcript_cues()) == 2 * len(chapters)

    [caption] = lesson.captions.all()
    assert (caption.srclang, caption.label) == ("zh", "中文")
    with caption.document.file.open("rb") as handle:
        cues = parse_vtt(handle.read().decode("utf-8"))
    assert all(0 <= start < end <= lesson.recording.duration + 0.3 for start, end, _ in cues)
    assert all(CHINESE.search(text) for _, _, text in cues)
    assert "关向应" in cues[1][2]
    assert {c.start for c in chapters} <= {int(start) for start, _, _ in cues}

    # Through HTTP: the player offers the Chinese captions, and the track is served.
    page = client.get(lesson.url)
    assert page.status_code == 200
    track = re.search(r'<track kind="captions" src="([^"]+)" srclang="zh"[^>]*>', page.content.decode())
    assert track, "the lesson page offers no Chinese captions track"
    vtt = client.get(track[1])
    assert vtt.status_code == 200
    assert parse_vtt(b"".join(vtt.streaming_content).decode("utf-8")) == cues

    members_only = LessonPage.objects.get(slug="monthly-05")
    assert members_only.get_view_restrictions().exists()
    assert members_only.recording.members_only
    private_caption = members_only.captions.get().document
    assert (
        client.get(private_caption.url).status_code == 302
    )  # captions of a members-only lesson stay private

    index = LessonIndexPage.objects.get()
    assert index.show_in_menus
    assert WorkflowPage.objects.get(page=index).workflow.name == "政治审核"
    load_demo_lessons(home_page=home_page, stdout=StringIO())
    assert counts() == first


MEDIA = "document.querySelector('[data-media-player]').dangkePlayer.media"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_visitor_sees_chinese_captions_and_jumps_to_a_chapter(live_site, browser_page, settings, monkeypatch):
    settings.MEDIA_LADDER = [(90, 200)]
    monkeypatch.setattr(demo, "LESSONS", [entry for entry in demo.LESSONS if entry[0] == "monthly-02"])
    from wagtail.models import Site

    load_demo_lessons(home_page=Site.objects.get(is_default_site=True).root_page, stdout=StringIO())
    lesson = LessonPage.objects.get(slug="monthly-02")
    assert lesson.recording.is_ready, lesson.recording.failure_reason
    chapter = lesson.chapters.get(title="学习体会")

    page = browser_page
    page.goto(f"{live_site.url}{lesson.url}")
    page.wait_for_function(f"(() => {{ try {{ return !!{MEDIA}; }} catch (e) {{ return false; }} }})()")
    track = "document.querySelector('video').textTracks[0]"
    assert page.evaluate(f"{track}.language") == "zh"
    page.evaluate(f"{track}.mode = 'showing'")
    page.wait_for_function(f"{track}.cues && {track}.cues.length === 10")
    page.evaluate(f"{MEDIA}.muted = true")
    page.get_by_role("button", name=f"00:{chapter.start:02d} 学习体会").click()
    page.wait_for_function(f"Math.abs({MEDIA}.currentTime - {chapter.start}) < 0.5")
    # The caption on screen is the chapter's first cue (the browser updates activeCues after the seek).
    expected = "结合这个故事，谈几点学习体会："
    page.wait_for_function(
        f"(() => {{ const cues = {track}.activeCues; return !!cues && cues.length === 1 && cues[0].text === {expected!r}; }})()"
    )


def test_an_untouched_old_demo_lesson_gets_the_new_clip_captions_and_chapters(home_page, monkeypatch):
    from lessons.models import LessonChapter
    from media.models import Recording

    monkeypatch.setattr(demo, "LESSONS", demo.LESSONS[:2])
    load_demo_lessons(home_page=home_page, stdout=StringIO())
    old, edited = LessonPage.objects.order_by("pk")
    for lesson in (old, edited):  # what the first demo loader left
        lesson.captions.all().delete()
        lesson.chapters = [
            LessonChapter(start=s, title=t, sort_order=i) for i, (s, t) in enumerate(demo.OLD_DEMO_CHAPTERS)
        ]
        lesson.transcript = "[00:00] 旧的文字稿"
        lesson.save_revision().publish()
    LessonChapter.objects.filter(page=edited, title="开场").update(title="编辑改过的章节")  # left alone
    old_recording, edited_recording = old.recording_id, edited.recording_id

    out = StringIO()
    load_demo_lessons(home_page=home_page, stdout=out)
    old, edited = LessonPage.objects.get(pk=old.pk), LessonPage.objects.get(pk=edited.pk)
    assert "1 节旧演示党课换上新录像" in out.getvalue()
    assert [c.title for c in old.chapters.order_by("sort_order")] == demo.CHAPTERS
    assert old.captions.count() == 1 and len(old.transcript_cues()) == 10
    assert old.recording_id not in (None, old_recording)
    assert not Recording.objects.filter(pk=old_recording).exists()
    assert edited.recording_id == edited_recording and not edited.captions.exists()
    load_demo_lessons(home_page=home_page, stdout=StringIO())
    assert LessonPage.objects.get(pk=old.pk).recording_id == old.recording_id  # idempotent
