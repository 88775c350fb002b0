"""The embedded backend: the index lives in the project's own database.

On SQLite the token streams go into the FTS5 table ``search_fts`` (one column per stream, ranked by
FTS5's BM25 with a title boost); on PostgreSQL into the ``search_vector`` tsvector column of
``search_indexentry`` (built from explicit lexemes with the ``simple`` configuration's semantics, a
GIN index, ts_rank with weights A title … D transcript and length normalisation). Both are created
by migration 0002, each only on its own database."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from tqdm import tqdm

from ..analysis import QueryPlan
from ..models import FacetValue, IndexEntry, SuggestEntry
from ..registry import SearchDocument
from .base import BackendResults, BaseSearchBackend, SearchRequest, StoredDocument, batched

# FTS5 column order; bm25() takes one weight per column in this order.
FTS_COLUMNS = ("title", "names", "body", "transcript", "pinyin")
FTS_WEIGHTS = (10.0, 4.0, 1.0, 0.6, 2.0)
WORD_COLUMNS = "{title names body transcript}"
# tsvector weight per stream (PostgreSQL has four: A title, B names, C body, D transcript + pinyin).
PG_WEIGHTS = {"title": "A", "names": "B", "body": "C", "transcript": "D", "pinyin": "D"}
PG_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A
PG_MAX_POSITION = 16383


def _quote_fts(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _quote_pg(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


class SQLiteQueryCompiler:
    """QueryPlan → an FTS5 MATCH expression."""

    def compile(self, plan: QueryPlan, *, loose: bool) -> str:
        if loose:
            return " OR ".join(_quote_fts(t) for t in plan.loose_tokens)
        groups = []
        for group in plan.groups:
            alternatives = []
            for alternative in group.alternatives:
                if alternative.pinyin:
                    alternatives.append("pinyin : " + _quote_fts(" ".join(alternative.tokens)))
                else:
                    words = " AND ".join(_quote_fts(t) for t in alternative.tokens)
                    alternatives.append(f"{WORD_COLUMNS} : ({words})")
            groups.append("(" + " OR ".join(alternatives) + ")")
        return " AND ".join(groups)


class PostgresQueryCompiler:
    """QueryPlan → a tsquery literal (no parser involved: the analyzer already made the lexemes)."""

    def compile(self, plan: QueryPlan, *, loose: bool) -> str:
        if loose:
            return " | ".join(_quote_pg(t) for t in plan.loose_tokens)
        groups = []
        for group in plan.groups:
            alternatives = []
            for alternative in group.alternatives:
                if alternative.pinyin:
                    alternatives.append("(" + " <-> ".join(_quote_pg(t) + ":D" for t in alternative.tokens) + ")")
                else:
                    alternatives.append("(" + " & ".join(_quote_pg(t) for t in alternative.tokens) + ")")
            groups.append("(" + " | ".join(alternatives) + ")")
        return " & ".join(groups)


def tsvector_literal(streams: dict[str, list[str]]) -> str:
    """Explicit lexemes with positions and weights: '党课':1A,7C '开讲':2A …"""
    positions: dict[str, list[str]] = {}
    position = 0
    for stream, tokens in streams.items():
        weight = PG_WEIGHTS[stream]
        for token in tokens:
            position = min(position + 1, PG_MAX_POSITION)
            positions.setdefault(token, []).append(f"{position}{weight}")
        position = min(position + 1, PG_MAX_POSITION)  # no phrase across streams
    return " ".join(f"{_quote_pg(token)}:{','.join(places[:256])}" for token, places in positions.items())


class EmbeddedSearchBackend(BaseSearchBackend):
    name = "embedded"
    sqlite_compiler_class = SQLiteQueryCompiler
    postgres_compiler_class = PostgresQueryCompiler
    batch_size = 500
    count_limit = 10_000

    @property
    def vendor(self) -> str:
        if connection.vendor not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"the embedded search backend supports SQLite and PostgreSQL, not {connection.vendor}")
        return connection.vendor

    # --- indexing -----------------------------------------------------------------------------
    def index_documents(self, documents: Iterable[SearchDocument], *, progress: bool = False) -> int:
        written = 0
        bar = tqdm(desc="索引", unit="篇", disable=not progress)
        for batch in batched(documents, self.batch_size):
            with transaction.atomic():
                self._write_batch(batch)
            written += len(batch)
            bar.update(len(batch))
        bar.close()
        return written

    def _write_batch(self, documents: list[SearchDocument]) -> None:
        documents = list({d.key: d for d in documents}.values())
        self._delete_keys([d.key for d in documents])
        entries = [
            IndexEntry(
                key=d.key,
                doc_type=d.doc_type,
                object_pk=str(d.pk),
                title=d.title[:500],
                url=d.url[:500],
                summary=d.summary,
                body=d.body,
                fields=d.fields,
                transcript=[[cue.start, cue.text] for cue in d.transcript],
                facets=self.facet_values(d),
                audience=d.audience,
                published_at=self.published_datetime(d),
                location_lat=d.location[0] if d.location else None,
                location_lon=d.location[1] if d.location else None,
            )
            for d in documents
        ]
        IndexEntry.objects.bulk_create(entries)
        if any(e.pk is None for e in entries):  # databases without RETURNING
            ids = dict(IndexEntry.objects.filter(key__in=[e.key for e in entries]).values_list("key", "id"))
            for entry in entries:
                entry.pk = ids[entry.key]
        facet_rows, suggest_rows, token_rows = [], [], []
        for entry, document in zip(entries, documents, strict=True):
            for name, values in entry.facets.items():
                facet_rows.extend((entry.pk, name, v[:200]) for v in values)
            for weight, text in enumerate(reversed(self.suggest_texts(document)), start=1):
                folded, pinyin, initials = self.suggest_keys(text)
                suggest_rows.append(
                    (entry.pk, text[:500], folded[:500], pinyin[:1000], initials[:200], document.audience, weight)
                )
            analyzed = self.analyze(document)
            token_rows.append((entry.pk, {name: getattr(analyzed, name) for name in FTS_COLUMNS}))
        with connection.cursor() as cursor:
            # Plain executemany: model instances for ~10 facet and suggestion rows per document would
            # cost more than the analysis.
            cursor.executemany(
                "INSERT INTO search_facetvalue (entry_id, name, value) VALUES (%s, %s, %s)", facet_rows
            )
            cursor.executemany(
                "INSERT INTO search_suggestentry (entry_id, text, folded, pinyin, initials, audience, weight) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                suggest_rows,
            )
            if self.vendor == "sqlite":
                cursor.executemany(
                    "INSERT INTO search_fts (rowid, title, names, body, transcript, pinyin) VALUES (%s, %s, %s, %s, %s, %s)",
                    [(pk, *(" ".join(streams[c]) for c in FTS_COLUMNS)) for pk, streams in token_rows],
                )
            else:
                # One statement per batch: a round trip per row costs more than building the vectors.
                values = ", ".join(["(%s, %s)"] * len(token_rows))
                cursor.execute(
                    "UPDATE search_indexentry AS e SET search_vector = v.vector::tsvector "  # noqa: S608
                    f"FROM (VALUES {values}) AS v(id, vector) WHERE e.id = v.id::bigint",
                    [value for pk, streams in token_rows for value in (pk, tsvector_literal(streams))],
                )

    def _delete_keys(self, keys: list[str]) -> None:
        ids = list(IndexEntry.objects.filter(key__in=keys).values_list("id", flat=True))
        if not ids:
            return
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(i,) for i in ids])
        FacetValue.objects.filter(entry_id__in=ids)._raw_delete(connection.alias)
        SuggestEntry.objects.filter(entry_id__in=ids)._raw_delete(connection.alias)
        IndexEntry.objects.filter(id__in=ids)._raw_delete(connection.alias)

    def delete_documents(self, keys: Iterable[str]) -> None:
        with transaction.atomic():
            for batch in batched(keys, self.batch_size):
                self._delete_keys(batch)

    def clear(self) -> None:
        with transaction.atomic():
            if self.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("DELETE FROM search_fts")
            FacetValue.objects.all()._raw_delete(connection.alias)
            SuggestEntry.objects.all()._raw_delete(connection.alias)
            IndexEntry.objects.all()._raw_delete(connection.alias)

    def rebuild(self, documents: Iterable[SearchDocument], *, progress: bool = False) -> int:
        # One transaction: readers see the old index until the new one is complete.
        with transaction.atomic():
            self.clear()
            return self.index_documents(documents, progress=progress)

    def count(self) -> int:
        return IndexEntry.objects.count()

    def check(self) -> tuple[bool, str]:
        table = "search_fts" if self.vendor == "sqlite" else "search_indexentry"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
            rows = cursor.fetchone()[0]
        index = "FTS5" if self.vendor == "sqlite" else "tsvector"
        return True, f"embedded ({index}), {rows} 篇"

    # --- querying -----------------------------------------------------------------------------
    def _where(self, request: SearchRequest) -> tuple[str, list]:
        clauses = [f"e.audience IN ({', '.join(['%s'] * len(request.audiences))})"]
        params: list = list(request.audiences)
        if request.types:
            clauses.append(f"e.doc_type IN ({', '.join(['%s'] * len(request.types))})")
            params.extend(request.types)
        for name, value in request.filters.items():
            clauses.append(
                "EXISTS (SELECT 1 FROM search_facetvalue fv WHERE fv.entry_id = e.id AND fv.name = %s AND fv.value = %s)"
            )
            params.extend([name, value])
        return " AND ".join(clauses), params

    def search(self, request: SearchRequest) -> BackendResults:
        if request.plan.is_empty or not request.audiences:
            return self.results_class(total=0, hits=[], facets={})
        where, where_params = self._where(request)
        if self.vendor == "sqlite":
            match = self.sqlite_compiler_class().compile(request.plan, loose=request.loose)
            weights = ", ".join(str(w) for w in FTS_WEIGHTS)
            # CROSS JOIN keeps FTS5 as the outer loop: otherwise SQLite may walk the entries and run
            # the MATCH once per row.
            source = "search_fts CROSS JOIN search_indexentry e ON e.id = search_fts.rowid"
            condition = "search_fts MATCH %s"
            rank = f"-bm25(search_fts, {weights})"
        else:
            match = self.postgres_compiler_class().compile(request.plan, loose=request.loose)
            source = "search_indexentry e"
            condition = "e.search_vector @@ %s::tsquery"
            rank = f"ts_rank('{PG_RANK_WEIGHTS}', e.search_vector, %s::tsquery, 1) * 10"
        rank_params = [match] if self.vendor == "postgresql" else []
        join = "CROSS JOIN" if self.vendor == "sqlite" else "JOIN"  # SQLite: keep the left side outer
        base_params = [match, *where_params]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.id, {rank} AS score FROM {source} WHERE {condition} AND {where} "  # noqa: S608
                "ORDER BY score DESC, e.id LIMIT %s OFFSET %s",
                [*rank_params, *base_params, request.limit, request.offset],
            )
            ranked = cursor.fetchall()
            # Counting and faceting a query that matches most of the index would cost more than the
            # ranking: both stop at `count_limit` matches (the page then says "10000 条以上").
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {condition} AND {where} LIMIT %s) AS m",  # noqa: S608
                [*base_params, self.count_limit],
            )
            total = cursor.fetchone()[0]
            facets: dict[str, list[tuple[str, int]]] = {}
            if request.with_facets and total:
                cursor.execute(
                    "SELECT f.name, f.value, count(*) FROM "  # noqa: S608
                    f"(SELECT e.id FROM {source} WHERE {condition} AND {where} LIMIT %s) AS m "
                    f"{join} search_facetvalue f ON f.entry_id = m.id GROUP BY f.name, f.value",
                    [*base_params, self.count_limit],
                )
                for name, value, count in cursor.fetchall():
                    facets.setdefault(name, []).append((value, count))
                for values in facets.values():
                    values.sort(key=lambda item: (-item[1], item[0]))
        entries = IndexEntry.objects.in_bulk([row[0] for row in ranked])
        hits = [self.hit_class(document=self._stored(entries[pk]), score=float(score)) for pk, score in ranked]
        return self.results_class(total=total, hits=hits, facets=facets, total_is_lower_bound=total >= self.count_limit)

    def _stored(self, entry: IndexEntry) -> StoredDocument:
        return self.stored_document_class(
            key=entry.key,
            doc_type=entry.doc_type,
            pk=entry.object_pk,
            title=entry.title,
            url=entry.url,
            summary=entry.summary,
            body=entry.body,
            fields=entry.fields,
            transcript=[(float(start), text) for start, text in entry.transcript],
            facets=entry.facets,
            audience=entry.audience,
        )

    def suggest(self, text: str, *, audiences: tuple[str, ...], limit: int = 8) -> list[str]:
        folded, pinyin, _ = self.suggest_keys(text)
        raw = text.strip().lower().replace(" ", "")
        if not folded.strip() or not audiences:
            return []
        from django.db.models import Q

        condition = Q(folded__startswith=folded.strip()) | Q(folded__contains=folded.strip())
        if raw.isascii() and raw.isalpha():
            condition |= Q(pinyin__startswith=raw) | Q(initials__startswith=raw)
        elif pinyin:
            condition |= Q(pinyin__startswith=pinyin)  # a homophone typo still completes
        rows = (
            SuggestEntry.objects.filter(condition, audience__in=audiences)
            .order_by("-weight", "text")
            .values_list("text", flat=True)[: limit * 4]
        )
        return list(dict.fromkeys(rows))[:limit]


SearchBackend = EmbeddedSearchBackend
