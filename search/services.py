"""The search API the site uses: `search()`, `suggest()`, keeping the index in step, and the names
the analyzer learns from the registry. Views, tasks and commands call these; backends stay behind."""

from __future__ import annotations

import html
import logging
import math
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import query_filters
from .analysis import ASCII_WORD, CJK_RUN, KIND_WORD, QueryPlan, dictionary_changed, fold, get_analyzer
from .backends import get_search_backend
from .backends.base import FACET_NAMES, SearchRequest, StoredDocument, index_generation
from .query_filters import QueryFilter
from .registry import AUDIENCE_MEMBERS, AUDIENCE_PUBLIC, SearchDocument, get_document_type, get_document_types

logger = logging.getLogger(__name__)

PAGE_SIZE = 10
MAX_PAGE = 100
SNIPPET_LENGTH = 120
FACET_LABELS = {
    "type": "类型",
    "series": "系列",
    "speaker_role": "主讲人身份",
    "topic": "主题",
    "district": "区县",
    "year": "年份",
}


@dataclass(frozen=True)
class SynonymMatch:
    """A query word a hit holds only through a synonym: why it matched."""

    word: str  # the query word as typed
    synonym: str  # the synonym the document holds
    source: str  # "editor" (the editors' list) or "thesaurus" (同义词词林)

    @property
    def source_label(self) -> str:
        return "编辑维护的同义词" if self.source == "editor" else "同义词词林"


@dataclass
class Hit:
    type: str
    type_label: str
    title: str
    url: str
    snippet: SafeString  # HTML with <mark> around matches; everything else escaped
    score: float
    transcript_start: float | None = None  # seconds into the recording when the match is spoken
    synonym_matches: list[SynonymMatch] = field(default_factory=list)

    @property
    def snippet_text(self) -> str:
        """The snippet as plain text (no markup, nothing escaped)."""
        return html.unescape(re.sub(r"</?mark>", "", str(self.snippet)))

    def as_json(self) -> dict:
        # `title` and `snippet` are plain text (escape them where they are shown); `snippet_html`
        # is the snippet escaped, with only <mark> elements around the matches.
        data = {
            "type": self.type,
            "title": self.title,
            "url": self.url,
            "snippet": self.snippet_text,
            "snippet_html": str(self.snippet),
            "score": round(self.score, 4),
        }
        if self.transcript_start is not None:
            data["transcript_start"] = self.transcript_start
        if self.synonym_matches:
            data["matched_through_synonyms"] = [
                {"word": m.word, "synonym": m.synonym, "source": m.source} for m in self.synonym_matches
            ]
        return data


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResults:
    query: str
    hits: list[Hit]
    count: int
    page: int
    page_size: int
    facets: dict[str, list[FacetOption]] = field(default_factory=dict)
    # Filters recognised in the query's text (2023年, 老党员), applied; `searched` is what was left.
    recognised_filters: list[QueryFilter] = field(default_factory=list)
    searched: str = ""
    # Filters recognised in the text that let nothing through: the query was searched as typed instead.
    ignored_filters: list[QueryFilter] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # autocomplete on titles and names
    did_you_mean: str | None = None
    corrected: bool = False  # the hits are for `did_you_mean`, not for the query as typed
    relaxed: bool = False  # no document had every word; these match some of them
    count_is_lower_bound: bool = False  # more than `count` matched
    facets_are_sample: bool = False  # facet counts cover the newest matches only (a broad query)

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < min(self.page_count, MAX_PAGE)

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def audiences_for(user) -> tuple[str, ...]:
    """Members-only documents are for signed-in members (every account here is one)."""
    if user is not None and user.is_authenticated and user.is_active:
        return (AUDIENCE_PUBLIC, AUDIENCE_MEMBERS)
    return (AUDIENCE_PUBLIC,)


def search(
    query: str, *, types=None, filters=None, user, page: int = 1, page_size: int = PAGE_SIZE, exact: bool = False,
    recognise_filters: bool = True,
) -> SearchResults:
    """Hits the user may see, facets, suggestions. `exact` turns off the spelling correction;
    `recognise_filters` the filters typed into the query (a year, series, speaker role, district)."""
    query = (query or "").strip()[:200]
    page = min(max(1, int(page or 1)), MAX_PAGE)
    analyzer = get_analyzer()
    filters = {k: str(v) for k, v in (filters or {}).items() if k in FACET_NAMES and k != "type" and v}
    types = tuple(t for t in (types or ()) if t)
    backend = get_search_backend()
    words, recognised = query, []
    if recognise_filters and query:
        words, recognised = query_filters.recognise(
            query, facet_vocabulary(backend, audiences_for(user)), words=lambda run: analyzer.words(run, for_search=False),
            terms=analyzer.terms,
        )
        # A filter chosen on the page wins over one typed for the same facet.
        recognised = [f for f in recognised if f.name not in filters]
        filters.update({f.name: f.value for f in recognised})
    plan = analyzer.plan(words)
    empty = SearchResults(query=query, hits=[], count=0, page=page, page_size=page_size,
                          recognised_filters=recognised, searched=words)
    if plan.is_empty and not recognised:
        return empty
    request = SearchRequest(
        plan=plan,
        audiences=audiences_for(user),
        types=types,
        filters=filters,
        offset=(page - 1) * page_size,
        limit=page_size,
        match_all=plan.is_empty,
    )
    # A word that is not a known term but sounds like one (关向英 for 关向应): search for the term,
    # and say so, with a link to search for exactly what was typed.
    did_you_mean = analyzer.correct(words) if not exact and not plan.is_empty else None
    corrected = False
    if did_you_mean:
        request.plan = analyzer.plan(did_you_mean)
        raw = backend.search(request)
        corrected = raw.total > 0
    if not corrected:
        did_you_mean = None
        request.plan = plan
        raw = backend.search(request)
    relaxed = False
    if raw.total == 0 and plan.loose_tokens:
        request.loose = True
        raw = backend.search(request)
        relaxed = raw.total > 0
    if raw.total == 0 and recognised:
        # 金州 may be the district or a word of the text: with nothing under the filter, search the
        # words as typed, and say so.
        fallback = search(query, types=types, filters={k: v for k, v in filters.items()
                                                       if k not in {f.name for f in recognised}},
                          user=user, page=page, page_size=page_size, exact=exact, recognise_filters=False)
        fallback.ignored_filters = recognised
        return fallback
    if did_you_mean and recognised:
        did_you_mean = " ".join([did_you_mean, *(f.text for f in recognised)])
    plan = request.plan
    hits = [_hit(h.document, h.score, plan) for h in raw.hits]
    return SearchResults(
        query=query,
        hits=hits,
        count=raw.total,
        page=page,
        page_size=page_size,
        facets=_facets(raw.facets, types, filters),
        suggestions=suggest(query, user=user, limit=5) if page == 1 else [],
        did_you_mean=did_you_mean,
        corrected=corrected,
        relaxed=relaxed,
        count_is_lower_bound=raw.total_is_lower_bound,
        facets_are_sample=raw.facets_are_sample,
        recognised_filters=recognised,
        searched=words,
    )


# The facet values an index holds, per backend and audience, for recognising filters in a query (a
# DISTINCT over every facet row, too dear per query at 100,000 documents): read again
# after this many seconds, or at once when this process wrote to an index.
VOCABULARY_SECONDS = 300
_vocabulary_cache: dict[str, tuple[int, float, dict]] = {}
_vocabulary_lock = threading.Lock()


def facet_vocabulary(backend, audiences: tuple[str, ...]) -> dict[str, list[str]]:
    key = f"{backend.alias}:{backend.name}:{id(backend)}:{','.join(audiences)}"
    cached = _vocabulary_cache.get(key)
    now = time.monotonic()
    if cached and cached[0] == index_generation[0] and now - cached[1] < VOCABULARY_SECONDS:
        return cached[2]
    with _vocabulary_lock:
        vocabulary = backend.facet_vocabulary(query_filters.RECOGNISED_FACETS, audiences=audiences)
        _vocabulary_cache[key] = (index_generation[0], now, vocabulary)
    return vocabulary


def suggest(text: str, *, user, limit: int = 8) -> list[str]:
    text = (text or "").strip()[:60]
    if not text:
        return []
    return get_search_backend().suggest(text, audiences=audiences_for(user), limit=limit)


def type_label(name: str) -> str:
    try:
        return get_document_type(name).label
    except KeyError:
        return name


def _facets(raw: dict, types: tuple, filters: dict) -> dict[str, list[FacetOption]]:
    facets = {}
    for name in FACET_NAMES:
        values = raw.get(name) or []
        if not values:
            continue
        selected = set(types) if name == "type" else {filters.get(name)}
        options = [
            FacetOption(value=value, label=type_label(value) if name == "type" else value, count=count,
                        selected=value in selected)
            for value, count in values
        ]
        if name == "year":
            options.sort(key=lambda option: option.value, reverse=True)
        facets[name] = options[:20]
    return facets


# --- snippets and transcript seconds ----------------------------------------------------------


def _match_spans(folded: str, terms: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for term in terms:
        if not term:
            continue
        pattern = re.escape(term) if CJK_RUN.search(term) else r"\b" + re.escape(term) + r"\b"
        for match in re.finditer(pattern, folded):
            if not any(s < match.end() and match.start() < e for s, e in spans):
                spans.append((match.start(), match.end()))
    return sorted(spans)


def _terms_for_highlight(plan: QueryPlan) -> list[str]:
    terms = list(plan.highlight_terms)
    # Words the text may hold only in part (a name typed with a wrong character) fall back to pairs.
    for group in plan.groups:
        for alternative in group.alternatives:
            if alternative.kind == KIND_WORD and len(alternative.tokens) > 1:
                terms.extend(alternative.tokens)
    return list(dict.fromkeys(terms))


def highlight(text: str, plan: QueryPlan, *, length: int = SNIPPET_LENGTH) -> tuple[SafeString, int]:
    """The part of `text` around its first match with the matches in <mark>; and how many
    query words it holds."""
    folded = fold(text)
    if len(folded) != len(text):  # OpenCC changed the length: show the folded text
        text = folded
    terms = _terms_for_highlight(plan)
    spans = _match_spans(folded, terms)
    matched_words = sum(1 for g in plan.groups if any(t in folded for t in _group_terms(g)))
    if not spans:
        return mark_safe(escape(text[:length]) + ("…" if len(text) > length else "")), 0  # noqa: S308
    start = max(0, spans[0][0] - length // 4)
    end = min(len(text), start + length)
    pieces, cursor = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        pieces.append(escape(text[cursor:s]))
        pieces.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    pieces.append(escape(text[cursor:end]))
    html = ("…" if start > 0 else "") + "".join(pieces) + ("…" if end < len(text) else "")
    return mark_safe(html), matched_words  # noqa: S308 (every piece is escaped above)


def _group_terms(group) -> list[str]:
    terms = [group.word]
    for alternative in group.alternatives:
        if alternative.synonym:
            terms.append(alternative.label)
        elif alternative.kind == KIND_WORD:
            terms.append("".join(alternative.tokens) if len(alternative.tokens) == 1 else alternative.tokens[0])
    return terms


def synonym_matches(document: StoredDocument, plan: QueryPlan) -> list[SynonymMatch]:
    """The query words this document holds only through a synonym, and which synonym."""
    groups = [g for g in plan.groups if not ASCII_WORD.match(g.word) and any(a.synonym for a in g.alternatives)]
    if not groups:
        return []
    text = fold(" ".join([document.title, document.summary, document.body, *document.fields.values(),
                          *(cue for _, cue in document.transcript)]))
    found = []
    for group in groups:
        holds = lambda alternative: all(token in text for token in alternative.tokens)  # noqa: E731
        if any(a.kind == KIND_WORD and holds(a) for a in group.alternatives):
            continue
        synonym = next((a for a in group.alternatives if a.synonym and holds(a)), None)
        if synonym is not None:
            found.append(SynonymMatch(word=group.word, synonym=synonym.label, source=synonym.source))
    return found


def _hit(document: StoredDocument, score: float, plan: QueryPlan) -> Hit:
    best_snippet, best_words = None, -1
    for text in (document.summary, document.body, *document.fields.values()):
        if not text:
            continue
        snippet, words = highlight(text, plan)
        if words > best_words:
            best_snippet, best_words = snippet, words
    title_words = highlight(document.title, plan)[1]
    transcript_start = None
    # A transcript hit: a cue holds more of the query than the title and the texts above do.
    best_cue_words = max(best_words, title_words, 0)
    for start, text in document.transcript:
        snippet, words = highlight(text, plan)
        if words > best_cue_words:
            best_cue_words, best_snippet, transcript_start = words, snippet, start
    if best_snippet is None:
        best_snippet = highlight(document.summary or document.body or "", plan)[0]
    url = document.url
    if transcript_start is not None:
        url = f"{url}#t={int(transcript_start)}"
    return Hit(
        type=document.doc_type,
        type_label=type_label(document.doc_type),
        title=document.title,
        url=url,
        snippet=best_snippet,
        score=score,
        transcript_start=transcript_start,
        synonym_matches=synonym_matches(document, plan),
    )


# --- keeping the index in step ----------------------------------------------------------------


def learn_names(documents: Iterable[SearchDocument], *, batch_size: int = 1000) -> Iterator[SearchDocument]:
    """Pass documents through, adding their short suggest entries (speakers, sites) to the
    segmentation dictionary first, so the names are whole words in the index. The process's analyzer
    learns each name at once; the database (for other processes) gets them in batches."""
    analyzer = get_analyzer()
    pending: set[str] = set()
    for document in documents:
        for entry in document.suggest:
            term = fold(entry).strip()
            if 2 <= len(term) <= 12 and CJK_RUN.fullmatch(term) and term not in analyzer.terms:
                analyzer.add_terms([term])
                pending.add(term)
        if len(pending) >= batch_size:
            _save_terms(pending)
            pending = set()
        yield document
    _save_terms(pending)


def _save_terms(terms: set[str]) -> None:
    from django.core.cache import cache

    from . import analysis
    from .models import DictionaryTerm

    if not terms:
        return
    DictionaryTerm.objects.bulk_create([DictionaryTerm(text=t) for t in sorted(terms)], ignore_conflicts=True)
    dictionary_changed()
    # This process's analyzer already holds the words: mark it current so it is not rebuilt.
    analysis._analyzer_version = cache.get(analysis.DICTIONARY_VERSION_KEY)


def learn_dictionary_terms() -> None:
    """Words document types contribute beyond their documents (all speakers, all sites)."""
    from .models import DictionaryTerm

    terms = set()
    for document_type in get_document_types():
        terms.update(fold(t).strip() for t in document_type.dictionary_terms() if t)
    terms = {t for t in terms if 2 <= len(t) <= 12 and CJK_RUN.fullmatch(t)}
    if terms:
        DictionaryTerm.objects.bulk_create([DictionaryTerm(text=t) for t in sorted(terms)], ignore_conflicts=True)
        dictionary_changed()


def all_documents() -> Iterator[SearchDocument]:
    for document_type in get_document_types():
        for obj in document_type.queryset():
            document = document_type.build(getattr(obj, "specific", obj))
            if document is not None:
                yield document


def rebuild_index(*, progress: bool = False) -> int:
    learn_dictionary_terms()
    return get_search_backend().rebuild(learn_names(all_documents()), progress=progress)


def update_object(app_label: str, model_name: str, pk) -> str:
    """Index one object again (or drop it when it is gone, unpublished or not searchable)."""
    from django.apps import apps

    model = apps.get_model(app_label, model_name)
    return _index_again(model, pk, _specific(model, pk))


def update_dependents(app_label: str, model_name: str, pk) -> int:
    """Index again every object whose document shows this one; returns how many."""
    from django.apps import apps

    from .registry import dependents_for_model

    obj = _specific(apps.get_model(app_label, model_name), pk)
    if obj is None:
        return 0
    updated = 0
    for affected in dependents_for_model(type(obj)):
        for target in affected(obj):
            target = getattr(target, "specific", target)
            _index_again(type(target), target.pk, target)
            updated += 1
    return updated


def _specific(model, pk):
    obj = model._default_manager.filter(pk=pk).first()
    return getattr(obj, "specific", obj) if obj is not None else None


def _index_again(model, pk, obj) -> str:
    """Index `obj` (already loaded, None when it is gone) under its document type, or drop it."""
    document_type = _document_type_for(model)
    if document_type is None:
        return "not registered"
    if obj is not None:
        document_type = _document_type_for(type(obj)) or document_type
    key = f"{document_type.name}:{pk}"
    document = document_type.build(obj) if obj is not None else None
    backend = get_search_backend()
    if document is None:
        backend.delete_documents([key])
        return "deleted"
    backend.index_documents(learn_names([document]))
    return "indexed"


def _document_type_for(model):
    from .registry import document_type_for_model

    return document_type_for_model(model)
