"""Check the blind relevance set in this folder: `python bench/relevance/validate.py`.

Reads only corpus.jsonl and queries.jsonl; knows nothing about the search engine. Exits 1 on any error.
Warnings (printed, exit 0) are for a person to look at: word overlaps in a synonym target's body, and
pinyin-initial queries that pypinyin's readings do not reproduce (it mis-reads some polyphones).
"""

import itertools
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = ("pinyin_initials", "synonym", "question", "filter", "regression")
SERIES = {"党课开讲啦·月讲悦听", "精品党课展播", ""}
ROLES = {"leading_cadre", "grassroots_secretary", "model_figure", "veteran"}
DISTRICTS = {
    "中山区",
    "西岗区",
    "沙河口区",
    "甘井子区",
    "旅顺口区",
    "金州区",
    "普兰店区",
    "瓦房店市",
    "庄河市",
    "长海县",
    "",
}
QUESTION_MARKERS = (
    "请问",
    "我想",
    "有没有",
    "哪个",
    "哪些",
    "哪位",
    "怎么",
    "怎样",
    "什么",
    "吗",
    "呢",
    "呀",
    "为什么",
    "谁",
)
# What a filter note may name (filter queries), and how a lesson is tested for it.
FILTER_KEYS = {
    "year": lambda lesson, v: lesson["date"][:4] == v,
    "series": lambda lesson, v: lesson["series"] == v,
    "role": lambda lesson, v: lesson["speaker_role"] == v,
    "district": lambda lesson, v: lesson["district"] == v,
}
CJK = re.compile(r"[\u3400-\u9fff]")

errors: list[str] = []
warnings: list[str] = []


def load(name):
    with open(HERE / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def check_corpus(lessons):
    ids = [lesson["id"] for lesson in lessons]
    if len(lessons) != 140:
        errors.append(f"corpus has {len(lessons)} lessons, expected 140")
    if ids != [f"L{i:03d}" for i in range(1, len(lessons) + 1)]:
        errors.append("lesson ids are not L001..L140 in order")
    for lesson in lessons:
        lid = lesson["id"]
        for field in ("title", "summary", "body", "speaker", "date", "tags"):
            if not lesson.get(field):
                errors.append(f"{lid}: missing {field}")
        if lesson["series"] not in SERIES:
            errors.append(f"{lid}: bad series {lesson['series']!r}")
        if lesson["speaker_role"] not in ROLES:
            errors.append(f"{lid}: bad speaker_role {lesson['speaker_role']!r}")
        if lesson["district"] not in DISTRICTS:
            errors.append(f"{lid}: bad district {lesson['district']!r}")
        if not re.fullmatch(r"20(19|2[0-6])-\d\d-\d\d", lesson["date"]):
            errors.append(f"{lid}: date {lesson['date']} outside 2019–2026")
        sentences = len(re.findall(r"[。！？]", lesson["body"]))
        if not 2 <= sentences <= 6:
            errors.append(f"{lid}: body has {sentences} sentences, expected 2–6")
    roles = {}
    for lesson in lessons:
        if roles.setdefault(lesson["speaker"], lesson["speaker_role"]) != lesson["speaker_role"]:
            errors.append(f"{lesson['id']}: speaker {lesson['speaker']} has two roles")
    print(f"corpus: {len(lessons)} lessons, {len(roles)} speakers")


def initials_options(text):
    """Per CJK character, the set of first letters of all its readings (heteronyms included)."""
    from pypinyin import Style, pinyin

    out = []
    for ch in text:
        if CJK.match(ch):
            readings = pinyin(ch, style=Style.FIRST_LETTER, heteronym=True)[0]
            out.append({r[0] for r in readings if r})
        else:
            out.append(None)  # breaks a run of syllables
    return out


def initials_match(query, text):
    opts = initials_options(text)
    n = len(query)
    for start in range(len(opts) - n + 1):
        window = opts[start : start + n]
        if all(o is not None and q in o for q, o in zip(query, window, strict=True)):
            return True
    return False


def bigrams(text):
    chars = [c for c in text if CJK.match(c)]
    return {a + b for a, b in itertools.pairwise(chars)} if len(chars) > 1 else set()


def parse_note_filters(note):
    """A filter query's note starts with `topic=TAG[|TAG]; year=2023; role=veteran; ...` then a free remark."""
    spec = {}
    for part in note.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep and key in ("topic", *FILTER_KEYS):
            spec[key] = value.strip()
    return spec


def check_queries(queries, lessons):
    by_id = {lesson["id"]: lesson for lesson in lessons}
    if [q["qid"] for q in queries] != [f"Q{i:03d}" for i in range(1, len(queries) + 1)]:
        errors.append("qids are not Q001.. in order")
    kinds = Counter(q["kind"] for q in queries)
    for kind in KINDS:
        if not 36 <= kinds[kind] <= 44:
            errors.append(f"kind {kind}: {kinds[kind]} queries, expected about 40")
    for kind in set(kinds) - set(KINDS):
        errors.append(f"unknown kind {kind}")
    seen_in_kind = Counter()
    for q in queries:
        qid, kind, text = q["qid"], q["kind"], q["query"]
        expected_split = "tune" if seen_in_kind[kind] % 2 == 0 else "heldout"
        seen_in_kind[kind] += 1
        if q["split"] != expected_split:
            errors.append(f"{qid}: split {q['split']}, the alternation rule gives {expected_split}")
        rel = q["relevant"]
        if not 1 <= len(rel) <= 3 or len(set(rel)) != len(rel):
            errors.append(f"{qid}: relevant must be 1–3 distinct ids, got {rel}")
        missing = [r for r in rel if r not in by_id]
        if missing:
            errors.append(f"{qid}: unknown lesson ids {missing}")
            continue
        if not q.get("note"):
            errors.append(f"{qid}: empty note")
        if kind == "pinyin_initials":
            if not re.fullmatch(r"[a-z]{2,8}", text):
                errors.append(f"{qid}: pinyin initials must be 2–8 ASCII lowercase letters, got {text!r}")
            else:
                best = by_id[rel[0]]
                fields = [best["title"], best["speaker"], best["summary"], best["body"]]
                try:
                    if not any(initials_match(text, f) for f in fields):
                        warnings.append(f"{qid}: {text!r} not found in pypinyin initials of {rel[0]}")
                except ImportError:
                    if "no pypinyin" not in warnings:
                        warnings.append("no pypinyin")
        elif kind == "synonym":
            qchars = set(CJK.findall(text))
            for r in rel:
                lesson = by_id[r]
                shared = qchars & set(
                    CJK.findall(lesson["title"] + lesson["summary"] + "".join(lesson["tags"]))
                )
                if shared:
                    errors.append(
                        f"{qid}: {text!r} shares {''.join(sorted(shared))} with {r}'s title/summary/tags"
                    )
                deep = bigrams(text) & bigrams(lesson["body"] + lesson.get("transcript", ""))
                if deep:
                    warnings.append(f"{qid}: {text!r} shares words {sorted(deep)} with {r}'s body")
        elif kind == "question":
            n = len(text)
            if not 15 <= n <= 25:
                errors.append(f"{qid}: question has {n} characters, expected 15–25")
            if not any(m in text for m in QUESTION_MARKERS):
                errors.append(f"{qid}: question has no question word or filler")
        elif kind == "filter":
            if re.search(r"去年|今年|前年|明年", text):
                errors.append(f"{qid}: relative year in {text!r}")
            spec = parse_note_filters(q["note"])
            if "topic" not in spec or len(spec) < 2:
                errors.append(f"{qid}: note must start with topic=...; and at least one filter")
                continue
            topics = spec.pop("topic").split("|")
            want = [
                lesson["id"]
                for lesson in lessons
                if any(t in lesson["tags"] for t in topics)
                and all(FILTER_KEYS[k](lesson, v) for k, v in spec.items())
            ]
            if set(want) != set(rel):
                errors.append(f"{qid}: filters+topic select {want}, relevant lists {rel}")
    print("queries:", len(queries), dict(kinds))
    splits = Counter((q["kind"], q["split"]) for q in queries)
    for kind in KINDS:
        print(f"  {kind:16} tune {splits[(kind, 'tune')]:3}  heldout {splits[(kind, 'heldout')]:3}")


def main():
    lessons = load("corpus.jsonl")
    queries = load("queries.jsonl")
    check_corpus(lessons)
    check_queries(queries, lessons)
    for w in warnings:
        if w == "no pypinyin":
            w = "pypinyin is not installed: pinyin initials were not checked against the lessons"
        print("warning:", w)
    for e in errors:
        print("ERROR:", e)
    print(f"{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
