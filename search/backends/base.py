"""What every search backend implements. A backend stores analyzed `SearchDocument`s and answers a
`QueryPlan` (from search.analysis) with a page of hits, facet counts and a total; services.py turns
those into what users see (snippets, transcript seconds, suggestions)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone

from ..analysis import Analyzer, QueryPlan, fold, get_analyzer, pinyin_syllables
from ..registry import SearchDocument

# Facets every backend counts. "type" and "year" come from the document itself.
FACET_NAMES = ("type", "series", "speaker_role", "topic", "district", "year")


@dataclass
class StoredDocument:
    """A document as a backend keeps it: enough to show a hit without touching the source model."""

    key: str
    doc_type: str
    pk: str
    title: str
    url: str
    summary: str = ""
    body: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    transcript: list[tuple[float, str]] = field(default_factory=list)
    facets: dict[str, list[str]] = field(default_factory=dict)
    audience: str = "public"


@dataclass
class BackendHit:
    document: StoredDocument
    score: float


@dataclass
class BackendResults:
    total: int
    hits: list[BackendHit]
    facets: dict[str, list[tuple[str, int]]]
    total_is_lower_bound: bool = False  # counting stopped early: "at least `total`"
    facets_are_sample: bool = False  # facets count the newest matches only, not all `total`


@dataclass
class SearchRequest:
    """A query the backend runs: the analyzed plan, restrictions, and the page wanted."""

    plan: QueryPlan
    audiences: tuple[str, ...]
    types: tuple[str, ...] = ()
    filters: dict[str, str] = field(default_factory=dict)
    offset: int = 0
    limit: int = 10
    loose: bool = False  # any token instead of every word: the fallback when nothing matched
    with_facets: bool = True
    # Every document the filters let through, newest first (the query was only filters).
    match_all: bool = False


class BaseSearchBackend:
    #: Short name shown by /healthz and the benchmarks.
    name = "base"
    #: Helper classes a backend may swap for its own.
    results_class = BackendResults
    hit_class = BackendHit
    stored_document_class = StoredDocument
    request_class = SearchRequest

    def __init__(self, *, alias: str = "default", params: dict | None = None):
        self.alias = alias
        self.params = params or {}

    @property
    def analyzer(self) -> Analyzer:
        return get_analyzer()

    # --- indexing -----------------------------------------------------------------------------
    def index_documents(self, documents: Iterable[SearchDocument], *, progress: bool = False) -> int:
        """Add or replace documents; returns how many were written."""
        raise NotImplementedError(f"{type(self).__name__} cannot index documents")

    def delete_documents(self, keys: Iterable[str]) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot delete documents")

    def rebuild(self, documents: Iterable[SearchDocument], *, progress: bool = False) -> int:
        """Replace the whole index with `documents`."""
        raise NotImplementedError(f"{type(self).__name__} cannot rebuild its index")

    def clear(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot clear its index")

    def count(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} cannot count its documents")

    # --- querying -----------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> BackendResults:
        raise NotImplementedError(f"{type(self).__name__} cannot search")

    def suggest(self, text: str, *, audiences: tuple[str, ...], limit: int = 8) -> list[str]:
        """Titles and names that start with (or whose pinyin starts with) `text`."""
        raise NotImplementedError(f"{type(self).__name__} cannot suggest")

    def check(self) -> tuple[bool, str]:
        """(ok, detail) for /healthz."""
        raise NotImplementedError(f"{type(self).__name__} has no health check")

    def facet_vocabulary(self, names: Iterable[str], *, audiences: tuple[str, ...]) -> dict[str, list[str]]:
        """Every value the documents these audiences may see hold for these facets (series titles,
        speaker roles, districts, years), for recognising them in a query's text. Values of
        documents a visitor may not see stay out: recognising them would tell that they exist."""
        raise NotImplementedError(f"{type(self).__name__} cannot list facet values")

    # --- shared helpers -----------------------------------------------------------------------
    @staticmethod
    def facet_values(document: SearchDocument) -> dict[str, list[str]]:
        values = {name: [str(v) for v in vals if str(v)] for name, vals in document.facets.items()}
        values["type"] = [document.doc_type]
        if document.published_at and "year" not in values:
            values["year"] = [str(document.published_at.year)]
        return {name: vals for name, vals in values.items() if vals}

    @staticmethod
    def published_datetime(document: SearchDocument) -> datetime | None:
        value = document.published_at
        if value is None:
            return None
        if not isinstance(value, datetime) and isinstance(value, date):
            value = datetime.combine(value, time.min)
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value

    @staticmethod
    def suggest_texts(document: SearchDocument) -> list[str]:
        return list(dict.fromkeys([document.title, *document.suggest]))

    @staticmethod
    def suggest_keys(text: str) -> tuple[str, str, str]:
        """(folded text, pinyin, pinyin initials) used for prefix matching."""
        syllables = pinyin_syllables(text)
        return fold(text), "".join(syllables), "".join(s[0] for s in syllables if s)

    def analyze(self, document: SearchDocument, analyzer: Analyzer | None = None):
        return (analyzer or self.analyzer).analyze(
            title=document.title,
            names=[*document.fields.values(), *document.suggest],
            summary=document.summary,
            body=document.body,
            transcript=[cue.text for cue in document.transcript],
        )


# Bumped by every write to an index in this process, so caches of what an index holds (the facet
# vocabulary) notice at once here; other processes notice within their cache's lifetime.
index_generation = [0]


def index_changed() -> None:
    index_generation[0] += 1


def batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
