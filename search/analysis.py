"""The one analyzer every search backend uses, for documents and queries alike.

Text is folded first (NFKC, lower case, traditional → simplified with OpenCC), then cut into tokens:

- words from rjieba, with a domain dictionary (party terms, the names of speakers and sites the
  platform knows, the editors' synonyms) so 三会一课 and 关向应 stay whole;
- overlapping character pairs of every Chinese run, so a word the segmenter cut differently is
  still found (recall);
- pinyin syllables of titles and names in their own stream, so "leifeng" and a homophone typo
  (关向英) still find 雷锋 and 关向应.

Backends never segment text themselves: they index the token lists this module returns (FTS5,
tsvector and Elasticsearch's whitespace analyzer all just split on spaces) and run the
`QueryPlan` it builds from a query.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import opencc
import rjieba
from pypinyin import Style, lazy_pinyin

# Party terms the stock jieba dictionary cuts apart. Names of speakers and sites join at run time.
DOMAIN_TERMS = [
    "三会一课",
    "主题党日",
    "党员活动日",
    "两学一做",
    "不忘初心",
    "牢记使命",
    "不忘初心牢记使命",
    "红色线路",
    "红色故事",
    "红色基因",
    "党课开讲啦",
    "月讲悦听",
    "精品党课",
    "党员思想教育基地",
    "组织生活会",
    "民主评议党员",
    "支部党员大会",
    "支部委员会",
    "党小组会",
    "党小组",
    "党支部",
    "党总支",
    "党委",
    "三册两簿三台账",
    "网格党组织",
    "基层党组织",
    "党员领导干部",
    "先进典型",
    "老党员",
    "老模范",
    "初心使命",
    "党史学习教育",
    "主题教育",
    "四史",
    "党建",
    "党章",
    "党规",
    "党纪",
    "廉政",
    "雷锋精神",
    "关向应",
    "关向应纪念馆",
    "旅顺日俄监狱旧址",
    "万忠墓纪念馆",
    "苏军烈士陵园",
    "大连革命烈士陵园",
    "大连中华工学会旧址",
    "建新公司旧址",
    "大连党建网",
]

# Words a query may contain that say nothing about what is wanted.
QUERY_STOP_WORDS = frozenset(["的", "了", "和", "与", "及", "或", "是", "在", "之", "也", "都", "而", "把", "被", "对", "从", "吗", "呢", "啊", "有关", "关于", "the", "a", "an", "of", "and"])

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
TOKEN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
ASCII_WORD = re.compile(r"^[a-z]+$")

_opencc = opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """NFKC (full-width → half-width), lower case, traditional → simplified. OpenCC's t2s maps
    character for character, so offsets in the folded text match the original's."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _opencc.convert(text)


def character_pairs(run: str) -> list[str]:
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


@lru_cache(maxsize=200_000)
def _word_pinyin(word: str) -> tuple[str, ...]:
    return tuple(s for s in lazy_pinyin(word, style=Style.NORMAL, errors="ignore") if s.isalpha())


def pinyin_syllables(text: str) -> list[str]:
    """Toneless syllables of the Chinese characters in `text`; ASCII words pass through.
    Converted word by word (pypinyin's phrase table picks the reading of 重 in 重庆), with a cache:
    a corpus repeats its words, and pypinyin is the slowest step of indexing otherwise."""
    syllables: list[str] = []
    for run in TOKEN_RUN.findall(fold(text)):
        if CJK_RUN.fullmatch(run):
            for word in rjieba.cut(run, False):
                syllables.extend(_word_pinyin(word))
        else:
            syllables.append(run)
    return syllables


@lru_cache(maxsize=1)
def _all_syllables() -> frozenset[str]:
    from pypinyin.pinyin_dict import pinyin_dict

    syllables = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            # Tone marks off (NFD, drop combining marks); ü is typed as v.
            decomposed = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
            syllables.add("".join(c for c in decomposed if not unicodedata.combining(c)))
    return frozenset(s for s in syllables if s.isascii() and s.isalpha())


def split_pinyin(word: str) -> list[str] | None:
    """"guanxiangying" → ["guan", "xiang", "ying"]: the split into the fewest valid syllables, or
    None when the word is not pinyin."""
    if not ASCII_WORD.match(word) or len(word) < 2:
        return None
    syllables = _all_syllables()
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and word[start:end] in syllables:
                candidate = [*head, word[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[len(word)]


# --- queries ----------------------------------------------------------------------------------


def _merge_single_characters(words: list[str]) -> list[str]:
    """Attach single characters the segmenter could not place (万中/墓 from a misspelt 万忠墓) to
    the neighbouring word, so the word's character pairs and pinyin can still match. Stop words
    stay apart (and are dropped later)."""
    merged: list[str] = []
    carry = ""
    for word in words:
        if word in QUERY_STOP_WORDS:
            if carry:
                merged.append(carry)
                carry = ""
            merged.append(word)
        elif len(word) == 1:
            if merged and merged[-1] not in QUERY_STOP_WORDS and not carry:
                merged[-1] += word
            else:
                carry += word
        else:
            merged.append(carry + word)
            carry = ""
    if carry:
        merged.append(carry)
    return merged


@dataclass(frozen=True)
class Alternative:
    """One way to satisfy a query word: all `tokens` in the word streams, or, when `pinyin`, the
    syllables as a phrase in the pinyin stream."""

    tokens: tuple[str, ...]
    pinyin: bool = False


@dataclass
class QueryGroup:
    word: str  # the query word as typed (folded)
    alternatives: list[Alternative] = field(default_factory=list)


@dataclass
class QueryPlan:
    text: str  # the folded query
    groups: list[QueryGroup]  # every group must match (AND); within one, any alternative (OR)
    loose_tokens: list[str]  # the relaxed query: any of these (OR), used when the strict one finds nothing
    highlight_terms: list[str]  # surface strings to mark in snippets, longest first

    @property
    def is_empty(self) -> bool:
        return not self.groups


@dataclass
class AnalyzedDocument:
    """Token streams of one document, by stream name. Each is a list of tokens in text order."""

    title: list[str]
    names: list[str]  # extra fields (speakers, tags, address…) and suggest entries
    body: list[str]  # summary and body
    transcript: list[str]
    pinyin: list[str]  # syllables of title and names


class Analyzer:
    """Segmentation with the domain dictionary plus the synonym table. Build it through
    `get_analyzer()`; it is shared by the whole process and rebuilt when the dictionary changes."""

    def __init__(self, terms=(), synonyms: dict[str, list[str]] | None = None):
        self._jieba = rjieba.Jieba()
        self._lock = threading.Lock()
        self.terms: set[str] = set()
        self.synonyms: dict[str, list[str]] = {}
        self._sound_index: dict[str, list[str]] | None = None
        self.add_terms(DOMAIN_TERMS)
        self.add_terms(terms)
        for term, alternatives in (synonyms or {}).items():
            self.add_synonyms(term, alternatives)

    # dictionary ---------------------------------------------------------------------------
    def add_terms(self, terms) -> None:
        with self._lock:
            for term in terms:
                term = fold(term).strip()
                if not term or term in self.terms or not CJK_RUN.fullmatch(term) or len(term) > 12:
                    continue
                self.terms.add(term)
                self._jieba.add_word(term, None, None)
                self._sound_index = None

    def add_synonyms(self, term: str, alternatives) -> None:
        term = fold(term).strip()
        folded = [fold(a).strip() for a in alternatives if fold(a).strip() and fold(a).strip() != term]
        if not term or not folded:
            return
        self.add_terms([term, *folded])
        # Synonyms go both ways: 主题党日 finds 党员活动日 and the other way round.
        for left, right in [(term, folded)] + [(a, [term]) for a in folded]:
            known = self.synonyms.setdefault(left, [])
            known.extend(r for r in right if r not in known)

    # segmentation -------------------------------------------------------------------------
    def words(self, text: str, *, for_search: bool = True) -> list[str]:
        """Words of already folded text, in order (for_search adds the sub-words of long words)."""
        cut = self._jieba.cut_for_search if for_search else self._jieba.cut
        out: list[str] = []
        for run in TOKEN_RUN.findall(text):
            if CJK_RUN.fullmatch(run):
                out.extend(w for w in cut(run, True) if CJK_RUN.fullmatch(w))
            else:
                out.append(run)
        return out

    def tokens(self, text: str) -> list[str]:
        """Index tokens: words, then the character pairs of every Chinese run."""
        folded = fold(text)
        out = self.words(folded)
        for run in CJK_RUN.findall(folded):
            if len(run) > 2:
                out.extend(character_pairs(run))
        return out

    def analyze(self, *, title: str, names: list[str], body: str, transcript: list[str], summary: str = ""):
        name_text = " ".join(names)
        return AnalyzedDocument(
            title=self.tokens(title),
            names=self.tokens(name_text),
            body=self.tokens(f"{summary} {body}"),
            transcript=[token for cue in transcript for token in self.tokens(cue)],
            pinyin=pinyin_syllables(f"{title} {name_text}"),
        )

    # queries ------------------------------------------------------------------------------
    def plan(self, query: str) -> QueryPlan:
        folded = fold(query)[:200]
        groups: list[QueryGroup] = []
        highlight: set[str] = set()
        loose: list[str] = []
        for run in TOKEN_RUN.findall(folded):
            if CJK_RUN.fullmatch(run):
                words = [w for w in _merge_single_characters(self._jieba.cut(run, True)) if w not in QUERY_STOP_WORDS]
                loose.extend(character_pairs(run) if len(run) > 1 else [run])
            else:
                words = [] if run in QUERY_STOP_WORDS else [run]
                loose.append(run)
            for word in words:
                group = self._group(word)
                groups.append(group)
                highlight.add(word)
                for alternative in group.alternatives:
                    if not alternative.pinyin and len(alternative.tokens) == 1:
                        highlight.add(alternative.tokens[0])
                highlight.update(self.synonyms.get(word, []))
        return QueryPlan(
            text=folded,
            groups=groups,
            loose_tokens=list(dict.fromkeys(loose)),
            highlight_terms=sorted(highlight, key=len, reverse=True),
        )

    def _group(self, word: str) -> QueryGroup:
        alternatives = [Alternative((word,))]
        if CJK_RUN.fullmatch(word):
            if len(word) > 2:
                alternatives.append(Alternative(tuple(character_pairs(word))))
            if len(word) > 1:
                alternatives.append(Alternative(tuple(pinyin_syllables(word)), pinyin=True))
            for synonym in self.synonyms.get(word, []):
                # Stop words (和 in 党小组会和党课) would only make every posting list longer.
                words = self.words(synonym, for_search=False)
                tokens = tuple(dict.fromkeys(w for w in words if w not in QUERY_STOP_WORDS))
                if tokens:
                    alternatives.append(Alternative(tokens))
                # Pairs of one Chinese run only: a pair across punctuation (会、) is never indexed.
                if len(synonym) > 2 and CJK_RUN.fullmatch(synonym):
                    alternatives.append(Alternative(tuple(character_pairs(synonym))))
        else:
            syllables = split_pinyin(word)
            if syllables:
                alternatives.append(Alternative(tuple(syllables), pinyin=True))
        return QueryGroup(word=word, alternatives=list(dict.fromkeys(alternatives)))

    # "did you mean" -----------------------------------------------------------------------
    def correct(self, query: str) -> str | None:
        """A corrected query when a word is not in the dictionary but sounds like (or nearly is)
        a known term: 关向英纪念馆 → 关向应纪念馆. None when nothing better is known."""
        folded = fold(query).strip()
        terms = self.terms
        by_sound = self._terms_by_sound()
        changed = False
        pieces = []
        for run in re.split(r"(\s+)", folded):
            if not CJK_RUN.fullmatch(run or "") or run in terms:
                pieces.append(run)
                continue
            replacement = self._correct_run(run, by_sound)
            changed = changed or replacement != run
            pieces.append(replacement)
        corrected = "".join(pieces)
        return corrected if changed else None

    def _correct_run(self, run: str, by_sound: dict[str, list[str]]) -> str:
        # The longest known term that sounds like a stretch of the run replaces that stretch.
        for size in range(min(len(run), 12), 1, -1):
            for start in range(0, len(run) - size + 1):
                piece = run[start : start + size]
                if piece in self.terms:
                    continue
                sound = " ".join(pinyin_syllables(piece))
                candidates = [t for t in by_sound.get(sound, []) if t != piece]
                if candidates:
                    best = difflib.get_close_matches(piece, candidates, n=1, cutoff=0) or candidates
                    return run[:start] + best[0] + self._correct_run(run[start + size :], by_sound)
        return run

    def _terms_by_sound(self) -> dict[str, list[str]]:
        """Terms and their beginnings of three characters or more (万忠墓 of 万忠墓纪念馆), by pinyin."""
        if self._sound_index is not None:
            return self._sound_index
        index: dict[str, list[str]] = {}
        for term in self.terms:
            for size in range(3, len(term) + 1):
                piece = term[:size]
                index.setdefault(" ".join(pinyin_syllables(piece)), []).append(piece)
        self._sound_index = index
        return index


_analyzer: Analyzer | None = None
_analyzer_version: object = None
_analyzer_lock = threading.Lock()


def get_analyzer() -> Analyzer:
    """The process's analyzer, rebuilt when editors change synonyms or new names were indexed
    (a version number in the cache tells every process)."""
    global _analyzer, _analyzer_version
    from django.core.cache import cache

    version = cache.get(DICTIONARY_VERSION_KEY)
    if _analyzer is None or version != _analyzer_version:
        with _analyzer_lock:
            from .models import DictionaryTerm, Synonym

            _analyzer = Analyzer(
                terms=DictionaryTerm.objects.values_list("text", flat=True),
                synonyms=Synonym.as_mapping(),
            )
            _analyzer_version = version
    return _analyzer


DICTIONARY_VERSION_KEY = "search:dictionary-version"


def dictionary_changed() -> None:
    """Tell every process to rebuild its analyzer on its next query."""
    import time

    from django.core.cache import cache

    cache.set(DICTIONARY_VERSION_KEY, time.time_ns(), None)
