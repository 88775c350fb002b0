"""Plain SearchDocuments the backend tests index directly (no domain app needed)."""

from datetime import date

from search.registry import AUDIENCE_MEMBERS, SearchDocument, TranscriptCue


def corpus() -> list[SearchDocument]:
    return [
        SearchDocument(
            doc_type="lesson", pk=1, title="三会一课的由来与实践", url="/lessons/sanhui/",
            summary="讲清三会一课制度的来历和支部的做法。",
            body="支部党员大会、支部委员会会议、党小组会和党课，是党支部组织生活的基本制度。",
            fields={"speakers": "张明华"},
            facets={"series": ["党课开讲啦·月讲悦听"], "speaker_role": ["基层党组织书记"], "topic": ["组织生活"]},
            published_at=date(2024, 3, 1), suggest=["张明华"],
            transcript=[TranscriptCue(12, "同志们好，今天我们讲组织生活。"),
                        TranscriptCue(754, "关向应同志出生在大连金州，他的故事激励着一代代共产党人。")],
        ),
        SearchDocument(
            doc_type="lesson", pk=2, title="学习雷锋精神 争做时代先锋", url="/lessons/leifeng/",
            summary="老党员讲述学雷锋的红色故事。", body="雷锋同志把有限的生命投入到无限的为人民服务之中。",
            fields={"speakers": "王建国"},
            facets={"series": ["精品党课展播"], "speaker_role": ["老党员、老模范"], "topic": ["红色故事"]},
            published_at=date(2025, 3, 5), suggest=["王建国"],
        ),
        SearchDocument(
            doc_type="site", pk=3, title="关向应纪念馆", url="/sites/guanxiangying/",
            summary="位于大连市金州区向应街道，党员思想教育基地。",
            body="纪念馆展出关向应同志的生平事迹。", fields={"address": "大连市金州区向应街道"},
            facets={"district": ["金州区"]}, suggest=["关向应纪念馆", "关向应"], location=(39.1, 121.7),
        ),
        SearchDocument(
            doc_type="route", pk=4, title="旅顺红色线路", url="/routes/lvshun/",
            summary="从万忠墓纪念馆到旅顺日俄监狱旧址的一日红色线路。", body="适合支部开展主题党日活动。",
            facets={"district": ["旅顺口区"]}, suggest=["旅顺红色线路"],
        ),
        SearchDocument(
            doc_type="lesson", pk=5, title="支部书记讲党课：初心与使命", url="/lessons/members-only/",
            summary="仅供党员观看的内部党课。", body="不忘初心、牢记使命，做合格党员。",
            facets={"series": ["精品党课展播"], "speaker_role": ["基层党组织书记"]},
            audience=AUDIENCE_MEMBERS, published_at=date(2025, 7, 1), suggest=["内部党课"],
        ),
        SearchDocument(
            doc_type="lesson", pk=6, title="基层治理中的网格党组织", url="/lessons/grid/",
            summary="网格党组织怎样把服务送到家门口。", body="党员活动日上，网格员和党员一起走访群众。",
            facets={"topic": ["基层治理"]}, published_at=date(2024, 9, 1),
        ),
    ]


def harder_corpus() -> list[SearchDocument]:
    """The corpus above plus lessons for the harder queries: synonyms with no shared character, near
    duplicates told apart by year, series and speaker role."""
    return [
        *corpus(),
        SearchDocument(
            doc_type="lesson", pk=7, title="廉洁自律从小事做起", url="/lessons/lianjie/",
            summary="作风建设专题党课。", body="严守纪律规矩，廉洁自律要从一顿饭、一张卡这样的小事做起。",
            fields={"speakers": "马建华"},
            facets={"series": ["党课开讲啦·月讲悦听"], "speaker_role": ["党员领导干部"], "topic": ["作风建设"]},
            published_at=date(2023, 5, 1), suggest=["马建华"],
        ),
        SearchDocument(
            doc_type="lesson", pk=8, title="两袖清风的老支书", url="/lessons/qingfeng/",
            summary="老支书一生两袖清风的故事。", body="他当了三十年村支书，从不拿群众一针一线。",
            fields={"speakers": "李国庆"},
            facets={"series": ["精品党课展播"], "speaker_role": ["老党员、老模范"], "topic": ["红色故事"]},
            published_at=date(2024, 6, 1), suggest=["李国庆"],
        ),
        SearchDocument(
            doc_type="lesson", pk=9, title="雷锋日记里的螺丝钉", url="/lessons/luosiding/",
            summary="青年讲雷锋：做一颗永不生锈的螺丝钉。", body="雷锋精神在新时代依然闪光。",
            fields={"speakers": "周小平"},
            facets={"series": ["党课开讲啦·月讲悦听"], "speaker_role": ["先进典型"], "topic": ["红色故事"]},
            published_at=date(2024, 3, 5), suggest=["周小平"],
        ),
    ]
