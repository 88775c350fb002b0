"""The one analyzer every search backend uses, for documents and queries alike.

Text is folded first (NFKC, lower case, traditional → simplified with OpenCC), then cut into tokens:

- words from rjieba, with a domain dictionary (party terms, the names of speakers and sites the
  platform knows, the editors' synonyms) so 三会一课 and 关向应 stay whole;
- overlapping character pairs of every Chinese run, so a word the segmenter cut differently is
  still found (recall);
- pinyin syllables of titles and names in their own stream, so "leifeng" and a homophone typo
  (关向英) still find 雷锋 and 关向应;
- pinyin initials (the first letter of each syllable) of titles, names and dictionary terms in a
  separate, lower-weighted stream, so "gxyjng" finds 关向应纪念馆 and "shyk" 三会一课; used only for
  queries typed in Latin letters.

Queries expand each word with the editors' synonyms and a thesaurus (search.thesaurus, 同义词词林),
both scored below the words as typed; question words and filler (请问、怎么、有没有、讲的…) are
dropped, and a query of three or more meaningful words (or a question) ranks documents by how many
of its words they cover instead of requiring all of them.

Backends never segment text themselves: they index the token lists this module returns (FTS5,
tsvector and Elasticsearch's whitespace analyzer all just split on spaces) and run the
`QueryPlan` it builds from a query.
"""

from __future__ import annotations

import difflib
import re
import threading
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

import opencc
import rjieba
from pypinyin import Style, lazy_pinyin, pinyin

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
# Question words and the filler of a spoken question: they need not match. Single characters here
# also stay apart from their neighbours (有 in 雷锋精神有什么意义 is not part of a word).
QUESTION_WORDS = frozenset(
    """什么 啥 怎么 怎样 怎么样 如何 为什么 为何 哪些 哪个 哪里 哪儿 哪 谁 几 多少 吗 呢 吧 呀 啊 嘛 么
    请问 请 我 我们 你 你们 咱们 大家 他们 想 想要 想知道 知道 了解 一下 一点 有没有 有无 有 没有 能不能 能否
    可以 能 要 应该 应当 该 需要 讲讲 讲一讲 说说 谈谈 聊聊 介绍 介绍一下 相关 方面 内容 东西 那个 这个
    那些 这些 一些 一个 一期 一讲 哪一期 那期 这期 节目 视频 讲座 讲 讲的 讲过 讲了 讲到 说 说的 提到 听 听听 看
    看看 找 找找 搜 搜索 推荐 是不是 是否 还有 还 以及 其中 里面 过 呀 怎么办 干什么 做什么 是什么 为啥
    给 跟 上 中 时 得 着 就 又 再 很 最 更 当时 当年 一 听一听 看一看 下""".split()  # noqa: SIM905
)
# Words that name what every document here is; in a longer query they only add noise.
GENERIC_WORDS = frozenset(["党课", "课", "一课", "课程"])

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
TOKEN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
ASCII_WORD = re.compile(r"^[a-z]+$")

_opencc = opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """NFKC (full-width → half-width), lower case, traditional → simplified. OpenCC's t2s maps
    character for character, so offsets in the folded text match the original's."""
    text = text or ""
    # A title or name is folded several times while one document is indexed (its tokens, pinyin,
    # initials, suggestion keys), and names repeat across documents: short texts are remembered.
    return _fold_short(text) if len(text) <= 100 else _fold(text)


def _fold(text: str) -> str:
    return _opencc.convert(unicodedata.normalize("NFKC", text).lower())


_fold_short = lru_cache(maxsize=20_000)(_fold)


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


def initials_of(word: str) -> str:
    """关向应 → "gxy": the first letter of each syllable of a (folded) Chinese word."""
    return "".join(s[0] for s in _word_pinyin(word))


@lru_cache(maxsize=200_000)
def initials_variants(word: str) -> tuple[str, ...]:
    """The initials a person may type for a word: the reading pypinyin picks first, then those of
    other readings of its polyphones (长津湖 is typed cjh; pypinyin reads 长 as zhǎng), four at most."""
    from itertools import product

    first = initials_of(word)
    options = pinyin(word, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    options = [[letter[0] for letter in dict.fromkeys(o) if letter and letter[0].isalpha()] for o in options]
    variants = [first]
    if all(options) and len(options) == len(first):
        count = 1
        for o in options:
            count *= len(o)
        if count <= 4:
            variants.extend("".join(letters) for letters in product(*options))
    return tuple(dict.fromkeys(v for v in variants if v))


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
        if word in QUERY_STOP_WORDS or (len(word) == 1 and word in QUESTION_WORDS):
            if carry:
                merged.append(carry)
                carry = ""
            merged.append(word)
        elif len(word) == 1:
            if merged and merged[-1] not in QUERY_STOP_WORDS and merged[-1] not in QUESTION_WORDS and not carry:
                merged[-1] += word
            else:
                carry += word
        else:
            merged.append(carry + word)
            carry = ""
    if carry:
        merged.append(carry)
    return merged


# How much a query word counts when a document holds it only in this form (the word as typed,
# its characters or its full pinyin count 1). Backends rank by the sum over the query's words.
KIND_WORD = "word"
KIND_PINYIN = "pinyin"
KIND_INITIALS = "initials"
KIND_SYNONYM = "synonym"
SOURCE_EDITOR = "editor"
SOURCE_THESAURUS = "thesaurus"
# Initials tokens carry a prefix for where they come from: a whole title or one of its words (none),
# a whole name or one of its words ("1"), several words of a title ("2"), several words of a name or
# a dictionary term in the body ("3"). A whole word or name typed as initials (jyl: 焦裕禄) beats the
# same letters spelt by the ends of neighbouring words (监狱里).
INITIALS_TITLE, INITIALS_NAME, INITIALS_TITLE_PART, INITIALS_OTHER = "", "1", "2", "3"
WEIGHTS = {
    KIND_WORD: 1.0, KIND_PINYIN: 1.0, SOURCE_EDITOR: 0.8, SOURCE_THESAURUS: 0.5,
    KIND_INITIALS + INITIALS_TITLE: 0.7, KIND_INITIALS + INITIALS_NAME: 0.6,
    KIND_INITIALS + INITIALS_TITLE_PART: 0.5, KIND_INITIALS + INITIALS_OTHER: 0.4,
}
MODE_ALL = "all"  # every query word must match (a short query)
MODE_ANY = "any"  # any word may match, ranked by how many (and how well) a document covers
# In MODE_ANY a document covering much less of the query than the best one is noise, not a hit:
# kept are those covering at least this share of what the best covers.
MIN_COVERAGE_RATIO = 0.6


def coverage_threshold(best: float) -> float:
    return MIN_COVERAGE_RATIO * best - 1e-6


@dataclass(frozen=True)
class Alternative:
    """One way to satisfy a query word: all `tokens` in the word streams (the word itself, its
    character pairs, or a synonym's words), or the syllables as a phrase in the pinyin stream, or
    one token of the initials stream."""

    tokens: tuple[str, ...]
    kind: str = KIND_WORD
    source: str = ""  # for synonyms: SOURCE_EDITOR or SOURCE_THESAURUS
    label: str = ""  # for synonyms: the synonym as written

    @property
    def pinyin(self) -> bool:
        return self.kind == KIND_PINYIN

    @property
    def initials(self) -> bool:
        return self.kind == KIND_INITIALS

    @property
    def synonym(self) -> bool:
        return self.kind == KIND_SYNONYM

    @property
    def weight_class(self) -> str:
        """Alternatives of one class score alike: word (and pinyin), initials, editor, thesaurus."""
        if self.kind == KIND_SYNONYM:
            return self.source or SOURCE_EDITOR
        if self.kind == KIND_INITIALS:
            return KIND_INITIALS + self.source
        return KIND_WORD if self.kind == KIND_PINYIN else self.kind

    @property
    def weight(self) -> float:
        return WEIGHTS[self.weight_class]


@dataclass
class QueryGroup:
    word: str  # the query word as typed (folded)
    alternatives: list[Alternative] = field(default_factory=list)

    def classes(self) -> dict[str, list[Alternative]]:
        """Alternatives by weight class, the heaviest first."""
        by_class: dict[str, list[Alternative]] = {}
        for alternative in sorted(self.alternatives, key=lambda a: -a.weight):
            by_class.setdefault(alternative.weight_class, []).append(alternative)
        return by_class


@dataclass
class QueryPlan:
    text: str  # the folded query
    groups: list[QueryGroup]  # MODE_ALL: every group must match (AND); within one, any alternative (OR)
    loose_tokens: list[str]  # the relaxed query: any of these (OR), used when the strict one finds nothing
    highlight_terms: list[str]  # surface strings to mark in snippets, longest first
    mode: str = MODE_ALL
    dropped: list[str] = field(default_factory=list)  # question words and filler left out

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def has_thesaurus(self) -> bool:
        return any(a.weight_class == SOURCE_THESAURUS for g in self.groups for a in g.alternatives)

    def without_thesaurus(self) -> QueryPlan:
        """The plan with the thesaurus's alternatives left out (the typed words, their pinyin and
        initials, the editors' synonyms stay): what a query that finds plenty as typed runs."""
        groups = [
            QueryGroup(word=g.word, alternatives=[a for a in g.alternatives if a.weight_class != SOURCE_THESAURUS])
            for g in self.groups
        ]
        return replace(self, groups=groups)

    @property
    def needs_coverage(self) -> bool:
        """Whether hits must be ranked by how many words they cover (and in which form) rather
        than by the full-text score alone: any-word queries, and words with lighter forms."""
        return self.mode == MODE_ANY or any(len(g.classes()) > 1 for g in self.groups)


@dataclass
class AnalyzedDocument:
    """Token streams of one document, by stream name. Each is a list of tokens in text order."""

    title: list[str]
    names: list[str]  # extra fields (speakers, tags, address…) and suggest entries
    body: list[str]  # summary and body
    transcript: list[str]
    pinyin: list[str]  # syllables of title and names
    initials: list[str] = field(default_factory=list)  # initials of titles, names and dictionary terms


class Analyzer:
    """Segmentation with the domain dictionary plus the synonym table. Build it through
    `get_analyzer()`; it is shared by the whole process and rebuilt when the dictionary changes."""

    def __init__(self, terms=(), synonyms: dict[str, list[str]] | None = None):
        self._jieba = rjieba.Jieba()
        self._lock = threading.Lock()
        self.terms: set[str] = set()
        self.synonyms: dict[str, list[str]] = {}
        self._sound_index: dict[str, list[str]] | None = None
        self._initials_cache: dict[tuple, tuple] = {}
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
                self._initials_cache.clear()

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
                out.extend(cut(run, True))  # the pieces of a Chinese run are Chinese
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
        body_tokens = self.tokens(f"{summary} {body}")
        return AnalyzedDocument(
            title=self.tokens(title),
            names=self.tokens(name_text),
            body=body_tokens,
            transcript=[token for cue in transcript for token in self.tokens(cue)],
            pinyin=pinyin_syllables(f"{title} {name_text}"),
            initials=self.initials_tokens(title, names, body_tokens),
        )

    def initials_tokens(self, title: str, names: list[str], body_tokens: list[str] = ()) -> list[str]:
        """Initials of the title and of each name (whole, and each word: "gxyjng", "gxy", "jng"),
        of runs of two to four of their words ("xxlfjs", 学习雷锋精神), and of every dictionary term
        the body holds ("shyk", 三会一课), each with the prefix of its kind (see INITIALS_*).
        Polyphones add their other readings; tokens of one letter say nothing and are left out."""
        out: list[str] = [*self._unit_initials(title, INITIALS_TITLE, INITIALS_TITLE_PART)]
        for name in names:
            out.extend(self._unit_initials(name, INITIALS_NAME, INITIALS_OTHER))
        terms = self.terms
        out.extend(INITIALS_OTHER + v for token in body_tokens if token in terms for v in initials_variants(token))
        return [token for token in dict.fromkeys(out) if len(token.lstrip("0123456789")) >= 2]

    def _unit_initials(self, text: str, whole_prefix: str, part_prefix: str) -> tuple[str, ...]:
        """Initials tokens of one title or name. Names repeat across documents (speakers, tags,
        series): they are computed once per analyzer; so are the runs of a title (its series, its
        topics), which repeat even where the titles do not."""
        key = (text, whole_prefix)
        cached = self._initials_cache.get(key)
        if cached is not None:
            return cached
        out: list[str] = []
        runs = CJK_RUN.findall(fold(text))
        whole = []
        for run in runs:
            letters, tokens, several_words = self._run_initials(run, whole_prefix, part_prefix)
            whole.extend(letters)
            out.extend(tokens)
            if len(runs) == 1 and several_words:
                out.append(whole_prefix + "".join(letters))
        if len(runs) > 1:
            out.append(whole_prefix + "".join(whole))
        result = tuple(dict.fromkeys(out))
        self._remember(key, result)
        return result

    def _run_initials(self, run: str, whole_prefix: str, part_prefix: str) -> tuple:
        """(initials of each word, tokens, whether it has several words) of one Chinese run."""
        key = (run, whole_prefix, part_prefix)
        cached = self._initials_cache.get(key)
        if cached is not None:
            return cached
        out: list[str] = []
        words = self._jieba.cut(run, False)
        letters = [initials_of(w) for w in words]
        # Single words, with the words inside long ones (关向应 in 关向应纪念馆).
        for word in self._jieba.cut_for_search(run, False):
            if CJK_RUN.fullmatch(word):
                out.extend(whole_prefix + v for v in initials_variants(word))
        others = [initials_variants(w)[1:] for w in words]
        for start in range(len(letters)):
            for end in range(start + 2, min(len(letters), start + 4) + 1):
                out.append(part_prefix + "".join(letters[start:end]))
                # Each word's other readings, one word at a time (长 in 长海县).
                for position in range(start, end):
                    for variant in others[position]:
                        out.append(part_prefix + "".join([*letters[start:position], variant,
                                                          *letters[position + 1 : end]]))
        result = (tuple(letters), tuple(out), len(words) > 1)
        self._remember(key, result)
        return result

    def _remember(self, key: tuple, value) -> None:
        if len(self._initials_cache) > 100_000:
            self._initials_cache.clear()
        self._initials_cache[key] = value

    # queries ------------------------------------------------------------------------------
    def plan(self, query: str) -> QueryPlan:
        folded = fold(query)[:200]
        runs = TOKEN_RUN.findall(folded)
        latin = bool(runs) and not any(CJK_RUN.fullmatch(run) for run in runs)
        candidates: list[str] = []
        for run in runs:
            if CJK_RUN.fullmatch(run):
                candidates.extend(w for w in _merge_single_characters(self._jieba.cut(run, True)) if w not in QUERY_STOP_WORDS)
            elif run not in QUERY_STOP_WORDS:
                candidates.append(run)
        # Question words and filler go, unless nothing else is left (a query that is only 怎么办).
        meaningful = [w for w in candidates if w not in QUESTION_WORDS]
        dropped = [w for w in candidates if w in QUESTION_WORDS]
        if not meaningful:
            meaningful, dropped = candidates, []
        if len(meaningful) > 2:
            meaningful = [w for w in meaningful if w not in GENERIC_WORDS] or meaningful
        words = list(dict.fromkeys(meaningful))
        groups: list[QueryGroup] = []
        highlight: set[str] = set()
        loose: list[str] = []
        for word in words:
            group = self._group(word, latin=latin)
            groups.append(group)
            highlight.add(word)
            loose.extend(character_pairs(word) if CJK_RUN.fullmatch(word) and len(word) > 1 else [word])
            for alternative in group.alternatives:
                if alternative.kind == KIND_WORD and len(alternative.tokens) == 1:
                    highlight.add(alternative.tokens[0])
                if alternative.synonym and alternative.label:
                    highlight.add(alternative.label)
        mode = MODE_ANY if len(groups) >= 3 or (dropped and len(groups) >= 2) else MODE_ALL
        return QueryPlan(
            text=folded,
            groups=groups,
            loose_tokens=list(dict.fromkeys(loose)),
            highlight_terms=sorted(highlight, key=len, reverse=True),
            mode=mode,
            dropped=dropped,
        )

    def _synonym_alternatives(self, synonym: str, source: str) -> list[Alternative]:
        out = []
        # Stop words (和 in 党小组会和党课) would only make every posting list longer.
        words = self.words(synonym, for_search=False)
        tokens = tuple(dict.fromkeys(w for w in words if w not in QUERY_STOP_WORDS))
        if tokens:
            out.append(Alternative(tokens, KIND_SYNONYM, source, synonym))
        # Pairs of one Chinese run only: a pair across punctuation (会、) is never indexed.
        if len(synonym) > 2 and CJK_RUN.fullmatch(synonym):
            out.append(Alternative(tuple(character_pairs(synonym)), KIND_SYNONYM, source, synonym))
        return out

    def _group(self, word: str, *, latin: bool = False) -> QueryGroup:
        from . import thesaurus

        alternatives = [Alternative((word,))]
        if CJK_RUN.fullmatch(word):
            if len(word) > 2:
                alternatives.append(Alternative(tuple(character_pairs(word))))
            if len(word) > 1:
                alternatives.append(Alternative(tuple(pinyin_syllables(word)), KIND_PINYIN))
            editors = self.synonyms.get(word, [])
            for synonym in editors:
                alternatives.extend(self._synonym_alternatives(synonym, SOURCE_EDITOR))
            if len(word) > 1:
                for synonym in thesaurus.synonyms(word):
                    if synonym not in editors:
                        alternatives.extend(self._synonym_alternatives(synonym, SOURCE_THESAURUS))
        else:
            syllables = split_pinyin(word)
            if syllables:
                alternatives.append(Alternative(tuple(syllables), KIND_PINYIN))
            if latin and ASCII_WORD.match(word) and len(word) >= 2:
                for prefix in (INITIALS_TITLE, INITIALS_NAME, INITIALS_TITLE_PART, INITIALS_OTHER):
                    alternatives.append(Alternative((prefix + word,), KIND_INITIALS, prefix))
        # One alternative per token set: a synonym equal to the word (or its pairs) is the word.
        unique: dict[tuple, Alternative] = {}
        for alternative in alternatives:
            key = (alternative.tokens, alternative.kind == KIND_PINYIN, alternative.kind == KIND_INITIALS,
                   alternative.source if alternative.kind == KIND_INITIALS else "")
            unique.setdefault(key, alternative)
        return QueryGroup(word=word, alternatives=list(unique.values()))

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
