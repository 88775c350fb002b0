"""Demo lessons for `manage.py load_demo`: both series, speakers, and per lesson a generated
lecture-like recording (one slide per chapter, settings.DEMO_CLIP_SECONDS long, about a minute) with
matching chapters, a timed transcript and Chinese WebVTT captions, put through the media pipeline.
Idempotent (looked up by slug)."""

from __future__ import annotations

import atexit
import datetime
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.documents import get_document_model
from wagtail.models import Workflow, WorkflowPage

from media import child_processes

from .models import (
    Audience,
    HomeDisplay,
    LessonCaption,
    LessonChapter,
    LessonIndexPage,
    LessonPage,
    LessonSeriesPage,
    LessonSpeaker,
    Speaker,
    SpeakerRole,
)

REVIEW_WORKFLOW = "政治审核"
CLIP_TIMEOUT_SECONDS = 300

SPEAKERS = [
    (
        "陈立新",
        SpeakerRole.LEADER,
        "中共大连市委组织部",
        "长期从事组织工作，多次为基层党员宣讲党的创新理论。",
    ),
    ("刘海燕", SpeakerRole.LEADER, "中山区委", "分管党建工作，推动“红色物业”建设。"),
    ("王建国", SpeakerRole.SECRETARY, "沙河口区春柳街道某社区党委", "扎根社区二十年，网格党建带头人。"),
    ("赵晓梅", SpeakerRole.SECRETARY, "金州区某村党支部", "带领村民发展特色产业，村集体收入连年增长。"),
    ("孙志强", SpeakerRole.MODEL, "大连港集团", "全国劳动模范，技术革新能手。"),
    ("李秀英", SpeakerRole.MODEL, "大连市某医院", "抗疫先进个人，白衣天使的代表。"),
    ("张德顺", SpeakerRole.VETERAN, "旅顺口区离退休干部党支部", "入党六十年的老党员，讲述亲历的红色故事。"),
    ("周桂兰", SpeakerRole.VETERAN, "西岗区某社区", "全国劳动模范，退休后坚持义务宣讲。"),
]

MONTHLY = "党课开讲啦·月讲悦听"
SHOWCASE = "精品党课展播"

# (slug, series, episode, title, speakers, date, tags, audience, chapters)
LESSONS = [
    ("monthly-01", MONTHLY, 1, "学习贯彻党的二十大精神", ["陈立新"], "2025-01-15", ["理论学习"], "public"),
    (
        "monthly-02",
        MONTHLY,
        2,
        "关向应：从大连走出的革命家",
        ["张德顺"],
        "2025-02-14",
        ["党史", "红色故事"],
        "public",
    ),
    ("monthly-03", MONTHLY, 3, "网格里的党旗红", ["王建国"], "2025-03-14", ["基层治理"], "public"),
    (
        "monthly-04",
        MONTHLY,
        4,
        "旅顺日俄监狱旧址里的记忆",
        ["张德顺", "刘海燕"],
        "2025-04-15",
        ["党史", "红色故事"],
        "public",
    ),
    ("monthly-05", MONTHLY, 5, "支部书记怎样讲好党课", ["赵晓梅"], "2025-05-15", ["支部建设"], "members"),
    (
        "monthly-06",
        MONTHLY,
        6,
        "“三会一课”怎样开出实效",
        ["刘海燕"],
        "2025-06-13",
        ["支部建设", "组织生活"],
        "public",
    ),
    (
        "monthly-07",
        MONTHLY,
        7,
        "建党百年后的再出发",
        ["陈立新"],
        "2025-07-01",
        ["理论学习", "党史"],
        "public",
    ),
    ("showcase-01", SHOWCASE, 1, "码头上的工匠精神", ["孙志强"], "2024-05-01", ["先进典型"], "public"),
    ("showcase-02", SHOWCASE, 2, "白衣为甲 守护万家", ["李秀英"], "2024-06-20", ["先进典型"], "public"),
    (
        "showcase-03",
        SHOWCASE,
        3,
        "一位老模范的六十年",
        ["周桂兰"],
        "2024-07-01",
        ["红色故事", "先进典型"],
        "public",
    ),
    (
        "showcase-04",
        SHOWCASE,
        4,
        "乡村振兴路上的党支部",
        ["赵晓梅"],
        "2024-09-10",
        ["乡村振兴", "支部建设"],
        "public",
    ),
    (
        "showcase-05",
        SHOWCASE,
        5,
        "大连中华工学会旧址的故事",
        ["张德顺"],
        "2024-10-15",
        ["党史", "红色故事"],
        "public",
    ),
    (
        "showcase-06",
        SHOWCASE,
        6,
        "党员干部的担当与作为",
        ["陈立新", "孙志强"],
        "2024-12-05",
        ["理论学习"],
        "members",
    ),
]

# The demo lesson: five slides, one per chapter, each with two caption cues.
# (chapter title, slide lines, caption cues); {title} and {name} are filled in per lesson.
SEGMENTS = [
    (
        "开场",
        ["《{title}》", "主讲：{name}"],
        ["同志们好，我是{name}。", "今天和大家交流的题目是《{title}》。"],
    ),
    (
        "历史回顾",
        ["回望来路", "先辈在大连留下的足迹"],
        ["我们先回顾一段历史，", "看看先辈们在大连这片土地上留下的足迹。"],
    ),
    (
        "故事讲述",
        ["一个红色故事", "初心与坚守"],
        ["下面讲一个发生在我们身边的故事，", "从中体会共产党人的初心和坚守。"],
    ),
    (
        "学习体会",
        ["学以致用", "把学习成果落实到工作中"],
        ["结合这个故事，谈几点学习体会：", "学思用贯通，知信行统一。"],
    ),
    (
        "结语",
        ["谢谢大家", "欢迎在支部组织生活中交流讨论"],
        ["以上是我的一些体会，与大家共勉。", "谢谢大家。"],
    ),
]
CHAPTERS = [chapter for chapter, _, _ in SEGMENTS]
CLIP_SIZE = (640, 360)
CLIP_FRAME_RATE = 5  # slides: a low frame rate keeps the encode to a few seconds on two cores
# Where fonts-noto-cjk (make system-deps) and other Chinese fonts install their files, best first.
FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
SIMPLIFIED_CHINESE_FAMILIES = ["Noto Sans CJK SC", "Noto Serif CJK SC"]
CJK_FONT_PATTERNS = [
    "NotoSansCJK*-Regular.*",
    "NotoSansCJKsc-*.otf",
    "NotoSerifCJK*-Regular.*",
    "*CJK*",
    "wqy-*",
    "Droid*Fallback*",
]


@dataclass(frozen=True)
class Segment:
    start: int  # seconds
    end: int
    chapter: str
    lines: list[str]
    cues: list[str]


def clip_seconds() -> int:
    seconds = int(settings.DEMO_CLIP_SECONDS)
    if seconds < 2 * len(SEGMENTS):
        raise ImproperlyConfigured(
            f"DEMO_CLIP_SECONDS={seconds}：演示录像至少需要 {2 * len(SEGMENTS)} 秒（每个章节两条字幕，每条至少 1 秒）。"
        )
    return seconds


def segments_for(title: str, speakers: list[str], seconds: int) -> list[Segment]:
    """The lesson's slides on whole seconds (chapters start on whole seconds), covering the clip."""
    name = "、".join(speakers)
    bounds = [round(i * seconds / len(SEGMENTS)) for i in range(len(SEGMENTS))] + [seconds]
    return [
        Segment(
            start=bounds[i],
            end=bounds[i + 1],
            chapter=chapter,
            lines=[line.format(title=title, name=name) for line in lines],
            cues=[cue.format(title=title, name=name) for cue in cues],
        )
        for i, (chapter, lines, cues) in enumerate(SEGMENTS)
    ]


def cue_times(segment: Segment) -> list[tuple[int, int]]:
    """Each caption cue's (start, end) in whole seconds: the segment split evenly."""
    count = len(segment.cues)
    bounds = [segment.start + round(i * (segment.end - segment.start) / count) for i in range(count)]
    return list(zip(bounds, [*bounds[1:], segment.end], strict=True))


def transcript_for(segments: list[Segment]) -> str:
    """The timed transcript ([mm:ss] marks, shown as seek links): one line per caption cue."""
    return "\n".join(
        f"[{start // 60:02d}:{start % 60:02d}] {text}"
        for segment in segments
        for (start, _), text in zip(cue_times(segment), segment.cues, strict=True)
    )


def _vtt_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}.000"


def captions_vtt(segments: list[Segment]) -> str:
    """Chinese WebVTT captions: the same cues as the transcript, each ending where the next starts."""
    lines = ["WEBVTT", ""]
    number = 0
    for segment in segments:
        for (start, end), text in zip(cue_times(segment), segment.cues, strict=True):
            number += 1
            lines += [str(number), f"{_vtt_time(start)} --> {_vtt_time(end)}", text, ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class CjkFont:
    path: Path
    # The fontconfig family of the simplified-Chinese face when the file is a collection (.ttc): a
    # font file alone gives drawtext the collection's first face, Japanese for Noto CJK.
    family: str | None = None

    def drawtext_options(self) -> dict:
        return {"font": self.family} if self.family else {"fontfile": str(self.path)}


def _simplified_chinese_family(path: Path) -> str | None:
    if path.suffix.lower() != ".ttc" or shutil.which("fc-match") is None:
        return None
    for family in SIMPLIFIED_CHINESE_FAMILIES:
        try:
            completed = child_processes.run(["fc-match", "-f", "%{file}", family], timeout=10)
        except subprocess.TimeoutExpired:
            return None
        if completed.returncode == 0 and Path(completed.stdout.decode("utf-8", "replace")) == path:
            return family
    return None


def find_cjk_font(font_dirs=None) -> CjkFont | None:
    """A font with Chinese glyphs (fonts-noto-cjk first) under FONT_DIRS, or None when there is none."""
    for pattern in CJK_FONT_PATTERNS:
        for folder in FONT_DIRS if font_dirs is None else font_dirs:
            if folder.is_dir():
                found = sorted(
                    path for path in folder.rglob(pattern) if path.suffix.lower() in {".ttc", ".otf", ".ttf"}
                )
                if found:
                    return CjkFont(found[0], _simplified_chinese_family(found[0]))
    return None


def _drawtext(stream, *, font: CjkFont, textfile: Path, y: str, size: int, color: str, start: int, end: int):
    return stream.filter(
        "drawtext",
        **font.drawtext_options(),
        textfile=str(textfile),
        expansion="none",
        fontsize=size,
        fontcolor=color,
        x="(w-text_w)/2",
        y=y,
        enable=f"between(t,{start},{end - 0.001})",
    )


def make_clip(
    path: Path,
    *,
    title: str,
    speakers: list[str],
    series: str,
    seconds: int | None = None,
    frequency=330,
    font: CjkFont | None = None,
) -> Path:
    """A lecture-like clip: one slide per chapter (series band, chapter title, two lines, a progress
    bar) over a soft tone. Without a Chinese font the slides carry no text (the captions still do)."""
    seconds = clip_seconds() if seconds is None else seconds
    width, height = CLIP_SIZE
    segments = segments_for(title, speakers, seconds)
    video = ffmpeg.input(f"color=c=0xF6F0E4:s={width}x{height}:r={CLIP_FRAME_RATE}:d={seconds}", f="lavfi")
    video = video.filter("drawbox", x=0, y=0, w=width, h=56, color="0xB71C1C", t="fill")
    video = video.filter("drawbox", x=0, y=height - 8, w=width, h=8, color="0xE8D9BC", t="fill")
    if font is not None:
        texts = path.parent / f"{path.stem}-slides"
        texts.mkdir(exist_ok=True)

        def text_file(name: str, text: str) -> Path:
            file = texts / f"{name}.txt"
            file.write_text(text, encoding="utf-8")
            return file

        band = text_file("series", series)
        video = _drawtext(
            video, font=font, textfile=band, y="16", size=22, color="white", start=0, end=seconds + 1
        )
        for n, segment in enumerate(segments, start=1):
            heading = text_file(f"{n}-chapter", f"第{'一二三四五六七八九十'[n - 1]}部分　{segment.chapter}")
            video = _drawtext(
                video,
                font=font,
                textfile=heading,
                y="86",
                size=24,
                color="0xB71C1C",
                start=segment.start,
                end=segment.end,
            )
            for i, line in enumerate(segment.lines):
                video = _drawtext(
                    video,
                    font=font,
                    textfile=text_file(f"{n}-line-{i}", line),
                    y=str(150 + 60 * i),
                    size=34 if i == 0 else 24,
                    color="0x3E2723" if i == 0 else "0x6D4C41",
                    start=segment.start,
                    end=segment.end,
                )
    for segment in segments:  # the progress bar grows slide by slide
        video = video.filter(
            "drawbox",
            x=0,
            y=height - 8,
            w=max(1, round(width * segment.end / seconds)),
            h=8,
            color="0xB71C1C",
            t="fill",
            enable=f"between(t,{segment.start},{segment.end - 0.001})",
        )
    # A soft tone (about -20 dBFS) that swells and fades every four seconds: something to hear, nothing harsh.
    audio = (
        ffmpeg.input(f"sine=frequency={frequency}:sample_rate=48000:duration={seconds}", f="lavfi")
        .filter("volume", 0.6)
        .filter("tremolo", f=0.25, d=0.5)
    )
    args = (
        ffmpeg.output(
            video,
            audio,
            "file:" + str(path),
            t=seconds,
            vcodec="libx264",
            preset="ultrafast",
            tune="stillimage",
            pix_fmt="yuv420p",
            acodec="aac",
            **{"b:a": "64k"},
            movflags="+faststart",
        )
        .global_args("-nostdin", "-hide_banner", "-v", "error")
        .compile(cmd=settings.FFMPEG_BINARY, overwrite_output=True)
    )
    completed = child_processes.run(args, timeout=CLIP_TIMEOUT_SECONDS)
    if completed.returncode != 0:
        raise RuntimeError(f"生成演示录像失败：{completed.stderr.decode('utf-8', 'replace')[-2000:]}")
    return path


@transaction.atomic
def ensure_structure(home_page) -> tuple[LessonIndexPage, dict[str, LessonSeriesPage]]:
    index = LessonIndexPage.objects.child_of(home_page).first()
    if index is None:
        index = LessonIndexPage(
            title="党课",
            slug="lessons",
            show_in_menus=True,
            intro="“党课开讲啦·月讲悦听”系列党课与精品党课展播，可看可听，随时继续。",
        )
        home_page.add_child(instance=index)
        index.save_revision().publish()
    workflow = Workflow.objects.filter(name=REVIEW_WORKFLOW).first()
    if workflow is not None:
        WorkflowPage.objects.get_or_create(page=index, defaults={"workflow": workflow})
    series = {}
    for slug, title, display, intro in [
        (
            "monthly",
            MONTHLY,
            HomeDisplay.LATEST,
            "每月一讲，可看可听：领导干部、支部书记、先进典型和老党员讲党课。",
        ),
        ("showcase", SHOWCASE, HomeDisplay.SHOWCASE, "全市精品党课展播，汇集各级党组织的优秀党课。"),
    ]:
        page = LessonSeriesPage.objects.child_of(index).filter(slug=slug).first()
        if page is None:
            page = LessonSeriesPage(title=title, slug=slug, intro=intro, home_display=display)
            index.add_child(instance=page)
            page.save_revision().publish()
        series[title] = page
    return index, series


def ensure_speakers() -> dict[str, Speaker]:
    speakers = {}
    for name, role, organisation, bio in SPEAKERS:
        speakers[name], _ = Speaker.objects.get_or_create(
            name=name, organisation=organisation, defaults={"role": role, "bio": bio}
        )
    return speakers


# Clips made in this process, by everything they show: the same clip is never encoded twice (the
# tests load the demo many times; ingest_file copies the file, so the kept one stays untouched).
_made_clips: dict[tuple, Path] = {}
_clip_folder: list[Path] = []


def demo_clip(name: str, **options) -> Path:
    key = tuple(
        sorted((name, tuple(value) if isinstance(value, list) else value) for name, value in options.items())
    )
    if key not in _made_clips or not _made_clips[key].is_file():
        if not _clip_folder:
            _clip_folder.append(Path(tempfile.mkdtemp(prefix="dangke-demo-clips-")))
            atexit.register(shutil.rmtree, _clip_folder[0], ignore_errors=True)
        _made_clips[key] = make_clip(_clip_folder[0] / f"{len(_made_clips)}-{name}", **options)
    return _made_clips[key]


def caption_document(slug: str, title: str, segments: list[Segment]):
    Document = get_document_model()
    document = Document(title=f"中文字幕：{title}")
    document.file.save(f"{slug}.zh.vtt", ContentFile(captions_vtt(segments).encode("utf-8")), save=False)
    document.save()
    return document


# What the first demo loader gave every lesson (a 6 s test pattern, three 2 s chapters, no captions).
OLD_DEMO_CHAPTERS = [(0, "开场"), (2, "故事讲述"), (4, "学习体会")]


def is_untouched_old_demo(lesson: LessonPage) -> bool:
    """A lesson the first demo loader made and nobody edited since: safe to replace its content."""
    chapters = [(chapter.start, chapter.title) for chapter in lesson.chapters.order_by("sort_order")]
    return chapters == OLD_DEMO_CHAPTERS and not lesson.captions.exists()


def upgrade_old_demo(lesson: LessonPage, segments: list[Segment]) -> None:
    """Give an old demo lesson the new chapters, transcript and captions; its test-pattern recording
    is deleted (with its files), so the loader generates the lesson-like clip in its place."""
    old_recording = lesson.recording if lesson.recording_id else None
    with transaction.atomic():
        lesson.transcript = transcript_for(segments)
        lesson.chapters = [
            LessonChapter(start=segment.start, title=segment.chapter, sort_order=i)
            for i, segment in enumerate(segments)
        ]
        lesson.captions = [
            LessonCaption(
                document=caption_document(lesson.slug, lesson.title, segments), srclang="zh", label="中文"
            )
        ]
        lesson.recording = None
        lesson.save_revision().publish()
        if old_recording is not None and not LessonPage.objects.filter(recording=old_recording).exists():
            old_recording.delete()


def load_demo_lessons(*, home_page, stdout) -> None:
    index, series = ensure_structure(home_page)
    speakers = ensure_speakers()
    seconds = clip_seconds()
    created = upgraded = 0
    recordings = 0
    font = missing_font_reported = None
    for n, (slug, series_title, episode, title, names, given, tags, audience) in enumerate(LESSONS):
        segments = segments_for(title, names, seconds)
        lesson = LessonPage.objects.child_of(index).filter(slug=slug).first()
        if lesson is None:
            lesson = LessonPage(
                title=title,
                slug=slug,
                series=series[series_title],
                episode_number=episode,
                date_given=datetime.date.fromisoformat(given),
                audience=audience,
                summary=f"{'、'.join(names)}主讲《{title}》。",
                transcript=transcript_for(segments),
            )
            lesson.lesson_speakers = [
                LessonSpeaker(speaker=speakers[name], sort_order=i) for i, name in enumerate(names)
            ]
            lesson.chapters = [
                LessonChapter(start=segment.start, title=segment.chapter, sort_order=i)
                for i, segment in enumerate(segments)
            ]
            lesson.tags.set(tags)
            with transaction.atomic():
                lesson.captions = [
                    LessonCaption(
                        document=caption_document(slug, title, segments), srclang="zh", label="中文"
                    )
                ]
                index.add_child(instance=lesson)
                lesson.save_revision().publish()
            created += 1
        elif is_untouched_old_demo(lesson):
            upgrade_old_demo(lesson, segments)
            upgraded += 1
        if lesson.recording_id is None:
            from media.services import ingest_file

            if font is None and missing_font_reported is None:
                font = find_cjk_font()
                missing_font_reported = font is None
                if font is None:
                    stdout.write(
                        "未找到中文字体（/usr/share/fonts 下没有 CJK 字体，make system-deps 会安装 fonts-noto-cjk）："
                        "演示录像的幻灯片不带文字，字幕和章节照常。"
                    )
            clip = demo_clip(
                f"{slug}.mp4",
                title=title,
                speakers=names,
                series=series_title,
                seconds=seconds,
                frequency=220 + 20 * n,
                font=font,
            )
            with transaction.atomic():
                recording = ingest_file(
                    clip, title=f"党课录像：{title}", members_only=audience == Audience.MEMBERS
                )
                LessonPage.objects.filter(pk=lesson.pk).update(recording=recording)
            recordings += 1
    stdout.write(
        f"党课：{LessonPage.objects.child_of(index).count()} 节（本次新增 {created}"
        + (f"，{upgraded} 节旧演示党课换上新录像" if upgraded else "")
        + "），"
        f"新排队转码 {recordings} 个约 {seconds} 秒的演示录像（带中文字幕和章节，由任务进程完成）。"
    )
