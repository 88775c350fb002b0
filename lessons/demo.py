"""Demo lessons for `manage.py load_demo`: both series, speakers, chapters, transcripts and a short
generated recording per lesson put through the media pipeline. Idempotent (looked up by slug)."""

from __future__ import annotations

import datetime
import subprocess
import tempfile
from pathlib import Path

from django.db import transaction
from wagtail.models import Workflow, WorkflowPage

from .models import (
    Audience,
    HomeDisplay,
    LessonChapter,
    LessonIndexPage,
    LessonPage,
    LessonSeriesPage,
    LessonSpeaker,
    Speaker,
    SpeakerRole,
)

REVIEW_WORKFLOW = "政治审核"
CLIP_SECONDS = 6

SPEAKERS = [
    ("陈立新", SpeakerRole.LEADER, "中共大连市委组织部", "长期从事组织工作，多次为基层党员宣讲党的创新理论。"),
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
    ("monthly-02", MONTHLY, 2, "关向应：从大连走出的革命家", ["张德顺"], "2025-02-14", ["党史", "红色故事"], "public"),
    ("monthly-03", MONTHLY, 3, "网格里的党旗红", ["王建国"], "2025-03-14", ["基层治理"], "public"),
    ("monthly-04", MONTHLY, 4, "旅顺日俄监狱旧址里的记忆", ["张德顺", "刘海燕"], "2025-04-15", ["党史", "红色故事"], "public"),
    ("monthly-05", MONTHLY, 5, "支部书记怎样讲好党课", ["赵晓梅"], "2025-05-15", ["支部建设"], "members"),
    ("monthly-06", MONTHLY, 6, "“三会一课”怎样开出实效", ["刘海燕"], "2025-06-13", ["支部建设", "组织生活"], "public"),
    ("monthly-07", MONTHLY, 7, "建党百年后的再出发", ["陈立新"], "2025-07-01", ["理论学习", "党史"], "public"),
    ("showcase-01", SHOWCASE, 1, "码头上的工匠精神", ["孙志强"], "2024-05-01", ["先进典型"], "public"),
    ("showcase-02", SHOWCASE, 2, "白衣为甲 守护万家", ["李秀英"], "2024-06-20", ["先进典型"], "public"),
    ("showcase-03", SHOWCASE, 3, "一位老模范的六十年", ["周桂兰"], "2024-07-01", ["红色故事", "先进典型"], "public"),
    ("showcase-04", SHOWCASE, 4, "乡村振兴路上的党支部", ["赵晓梅"], "2024-09-10", ["乡村振兴", "支部建设"], "public"),
    ("showcase-05", SHOWCASE, 5, "大连中华工学会旧址的故事", ["张德顺"], "2024-10-15", ["党史", "红色故事"], "public"),
    ("showcase-06", SHOWCASE, 6, "党员干部的担当与作为", ["陈立新", "孙志强"], "2024-12-05", ["理论学习"], "members"),
]

CHAPTERS = ["开场", "故事讲述", "学习体会"]


def transcript_for(title: str, speakers: list[str]) -> str:
    name = "、".join(speakers)
    return "\n".join(
        [
            f"[00:00] 同志们好，我是{name}。今天和大家交流的题目是《{title}》。",
            "[00:02] 我们先回顾一段历史，看看先辈们在大连这片土地上留下的足迹。",
            "[00:04] 最后谈几点学习体会，与大家共勉。谢谢大家。",
        ]
    )


def make_clip(path: Path, *, seconds=CLIP_SECONDS, frequency=440) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-nostdin",
         "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
         "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=44100",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "file:" + str(path)],
        check=True,
    )
    return path


@transaction.atomic
def ensure_structure(home_page) -> tuple[LessonIndexPage, dict[str, LessonSeriesPage]]:
    index = LessonIndexPage.objects.child_of(home_page).first()
    if index is None:
        index = LessonIndexPage(
            title="党课", slug="lessons", show_in_menus=True,
            intro="“党课开讲啦·月讲悦听”系列党课与精品党课展播，可看可听，随时继续。",
        )
        home_page.add_child(instance=index)
        index.save_revision().publish()
    workflow = Workflow.objects.filter(name=REVIEW_WORKFLOW).first()
    if workflow is not None:
        WorkflowPage.objects.get_or_create(page=index, defaults={"workflow": workflow})
    series = {}
    for slug, title, display, intro in [
        ("monthly", MONTHLY, HomeDisplay.LATEST, "每月一讲，可看可听：领导干部、支部书记、先进典型和老党员讲党课。"),
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


def load_demo_lessons(*, home_page, stdout) -> None:
    index, series = ensure_structure(home_page)
    speakers = ensure_speakers()
    created = 0
    recordings = 0
    with tempfile.TemporaryDirectory(prefix="dangke-demo-lessons-") as folder:
        for n, (slug, series_title, episode, title, names, given, tags, audience) in enumerate(LESSONS):
            lesson = LessonPage.objects.child_of(index).filter(slug=slug).first()
            if lesson is None:
                lesson = LessonPage(
                    title=title, slug=slug, series=series[series_title], episode_number=episode,
                    date_given=datetime.date.fromisoformat(given), audience=audience,
                    summary=f"{'、'.join(names)}主讲《{title}》。",
                    transcript=transcript_for(title, names),
                )
                lesson.lesson_speakers = [LessonSpeaker(speaker=speakers[name], sort_order=i) for i, name in enumerate(names)]
                lesson.chapters = [LessonChapter(start=i * 2, title=t, sort_order=i) for i, t in enumerate(CHAPTERS)]
                lesson.tags.set(tags)
                with transaction.atomic():
                    index.add_child(instance=lesson)
                    lesson.save_revision().publish()
                created += 1
            if lesson.recording_id is None:
                from media.services import ingest_file

                clip = make_clip(Path(folder) / f"{slug}.mp4", frequency=330 + 40 * n)
                with transaction.atomic():
                    recording = ingest_file(
                        clip, title=f"党课录像：{title}", members_only=audience == Audience.MEMBERS
                    )
                    LessonPage.objects.filter(pk=lesson.pk).update(recording=recording)
                recordings += 1
    stdout.write(
        f"党课：{LessonPage.objects.child_of(index).count()} 节（本次新增 {created}），"
        f"新排队转码 {recordings} 个录像（由任务进程完成）。"
    )
