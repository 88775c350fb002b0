"""The Elasticsearch backend (client `elasticsearch>=8.18,<9`, mappings with `elasticsearch.dsl`).

Documents go in already analyzed: each token stream is a space-separated string that a whitespace
analyzer indexes as is; a built-in `cjk` sub-field indexes the same text as character bigrams for
the relaxed query, and a completion field serves autocomplete. The live index sits behind an alias
(`<prefix>-documents`); `rebuild()` and `copy_index()` (server-side `_reindex`) fill a new
versioned index and swap the alias in one atomic `_aliases` call.

Nothing is lost to a rebuild: while one runs, the new index also carries the alias
`<prefix>-documents-building`, and every update (a page published, unpublished, deleted) is written
to it as well as to the live index. The rebuild only *creates* documents, so a newer version an update
already wrote wins over the one read before it; a deletion leaves a tombstone there, so the rebuild
cannot bring the document back, and tombstones are removed before and after the swap.

    DANGKE_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.elasticsearch",
                                          "URLS": ["http://127.0.0.1:9200"], "INDEX_PREFIX": "dangke"}}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import (
    Boolean,
    Completion,
    Date,
    Document,
    GeoPoint,
    Index,
    Keyword,
    Object,
    Text,
    analyzer,
)
from tqdm import tqdm

from ..analysis import MODE_ANY, Alternative, QueryGroup, QueryPlan, coverage_threshold
from ..registry import SearchDocument
from .base import FACET_NAMES, BackendResults, BaseSearchBackend, SearchRequest, StoredDocument, index_changed

token_analyzer = analyzer("dangke_tokens", tokenizer="whitespace", filter=["lowercase"])
WORD_FIELDS = ["title^10", "names^4", "body", "transcript^0.6"]
CJK_FIELDS = ["title.cjk^10", "names.cjk^4", "body.cjk", "transcript.cjk^0.6"]
# Coverage (how much of the query a document holds, see search.analysis.WEIGHTS) enters the score
# as this many points per query word, far above any BM25 score, so hits sort by coverage first.
COVERAGE_SCALE = 100_000


def token_field() -> Text:
    return Text(analyzer=token_analyzer, fields={"cjk": Text(analyzer="cjk")})


class IndexedDocument(Document):
    """One SearchDocument in Elasticsearch: token streams to search, stored text to show."""

    key = Keyword()
    doc_type = Keyword()
    object_pk = Keyword()
    audience = Keyword()
    published_at = Date()
    location = GeoPoint()
    title = token_field()
    names = token_field()
    body = token_field()
    transcript = token_field()
    pinyin = Text(analyzer=token_analyzer)
    initials = Text(analyzer=token_analyzer)
    facets = Object(properties={name: Keyword() for name in FACET_NAMES})
    suggest = Completion(analyzer="simple", preserve_separators=False, max_input_length=100)
    # Shown, never searched.
    display = Object(enabled=False)
    # Set on the tombstone a deletion leaves in an index being rebuilt (no other field is).
    deleted = Boolean()


class ElasticsearchQueryCompiler:
    """QueryPlan → an Elasticsearch bool query. When the plan ranks by coverage, each query word
    adds COVERAGE_SCALE × the weight of the heaviest form a document holds (constant scores in a
    dis_max), and BM25 orders documents of equal coverage."""

    def compile(self, plan: QueryPlan, *, loose: bool) -> dict:
        if loose:
            return {
                "bool": {
                    "should": [
                        {"multi_match": {"query": " ".join(plan.loose_tokens), "fields": WORD_FIELDS, "operator": "or"}},
                        {"multi_match": {"query": plan.text, "fields": CJK_FIELDS, "operator": "or"}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        coverage = plan.needs_coverage
        groups = [self.group(group, coverage=coverage) for group in plan.groups]
        if plan.mode == MODE_ANY:
            return {"bool": {"should": groups, "minimum_should_match": 1}}
        return {"bool": {"must": groups}}

    def alternative(self, alternative: Alternative) -> dict:
        boost = alternative.weight
        if alternative.pinyin:
            return {"match_phrase": {"pinyin": {"query": " ".join(alternative.tokens), "boost": 2 * boost}}}
        if alternative.initials:
            return {"term": {"initials": {"value": alternative.tokens[0], "boost": boost}}}
        if len(alternative.tokens) == 1:
            return {"multi_match": {"query": alternative.tokens[0], "fields": WORD_FIELDS, "boost": boost}}
        return {
            "bool": {
                "must": [{"multi_match": {"query": token, "fields": WORD_FIELDS}} for token in alternative.tokens],
                "boost": boost,
            }
        }

    def group(self, group: QueryGroup, *, coverage: bool) -> dict:
        relevance = {"bool": {"should": [self.alternative(a) for a in group.alternatives], "minimum_should_match": 1}}
        if not coverage:
            return relevance
        forms = [
            {
                "constant_score": {
                    "filter": {"bool": {"should": [self.alternative(a) for a in alternatives], "minimum_should_match": 1}},
                    "boost": COVERAGE_SCALE * alternatives[0].weight,
                }
            }
            for alternatives in group.classes().values()
        ]
        return {"bool": {"must": [{"dis_max": {"queries": forms}}], "should": [relevance]}}


class ElasticsearchSearchBackend(BaseSearchBackend):
    name = "elasticsearch"
    document_class = IndexedDocument
    query_compiler_class = ElasticsearchQueryCompiler
    chunk_size = 500

    def __init__(self, *, alias: str = "default", params: dict | None = None):
        super().__init__(alias=alias, params=params)
        urls = [u for u in self.params.get("URLS", []) if u]
        if not urls:
            raise ImproperlyConfigured("The Elasticsearch search backend needs URLS (ELASTICSEARCH_URL).")
        self.client = Elasticsearch(
            urls, request_timeout=self.params.get("TIMEOUT", getattr(settings, "SEARCH_ES_TIMEOUT", 10))
        )
        self.alias_name = f"{self.params.get('INDEX_PREFIX', 'dangke')}-documents"
        self.building_alias = f"{self.alias_name}-building"

    # --- indexes and the alias ----------------------------------------------------------------
    def _new_index(self) -> str:
        name = f"{self.alias_name}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        index = Index(name)
        index.settings(number_of_shards=1, number_of_replicas=0)
        index.document(self.document_class)
        self.client.indices.create(index=name, **index.to_dict())
        return name

    def _live_indexes(self) -> list[str]:
        return self._indexes_behind(self.alias_name)

    def _building_indexes(self) -> list[str]:
        return self._indexes_behind(self.building_alias)

    def _indexes_behind(self, alias: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=alias).body.keys())
        except NotFoundError:
            return []

    def ensure_index(self) -> str:
        live = self._live_indexes()
        if live:
            return live[-1]
        name = self._new_index()
        self._swap_alias(name)
        return name

    def _swap_alias(self, new_index: str) -> None:
        old = [name for name in self._live_indexes() if name != new_index]
        actions = [{"remove": {"index": name, "alias": self.alias_name}} for name in old]
        actions.append({"add": {"index": new_index, "alias": self.alias_name}})
        if new_index in self._building_indexes():
            actions.append({"remove": {"index": new_index, "alias": self.building_alias}})
        self.client.indices.update_aliases(actions=actions)  # one atomic request: no moment without an index
        for name in old:
            self.client.indices.delete(index=name, ignore_unavailable=True)

    # --- indexing -----------------------------------------------------------------------------
    def _source(self, document: SearchDocument) -> dict:
        analyzed = self.analyze(document)
        suggest_inputs = []
        for text in self.suggest_texts(document):
            folded, pinyin, initials = self.suggest_keys(text)
            suggest_inputs.extend(i for i in (folded, pinyin, initials) if i)
        published = self.published_datetime(document)
        return {
            "key": document.key,
            "doc_type": document.doc_type,
            "object_pk": str(document.pk),
            "audience": document.audience,
            "published_at": published.isoformat() if published else None,
            "location": {"lat": document.location[0], "lon": document.location[1]} if document.location else None,
            "title": " ".join(analyzed.title),
            "names": " ".join(analyzed.names),
            "body": " ".join(analyzed.body),
            "transcript": " ".join(analyzed.transcript),
            "pinyin": " ".join(analyzed.pinyin),
            "initials": " ".join(analyzed.initials),
            "facets": self.facet_values(document),
            "suggest": {"input": list(dict.fromkeys(s[:100] for s in suggest_inputs))},
            "display": {
                "title": document.title,
                "url": document.url,
                "summary": document.summary,
                "body": document.body,
                "fields": document.fields,
                "transcript": [[cue.start, cue.text] for cue in document.transcript],
                "suggest": self.suggest_texts(document),
            },
        }

    def _actions(self, documents: Iterable[SearchDocument], indexes: list[str], op_type: str) -> Iterator[dict]:
        for document in documents:
            source = self._source(document)
            for index in indexes:
                yield {"_op_type": op_type, "_index": index, "_id": document.key, "_source": source}

    def _bulk(self, documents: Iterable[SearchDocument], indexes: list[str], *, progress: bool,
              op_type: str = "index") -> int:
        written = 0
        bar = tqdm(desc="索引", unit="篇", disable=not progress)
        for ok, item in helpers.streaming_bulk(
            self.client, self._actions(documents, indexes, op_type), chunk_size=self.chunk_size,
            raise_on_error=False, raise_on_exception=True,
        ):
            result = next(iter(item.values()))
            superseded = op_type == "create" and result.get("status") == 409  # an update got there first
            if not ok and not superseded:
                raise helpers.BulkIndexError(f"索引失败：{result.get('error')}", [item])
            written += 1
            bar.update(1)
        bar.close()
        self.client.indices.refresh(index=",".join(indexes))
        index_changed()
        return written

    def _write_targets(self) -> list[str]:
        """The live index, plus an index being rebuilt (its updates must not be lost at the swap)."""
        live = self.ensure_index()
        return [live, *(name for name in self._building_indexes() if name != live)]

    def index_documents(self, documents: Iterable[SearchDocument], *, progress: bool = False) -> int:
        targets = self._write_targets()
        return self._bulk(documents, targets, progress=progress) // len(targets)

    def delete_documents(self, keys: Iterable[str]) -> None:
        live, *building = self._write_targets()
        keys = list(keys)
        actions = [{"_op_type": "delete", "_index": live, "_id": key} for key in keys]
        actions += [
            {"_op_type": "index", "_index": index, "_id": key, "_source": {"key": key, "deleted": True}}
            for index in building
            for key in keys
        ]
        helpers.bulk(self.client, actions, raise_on_error=False)
        self.client.indices.refresh(index=",".join([live, *building]))
        index_changed()

    def _drop_tombstones(self, index: str) -> None:
        while True:
            found = self.client.search(index=index, query={"term": {"deleted": True}}, size=1000, source=False)
            ids = [hit["_id"] for hit in found["hits"]["hits"]]
            if not ids:
                return
            helpers.bulk(self.client, ({"_op_type": "delete", "_index": index, "_id": i} for i in ids),
                         raise_on_error=False)
            self.client.indices.refresh(index=index)

    def _fill_new_index(self, fill: Callable[[str], int]) -> tuple[str, int]:
        """A new index, filled by `fill(name)` while updates reach it too (see the module docstring),
        then swapped in; returns its name and what `fill` returned. A failure drops it."""
        new_index = self._new_index()
        self.client.indices.update_aliases(actions=[{"add": {"index": new_index, "alias": self.building_alias}}])
        try:
            filled = fill(new_index)
            self._drop_tombstones(new_index)
        except Exception:
            self.client.indices.delete(index=new_index, ignore_unavailable=True)
            raise
        self._swap_alias(new_index)
        self._drop_tombstones(new_index)  # left by deletions between the first sweep and the swap
        return new_index, filled

    def rebuild(self, documents: Iterable[SearchDocument], *, progress: bool = False) -> int:
        _name, count = self._fill_new_index(
            lambda name: self._bulk(documents, [name], progress=progress, op_type="create")
        )
        return count

    def copy_index(self) -> str:
        """A new index with the current mapping, filled server-side from the live one (`_reindex`)."""
        source = self.ensure_index()

        def copy(name: str) -> int:
            done = self.client.reindex(source={"index": source}, dest={"index": name, "op_type": "create"},
                                       conflicts="proceed", wait_for_completion=True, refresh=True)
            return int(done.get("total", 0))

        name, _copied = self._fill_new_index(copy)
        return name

    def clear(self) -> None:
        self.rebuild([])

    def count(self) -> int:
        self.ensure_index()
        return int(self.client.count(index=self.alias_name)["count"])

    def check(self) -> tuple[bool, str]:
        info = self.client.info()
        live = self._live_indexes()
        detail = f"elasticsearch {info['version']['number']}, {live[-1] if live else '无索引'}"
        return True, detail

    # --- querying -----------------------------------------------------------------------------
    def _filters(self, request: SearchRequest) -> list[dict]:
        filters = [{"terms": {"audience": list(request.audiences)}}]
        if request.types:
            filters.append({"terms": {"doc_type": list(request.types)}})
        for name, value in request.filters.items():
            filters.append({"term": {f"facets.{name}": value}})
        return filters

    def facet_vocabulary(self, names, *, audiences: tuple[str, ...]) -> dict[str, list[str]]:
        names = list(names)
        if not names or not audiences:
            return {}
        self.ensure_index()
        response = self.client.search(
            index=self.alias_name, size=0, query={"terms": {"audience": list(audiences)}},
            aggs={name: {"terms": {"field": f"facets.{name}", "size": 1000}} for name in names},
        )
        return {
            name: [str(bucket["key"]) for bucket in aggregation["buckets"]]
            for name, aggregation in (response.get("aggregations") or {}).items()
            if aggregation["buckets"]
        }

    def search(self, request: SearchRequest) -> BackendResults:
        if (request.plan.is_empty and not request.match_all) or not request.audiences:
            return self.results_class(total=0, hits=[], facets={})
        if request.match_all:
            matching = {"match_all": {}}
            sort = [{"published_at": {"order": "desc", "missing": "_last"}}, {"key": "asc"}]
        else:
            matching = self.query_compiler_class().compile(request.plan, loose=request.loose)
            sort = [{"_score": "desc"}, {"key": "asc"}]
        query = {"bool": {"must": [matching], "filter": self._filters(request)}}
        body = {
            "query": query,
            "from": request.offset,
            "size": request.limit,
            "track_total_hits": True,
            "_source": ["key", "doc_type", "object_pk", "audience", "facets", "display"],
            "sort": sort,
        }
        self.ensure_index()
        if request.plan.mode == MODE_ANY and not request.loose and not request.match_all:
            # Keep documents covering at least a share of what the best one covers: find the best first.
            best = self.client.search(index=self.alias_name, query=query, size=1, source=False)
            top = best["hits"]["hits"]
            if top:
                covered = int(float(top[0]["_score"]) // (COVERAGE_SCALE / 10)) / 10
                body["min_score"] = coverage_threshold(covered) * COVERAGE_SCALE
        if request.with_facets:
            body["aggs"] = {name: {"terms": {"field": f"facets.{name}", "size": 20}} for name in FACET_NAMES}
        response = self.client.search(index=self.alias_name, **body)
        hits = [
            self.hit_class(document=self._stored(hit["_source"]), score=float(hit["_score"] or 0))
            for hit in response["hits"]["hits"]
        ]
        facets = {}
        for name, aggregation in (response.get("aggregations") or {}).items():
            buckets = [(str(b["key"]), int(b["doc_count"])) for b in aggregation["buckets"]]
            if buckets:
                facets[name] = sorted(buckets, key=lambda item: (-item[1], item[0]))
        return self.results_class(total=int(response["hits"]["total"]["value"]), hits=hits, facets=facets)

    def _stored(self, source: dict) -> StoredDocument:
        display = source.get("display") or {}
        return self.stored_document_class(
            key=source["key"],
            doc_type=source["doc_type"],
            pk=source["object_pk"],
            title=display.get("title", ""),
            url=display.get("url", ""),
            summary=display.get("summary", ""),
            body=display.get("body", ""),
            fields=display.get("fields") or {},
            transcript=[(float(start), text) for start, text in display.get("transcript") or []],
            facets=source.get("facets") or {},
            audience=source.get("audience", "public"),
        )

    def suggest(self, text: str, *, audiences: tuple[str, ...], limit: int = 8) -> list[str]:
        folded, pinyin, _ = self.suggest_keys(text)
        prefix = folded.strip() if not folded.strip().isascii() else folded.strip().replace(" ", "")
        if not prefix or not audiences:
            return []
        self.ensure_index()
        response = self.client.search(
            index=self.alias_name,
            suggest={"titles": {"prefix": prefix[:100], "completion": {"field": "suggest", "size": limit * 4, "skip_duplicates": True}}},
            source=["audience", "display.suggest"],
        )
        out: list[str] = []
        for option in response["suggest"]["titles"][0]["options"]:
            source = option.get("_source") or {}
            if source.get("audience") not in audiences:
                continue
            matched = option["text"]
            for candidate in (source.get("display") or {}).get("suggest") or []:
                if matched in self.suggest_keys(candidate):
                    out.append(candidate)
                    break
        return list(dict.fromkeys(out))[:limit]


SearchBackend = ElasticsearchSearchBackend
