"""Filters typed into the query text: a year (2023年, 二〇二三年, 去年), a series (精品党课展播, 月讲悦听),
a speaker role (老党员, 基层党组织书记) or a district (金州区, 金州). They are recognised against the
values the index actually holds for those facets, applied as filters, and taken out of the words
that are searched.

A value is recognised only as whole words of the query, never inside a longer known term: 旅顺 in
旅顺日俄监狱旧址 is part of a site's name, not the district 旅顺口区.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .analysis import CJK_RUN, TOKEN_RUN, fold

RECOGNISED_FACETS = ("year", "series", "speaker_role", "district")
LABELS = {"year": "年份", "series": "系列", "speaker_role": "主讲人身份", "district": "区县"}

# Everyday names for a role that the role's label does not contain (the labels come from the data).
ROLE_ALIASES = {
    "支部书记": "基层党组织书记",
    "党支部书记": "基层党组织书记",
    "村支书": "基层党组织书记",
    "社区书记": "基层党组织书记",
    "领导干部": "党员领导干部",
    "劳模": "老党员、老模范",
    "老劳模": "老党员、老模范",
    "先进人物": "先进典型",
    "先进模范": "先进典型",
    "典型人物": "先进典型",
}
# Endings a series' name may be typed without (精品党课 for 精品党课展播).
SERIES_ENDINGS = ("展播", "系列", "专栏", "专题")
DISTRICT_ENDINGS = ("区", "县", "市")

CHINESE_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
YEAR_PATTERN = re.compile(r"(?<![0-9〇零一二三四五六七八九])((?:19|20)[0-9]{2}|[一二][〇零一二三四五六七八九]{3})(?:年度|年)?"
                          r"(?![0-9〇零一二三四五六七八九])")
RELATIVE_YEARS = {"今年": 0, "去年": -1, "前年": -2}


@dataclass(frozen=True)
class QueryFilter:
    name: str  # the facet: year, series, speaker_role, district
    value: str  # the facet value applied
    text: str  # what the query said (2023年, 老党员)

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)


def aliases(name: str, value: str) -> list[str]:
    """The ways a facet value may be typed: itself, its parts (老党员、老模范 → 老党员, 老模范;
    党课开讲啦·月讲悦听 → 月讲悦听), without a generic ending (精品党课展播 → 精品党课, 金州区 → 金州)."""
    folded = fold(value).strip()
    out = [folded]
    # A role label names several kinds of people (老党员和老模范): each may be typed alone.
    separators = r"[、·・,，/\s和与及]+" if name == "speaker_role" else r"[、·・,，/\s]+"
    parts = [p for p in re.split(separators, folded) if p]
    if len(parts) > 1:
        out.extend(p for p in parts if len(p) >= 2)
    endings = SERIES_ENDINGS if name == "series" else DISTRICT_ENDINGS if name == "district" else ()
    for part in list(out):
        for ending in endings:
            stem = part[: -len(ending)]
            if part.endswith(ending) and len(stem) >= 2:
                out.append(stem)
                if name == "district" and stem.endswith("口") and len(stem) >= 3:
                    out.append(stem[:-1])  # 旅顺口区 → 旅顺
    if name == "speaker_role":
        out.extend(fold(alias) for alias, role in ROLE_ALIASES.items() if fold(role) == folded)
    return list(dict.fromkeys(a for a in out if a))


def recognise(query: str, vocabulary: dict[str, list[str]], *, words, terms=frozenset(), today: date | None = None
              ) -> tuple[str, list[QueryFilter]]:
    """(the query without the recognised filters, the filters). `words(text)` segments text into
    words (the analyzer's, with the aliases in its dictionary); `terms` are known longer terms."""
    folded = fold(query)
    if len(folded) != len(query):
        query = folded
    today = today or date.today()
    found: list[QueryFilter] = []
    spans: list[tuple[int, int]] = []
    years = set(vocabulary.get("year") or ())

    for match in YEAR_PATTERN.finditer(folded):
        year = match.group(1).translate(CHINESE_DIGITS)
        if year in years and not any(f.name == "year" for f in found):
            found.append(QueryFilter("year", year, query[match.start() : match.end()]))
            spans.append((match.start(), match.end()))
    for word, offset in RELATIVE_YEARS.items():
        position = folded.find(word)
        year = str(today.year + offset)
        if position >= 0 and year in years and not any(f.name == "year" for f in found):
            found.append(QueryFilter("year", year, query[position : position + len(word)]))
            spans.append((position, position + len(word)))

    # Longest alias first, so 基层党组织书记 wins over a shorter alias inside it.
    candidates = sorted(
        ((alias, name, value) for name in ("series", "speaker_role", "district")
         for value in vocabulary.get(name) or () for alias in aliases(name, value)),
        key=lambda item: -len(item[0]),
    )
    # Years out of the way first: 2024年老党员 must not segment as 2024 / 年老 / 党员.
    masked = folded
    for start, end in spans:
        masked = masked[:start] + " " * (end - start) + masked[end:]
    boundaries = _word_boundaries(masked, words)
    for alias, name, value in candidates:
        if any(f.name == name for f in found):
            continue
        start = masked.find(alias)
        while start >= 0:
            end = start + len(alias)
            free = not any(s < end and start < e for s, e in spans)
            if free and start in boundaries and end in boundaries and not _inside_longer_term(masked, start, end, terms):
                found.append(QueryFilter(name, value, query[start:end]))
                spans.append((start, end))
                break
            start = masked.find(alias, start + 1)

    remaining = query
    for start, end in sorted(spans, reverse=True):
        remaining = remaining[:start] + " " + remaining[end:]
    return re.sub(r"\s+", " ", remaining).strip(), found


def _word_boundaries(text: str, words) -> set[int]:
    """Offsets in `text` where a word starts or ends, by the segmenter (non-word characters are
    boundaries on both sides)."""
    boundaries = {0, len(text)}
    for run_match in TOKEN_RUN.finditer(text):
        start = run_match.start()
        boundaries.update((run_match.start(), run_match.end()))
        if not CJK_RUN.fullmatch(run_match.group()):
            continue
        for word in words(run_match.group()):
            boundaries.add(start)
            start += len(word)
            boundaries.add(start)
    return boundaries


def _inside_longer_term(text: str, start: int, end: int, terms) -> bool:
    """Whether text[start:end] lies inside a longer known term of the text (a site's name)."""
    for size in range(end - start + 1, min(len(text), 12) + 1):
        for left in range(max(0, end - size), min(start, len(text) - size) + 1):
            if text[left : left + size] in terms:
                return True
    return False
