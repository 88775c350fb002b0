"""The registry of searchable documents. Domain apps plug in here; search imports no domain app.

A domain app describes how one of its models becomes a `SearchDocument` and registers it from its
``AppConfig.ready()``::

    from search.registry import DocumentType, register

    register(DocumentType(name="lesson", label="党课", model=LessonPage,
                          build=lesson_document, queryset=lambda: LessonPage.objects.live()))

`build(obj)` returns a SearchDocument, or None when the object must not be in the index (a draft,
an unpublished page): the index then drops it. The search app keeps the index up to date on
publish, unpublish, move, privacy change and delete for every registered model, by primary key,
after commit.

A document that shows another model's data (a route lists its sites' names, a lesson its speakers)
names that model in `depends_on`, with a function from a changed object to the objects whose
documents must be built again; a save, publish or unpublish of such an object re-indexes them::

    depends_on={SitePage: lambda site: RoutePage.objects.filter(stops__site=site)}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

AUDIENCE_PUBLIC = "public"
AUDIENCE_MEMBERS = "members"


@dataclass
class TranscriptCue:
    start: float  # seconds into the recording
    text: str


@dataclass
class SearchDocument:
    doc_type: str  # the DocumentType's name: "lesson", "series", "route", "site", …
    pk: int | str  # primary key of the source object
    title: str
    url: str  # site-relative URL of the object's page
    summary: str = ""  # short plain text, shown when no highlight matches
    body: str = ""  # plain text of the body
    # Extra searchable text by field name, e.g. {"speakers": "…", "tags": "…", "address": "…"}.
    fields: dict[str, str] = field(default_factory=dict)
    transcript: list[TranscriptCue] = field(default_factory=list)
    # Facet values by facet name: "series", "speaker_role", "topic", "district", "year".
    facets: dict[str, list[str]] = field(default_factory=dict)
    audience: str = AUDIENCE_PUBLIC  # AUDIENCE_PUBLIC or AUDIENCE_MEMBERS
    published_at: datetime | date | None = None
    # Titles and names offered by autocomplete; they also join the segmentation dictionary.
    suggest: list[str] = field(default_factory=list)
    location: tuple[float, float] | None = None  # WGS-84 (lat, lon)

    @property
    def key(self) -> str:
        return f"{self.doc_type}:{self.pk}"


@dataclass
class DocumentType:
    name: str
    label: str  # Chinese label shown as the facet value
    model: type
    build: Callable[[Any], SearchDocument | None]
    queryset: Callable[[], Iterable[Any]]
    # Dictionary words this type contributes beyond its documents' `suggest` (speakers, site names).
    dictionary_terms: Callable[[], Iterable[str]] = lambda: ()
    # Other models shown in these documents → the objects to index again when one of them changes.
    depends_on: dict[type, Callable[[Any], Iterable[Any]]] = field(default_factory=dict)


_registry: dict[str, DocumentType] = {}


def register(document_type: DocumentType) -> DocumentType:
    _registry[document_type.name] = document_type
    return document_type


def get_document_types() -> list[DocumentType]:
    return list(_registry.values())


def get_document_type(name: str) -> DocumentType:
    return _registry[name]


def document_type_for_model(model: type) -> DocumentType | None:
    for document_type in _registry.values():
        if issubclass(model, document_type.model):
            return document_type
    return None


def page_audience(page) -> str | None:
    """The audience a Wagtail page's view restrictions (its own and its ancestors') allow:
    public, members (sign-in only), or None when a password or group restriction applies, which
    the index cannot honour, so such a page stays out of it."""
    from wagtail.models import PageViewRestriction

    restrictions = page.get_view_restrictions()
    if not restrictions:
        return AUDIENCE_PUBLIC
    if all(r.restriction_type == PageViewRestriction.LOGIN for r in restrictions):
        return AUDIENCE_MEMBERS
    return None


def stream_text(stream) -> str:
    """The searchable text of a whole StreamField value, as Wagtail gives it for each block (rich text
    without markup, struct blocks' text parts): a block type added later is searchable at once."""
    parts = []
    for block in stream or []:
        parts.extend(str(text) for text in block.block.get_searchable_content(block.value) if text)
    return "\n".join(parts)


def dependents_for_model(model: type) -> list[Callable[[Any], Iterable[Any]]]:
    """Functions giving the objects whose documents show an object of `model`."""
    return [
        affected
        for document_type in _registry.values()
        for source, affected in document_type.depends_on.items()
        if issubclass(model, source)
    ]
