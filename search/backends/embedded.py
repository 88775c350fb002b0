"""The embedded backend: the index lives in the project's own database.

On SQLite the token streams go into the FTS5 table ``search_fts`` (one column per stream, ranked by
FTS5's BM25 with a title boost); on PostgreSQL into the ``search_vector`` tsvector column of
``search_indexentry`` (built from explicit lexemes with the ``simple`` configuration's semantics, a
GIN index, ts_rank with weights A title … D transcript and length normalisation). Both are created
by migration 0002, each only on its own database."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace

from django.db import connection, transaction
from tqdm import tqdm

from ..analysis import CJK_RUN, MODE_ANY, WEIGHTS, Alternative, QueryPlan, coverage_threshold
from ..models import FacetValue, IndexEntry, SuggestEntry
from ..registry import SearchDocument
from .base import BackendResults, BaseSearchBackend, SearchRequest, StoredDocument, batched, index_changed

# FTS5 column order; bm25() takes one weight per column in this order.
FTS_COLUMNS = ("title", "names", "body", "transcript", "pinyin", "initials")
FTS_WEIGHTS = (10.0, 4.0, 1.0, 0.6, 2.0, 1.0)
WORD_COLUMNS = "{title names body transcript}"
TITLE_COLUMNS = "{title names}"  # the title tier: what a document is called and who or where it is about
# tsvector weight per stream (PostgreSQL has four: A title, B names, C body, D transcript, pinyin
# and initials).
PG_WEIGHTS = {"title": "A", "names": "B", "body": "C", "transcript": "D", "pinyin": "D", "initials": "D"}
PG_RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A
PG_MAX_POSITION = 16383
TITLE_STREAMS = ("title", "names", "pinyin", "initials")  # what `title_vector` holds on PostgreSQL
# Initials share the vectors with words on PostgreSQL: a mark keeps "gxy" apart from a word "gxy".
PG_INITIALS_MARK = "^"


def _quote_fts(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _quote_pg(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


class SQLiteQueryCompiler:
    """QueryPlan → an FTS5 MATCH expression; `titles_only` keeps to the title tier. Groups are
    joined with AND, or with OR when the plan ranks by coverage (MODE_ANY)."""

    def compile(self, plan: QueryPlan, *, loose: bool, titles_only: bool = False) -> str:
        if loose:
            tokens = " OR ".join(_quote_fts(t) for t in plan.loose_tokens)
            return f"{{title names pinyin}} : ({tokens})" if titles_only else tokens
        joiner = " OR " if plan.mode == MODE_ANY else " AND "
        return joiner.join(self.alternatives(g.alternatives, titles_only=titles_only) for g in plan.groups)

    def alternatives(self, alternatives: list[Alternative], *, titles_only: bool = False) -> str:
        word_columns = TITLE_COLUMNS if titles_only else WORD_COLUMNS
        parts = []
        for alternative in alternatives:
            if alternative.pinyin:
                parts.append("pinyin : " + _quote_fts(" ".join(alternative.tokens)))
            elif alternative.initials:
                parts.append("initials : " + _quote_fts(alternative.tokens[0]))
            else:
                words = " AND ".join(_quote_fts(t) for t in alternative.tokens)
                if titles_only or not all(CJK_RUN.search(t) for t in alternative.tokens):
                    parts.append(f"{word_columns} : ({words})")
                else:
                    # The pinyin and initials streams hold Latin letters only, so a Chinese word
                    # can only match the word columns anyway: without the column filter FTS5 need
                    # not read positions to count its rows for BM25 (a third of a query's time).
                    parts.append(f"({words})")
        return "(" + " OR ".join(parts) + ")"


class PostgresQueryCompiler:
    """QueryPlan → one tsquery literal (no parser involved: the analyzer already made the lexemes),
    matched against `search_vector`, or `title_vector` for the title tier.

    Pinyin is indexed as syllables and pairs of neighbouring syllables ("lei_feng") and queried as
    pairs, not as a phrase (<->): the GIN index answers pairs exactly, whereas a phrase makes
    PostgreSQL re-read every candidate row's vector. One tsquery per query, for the same reason:
    the whole condition is answered inside the index."""

    def compile(self, plan: QueryPlan, *, loose: bool) -> str:
        if loose:
            return " | ".join(_quote_pg(t) for t in plan.loose_tokens)
        joiner = " | " if plan.mode == MODE_ANY else " & "
        return joiner.join(self.alternatives(g.alternatives) for g in plan.groups)

    def alternatives(self, alternatives: list[Alternative]) -> str:
        parts = []
        for alternative in alternatives:
            if alternative.pinyin:
                tokens = pinyin_pairs(alternative.tokens)
            elif alternative.initials:
                tokens = [PG_INITIALS_MARK + alternative.tokens[0]]
            else:
                tokens = alternative.tokens
            if tokens:
                parts.append("(" + " & ".join(_quote_pg(t) for t in tokens) + ")")
        return "(" + " | ".join(parts) + ")"


def id_ranges(ids: Iterable[int], most: int) -> list[tuple[int, int]]:
    """At most `most` (low, high) ranges holding every id, as narrow in total as can be: split at
    the widest gaps."""
    ordered = sorted(set(ids))
    if not ordered:
        return []
    gaps = sorted(range(1, len(ordered)), key=lambda i: ordered[i] - ordered[i - 1], reverse=True)[: most - 1]
    ranges, low = [], ordered[0]
    for cut in sorted(gaps):
        ranges.append((low, ordered[cut - 1]))
        low = ordered[cut]
    ranges.append((low, ordered[-1]))
    return ranges


def pinyin_pairs(syllables) -> list[str]:
    """["lei", "feng", "jing"] → ["lei_feng", "feng_jing"]; one syllable stays as it is."""
    syllables = list(syllables)
    if len(syllables) < 2:
        return syllables
    return list(dict.fromkeys(f"{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)))


def tsvector_literal(streams: dict[str, list[str]]) -> str:
    """Explicit lexemes with positions and weights: '党课':1A,7C '开讲':2A … (at most 256 positions
    per lexeme, as PostgreSQL keeps). The hottest loop of indexing on PostgreSQL, hence plain: the
    position strings are made once per process, and each token costs one dict lookup."""
    positions: dict[str, list[str]] = {}
    get = positions.get
    position = 0
    for stream, tokens in streams.items():
        places = _places(PG_WEIGHTS[stream], position + len(tokens))
        for token, place in zip(tokens, places[position + 1 : position + 1 + len(tokens)], strict=True):
            known = get(token)
            if known is None:
                positions[token] = [place]
            else:
                known.append(place)
        position += len(tokens) + 1  # no phrase across streams
    quoted = _QUOTED_LEXEMES
    if len(quoted) > 500_000:  # a corpus's vocabulary fits; anything beyond starts afresh
        quoted.clear()
    parts = []
    for token, places in positions.items():
        lexeme = quoted.get(token)
        if lexeme is None:
            lexeme = quoted[token] = _quote_pg(token)
        parts.append(f"{lexeme}:{','.join(places[:256] if len(places) > 256 else places)}")
    return " ".join(parts)


# "1A", "2A", … by weight, index = position; PostgreSQL keeps positions up to PG_MAX_POSITION.
_PLACES: dict[str, list[str]] = {}


def _places(weight: str, last: int) -> list[str]:
    """Position strings of one weight, at least up to index `last`."""
    places = _PLACES.get(weight)
    if places is None or len(places) <= last:
        size = max(last + 1, 2 * len(places or ()), 4096)
        places = _PLACES[weight] = [f"{min(p, PG_MAX_POSITION)}{weight}" for p in range(size)]
    return places


# Quoted lexemes by token: a corpus repeats its words, quoting each once saves a third of the time.
_QUOTED_LEXEMES: dict[str, str] = {}


class EmbeddedSearchBackend(BaseSearchBackend):
    name = "embedded"
    sqlite_compiler_class = SQLiteQueryCompiler
    postgres_compiler_class = PostgresQueryCompiler
    batch_size = 500
    # Matches ranked, counted and faceted per query at most: every page a visitor can reach
    # (MAX_PAGE × 10 results).
    rank_window = 1_000
    # Title-tier matches of a broad query ranked ahead of the rest: the newest this many.
    title_window = 100
    # Cost of testing a row while walking the entries, relative to visiting a row a GIN index
    # found (measured on 100,000 entries: about 7 to 1).
    pg_walk_cost = 7
    # Rows read along each suggestion key's index per prefix at most.
    suggest_scan = 200

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
            index_changed()
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
        facet_rows: list[tuple] = []
        suggest_rows: list[tuple] = []
        streams: list[dict[str, list[str]]] = []
        # Taken before any COPY starts: getting it may read the dictionary from the database.
        analyzer = self.analyzer
        if self.vendor == "sqlite":
            streams = [self._streams(document, analyzer) for document in documents]
            self._insert_sqlite(entries)
            for entry, document in zip(entries, documents, strict=True):
                self._side_rows(entry, document, facet_rows, suggest_rows)
        else:
            self._insert_with_vectors(entries, documents, analyzer, facet_rows, suggest_rows)
        tables = {
            "search_facetvalue (entry_id, name, value)": facet_rows,
            "search_suggestentry (entry_id, text, folded, pinyin, initials, audience, weight)": suggest_rows,
        }
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                for table, rows in tables.items():
                    with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                return
            # SQLite: plain executemany, since model instances for ~10 facet and suggestion rows per
            # document would cost more than the analysis; then the token streams into FTS5.
            for table, rows in tables.items():
                if rows:
                    placeholders = ", ".join(["%s"] * len(rows[0]))
                    cursor.executemany(f"INSERT INTO {table} VALUES ({placeholders})", rows)  # noqa: S608
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, names, body, transcript, pinyin, initials) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(e.pk, *(" ".join(s[c]) for c in FTS_COLUMNS)) for e, s in zip(entries, streams, strict=True)],
            )

    @staticmethod
    def _insert_sqlite(entries: list[IndexEntry]) -> None:
        """SQLite: the entries by one executemany, ids given here. The ORM's bulk_create spends
        more on building its statement than SQLite on the rows; the write transaction holds the
        database's lock, so the ids after the highest ever used are ours."""
        fields = [f for f in IndexEntry._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(["id", *(connection.ops.quote_name(f.column) for f in fields)])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'search_indexentry'), 0), "
                "coalesce((SELECT max(id) FROM search_indexentry), 0))"
            )
            last = cursor.fetchone()[0]
            for offset, entry in enumerate(entries, start=1):
                entry.pk = last + offset
            cursor.executemany(
                f"INSERT INTO search_indexentry ({columns}) VALUES ({', '.join(['%s'] * (len(fields) + 1))})",  # noqa: S608
                [[e.pk, *(f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields)] for e in entries],
            )

    def _streams(self, document: SearchDocument, analyzer) -> dict[str, list[str]]:
        analyzed = self.analyze(document, analyzer)
        return {name: getattr(analyzed, name) for name in FTS_COLUMNS}

    def _side_rows(self, entry: IndexEntry, document: SearchDocument, facet_rows: list, suggest_rows: list) -> None:
        """The facet and suggestion rows of one written entry."""
        for name, values in entry.facets.items():
            facet_rows.extend((entry.pk, name, v[:200]) for v in values)
        for weight, text in enumerate(reversed(self.suggest_texts(document)), start=1):
            folded, pinyin, initials = self.suggest_keys(text)
            suggest_rows.append(
                (entry.pk, text[:500], folded[:500], pinyin[:1000], initials[:200], document.audience, weight)
            )

    def _insert_with_vectors(self, entries: list[IndexEntry], documents: list[SearchDocument], analyzer,
                             facet_rows: list, suggest_rows: list) -> None:
        """PostgreSQL: the entries with their two tsvectors, by COPY, ids taken from the sequence
        first. Writing the vectors by a later UPDATE would leave a dead copy of every row behind,
        doubling the heap that a broad query reads; COPY skips parsing a statement with thousands
        of parameters. Each document is analysed while the rows before it stream to the server,
        so PostgreSQL writes them (heap, TOAST, GIN) on the other core meanwhile instead of after."""
        fields = [f for f in IndexEntry._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(["id", *(connection.ops.quote_name(f.column) for f in fields), "search_vector", "title_vector"])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('search_indexentry', 'id')) FROM generate_series(1, %s)",
                [len(entries)],
            )
            for entry, (pk,) in zip(entries, cursor.fetchall(), strict=True):
                entry.pk = pk
            with cursor.cursor.copy(f"COPY search_indexentry ({columns}) FROM STDIN") as copy:  # noqa: S608
                for entry, document in zip(entries, documents, strict=True):
                    entry_streams = self._streams(document, analyzer)
                    titles = {name: entry_streams[name] for name in TITLE_STREAMS}
                    titles["pinyin"] = [*titles["pinyin"], *pinyin_pairs(titles["pinyin"])]
                    titles["initials"] = [PG_INITIALS_MARK + t for t in titles["initials"]]
                    copy.write_row(
                        [
                            entry.pk,
                            *(f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields),
                            tsvector_literal({**entry_streams, "pinyin": titles["pinyin"],
                                              "initials": titles["initials"]}),
                            tsvector_literal(titles),
                        ]
                    )
                    self._side_rows(entry, document, facet_rows, suggest_rows)

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
        index_changed()

    def clear(self) -> None:
        with transaction.atomic():
            if self.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("DELETE FROM search_fts")
            FacetValue.objects.all()._raw_delete(connection.alias)
            SuggestEntry.objects.all()._raw_delete(connection.alias)
            IndexEntry.objects.all()._raw_delete(connection.alias)
        index_changed()

    def rebuild(self, documents: Iterable[SearchDocument], *, progress: bool = False) -> int:
        # Entries are written oldest first, so that ids follow publication and a broad query's
        # "newest matches" (highest ids) are the most recently published; undated documents
        # (routes, sites) go first. Later updates get new ids: the newly published or edited.
        documents = sorted(documents, key=lambda d: (d.published_at is not None, self.published_datetime(d) or 0))
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

    def facet_vocabulary(self, names: Iterable[str], *, audiences: tuple[str, ...]) -> dict[str, list[str]]:
        names = list(names)
        vocabulary: dict[str, list[str]] = {}
        if not names or not audiences:
            return vocabulary
        rows = (FacetValue.objects.filter(name__in=names, entry__audience__in=audiences)
                .values_list("name", "value").distinct())
        for name, value in rows:
            vocabulary.setdefault(name, []).append(value)
        return vocabulary

    # --- querying -----------------------------------------------------------------------------
    def _where(self, request: SearchRequest, *, row_id: str = "e.id") -> tuple[str, list]:
        """Audience and type restrictions, then the facet filters on `row_id`."""
        clauses = [f"e.audience IN ({', '.join(['%s'] * len(request.audiences))})"]
        params: list = list(request.audiences)
        if request.types:
            clauses.append(f"e.doc_type IN ({', '.join(['%s'] * len(request.types))})")
            params.extend(request.types)
        filters, filter_params = self._filters(request, row_id=row_id)
        if filters:
            clauses.append(filters)
            params.extend(filter_params)
        return " AND ".join(clauses), params

    @staticmethod
    def _filters(request: SearchRequest, *, row_id: str = "e.id") -> tuple[str, list]:
        """The facet filters as one condition on `row_id`. Each is an uncorrelated IN, looked up
        once per statement (SQLite builds a temporary index, PostgreSQL a hash), not a subquery run
        for every candidate row: a district lets one row in ten through, so a broad query tests
        ten candidates for every match it keeps."""
        clauses, params = [], []
        for name, value in request.filters.items():
            clauses.append(f"{row_id} IN (SELECT entry_id FROM search_facetvalue WHERE name = %s AND value = %s)")  # noqa: S608
            params.extend([name, value])
        return " AND ".join(clauses), params

    def _match(self, request: SearchRequest, *, titles_only: bool = False) -> tuple[str, str, list, str, list]:
        """(FROM, WHERE, its params, score expression, its params) for the request's query."""
        if request.match_all:
            # Filters only (a query that was all filters, 2024年 精品党课展播): newest first.
            where, where_params = self._where(request)
            return "search_indexentry e", where, where_params, "0", []
        if self.vendor == "sqlite":
            match = self.sqlite_compiler_class().compile(request.plan, loose=request.loose, titles_only=titles_only)
            weights = ", ".join(str(w) for w in FTS_WEIGHTS)
            # The filters test FTS5's rowid (+ 0: not handed to FTS5 as a rowid lookup), so a row
            # they leave out is dropped before its entry is read.
            where, where_params = self._where(request, row_id="search_fts.rowid + 0")
            # CROSS JOIN keeps FTS5 as the outer loop (its rowid is the entry's id), walking its
            # rowids newest first; otherwise SQLite may walk the entries and run the MATCH per row.
            return (
                "search_fts CROSS JOIN search_indexentry e ON e.id = search_fts.rowid",
                f"search_fts MATCH %s AND {where}",
                [match, *where_params],
                f"-bm25(search_fts, {weights})",
                [],
            )
        # The title tier is its own column with its own GIN index: where a word is common in
        # bodies its title matches are few, and only a separate index lets the planner see that.
        match = self.postgres_compiler_class().compile(request.plan, loose=request.loose)
        vector = "e.title_vector" if titles_only else "e.search_vector"
        where, where_params = self._where(request)
        return (
            "search_indexentry e",
            f"{vector} @@ %s::tsquery AND {where}",
            [match, *where_params],
            f"ts_rank('{PG_RANK_WEIGHTS}', {vector}, %s::tsquery, 1) * 10",
            [match],
        )

    def _newest_matches(self, request: SearchRequest, *, limit: int, titles_only: bool = False) -> list[tuple]:
        """(id, score) of the `limit` most recently indexed matches. The score is computed for those
        rows only, so a query that matches most of the index costs no more than a rare one."""
        source, condition, params, score, score_params = self._match(request, titles_only=titles_only)
        if request.match_all:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT e.id, 0 FROM {source} WHERE {condition} ORDER BY e.id DESC LIMIT %s",  # noqa: S608
                               [*params, limit])
                return [(pk, 0.0) for pk, _ in cursor.fetchall()]
        if self.vendor == "sqlite":
            # FTS5 streams its rows newest first and scores only those the LIMIT lets through.
            sql = (
                f"SELECT e.id, {score} FROM {source} WHERE {condition} "  # noqa: S608
                "ORDER BY search_fts.rowid DESC LIMIT %s"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [*score_params, *params, limit])
                return [(pk, float(value)) for pk, value in cursor.fetchall()]
        return self._pg_newest_matches(request, limit=limit, titles_only=titles_only, estimate=(condition, params),
                                       score=(score, score_params))

    def _pg_newest_matches(self, request: SearchRequest, *, limit: int, titles_only: bool, estimate: tuple,
                           score: tuple) -> list[tuple]:
        """PostgreSQL: find the newest matches first, then score them (it would score every match
        before sorting otherwise)."""
        match = self.postgres_compiler_class().compile(request.plan, loose=request.loose)
        vector = "e.title_vector" if titles_only else "e.search_vector"
        text = f"{vector} @@ %s::tsquery"
        walk = self._walk_newest_first(*estimate, limit, filtered=bool(request.filters), request=request)
        audience, audience_params = self._where(replace(request, filters={}))
        # Sub-selects inside IS TRUE or CASE stay one hashed lookup per statement; the planner
        # would turn a bare IN into a join it plans for the (far too low) estimate of matches.
        filters, filter_params = self._filters(request)
        if walk:
            # Walking the entries newest first: a row the filters leave out is skipped before its
            # vector is read from TOAST (CASE fixes the order the planner would choose by cost).
            if filters:
                condition = f"{audience} AND CASE WHEN ({filters}) IS TRUE THEN {text} ELSE false END"
                params = [*audience_params, *filter_params, match]
            else:
                condition, params = f"{text} AND {audience}", [match, *audience_params]
            order = "e.id"
        else:
            # Collecting: the GIN index must find the matches. Given the (audience, doc_type)
            # index the planner would rather take every public row from it and test each
            # row's vector, read from TOAST: 80 ms for 20,000 rows where GIN takes a few.
            audience = audience.replace("e.audience IN (", "(e.audience || '') IN (", 1)
            condition, params = f"{text} AND {audience}", [match, *audience_params]
            if filters:
                condition += f" AND ({filters}) IS TRUE"
                params += filter_params
            order = "e.id + 0"
        score_sql, score_params = score
        sql = (
            "WITH newest AS MATERIALIZED ("  # noqa: S608
            f"SELECT e.id FROM search_indexentry e WHERE {condition} ORDER BY {order} DESC "
            f"LIMIT %s) SELECT e.id, {score_sql} FROM newest JOIN search_indexentry e ON e.id = newest.id"
        )
        params = [*params, limit, *score_params]
        # The planner would rather scan the whole (narrow) table than either path, as it does
        # not count reading each row's vector from TOAST: rule out what was not chosen, for
        # this statement only.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = {'off' if walk else 'on'}")
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            cursor.execute("RESET enable_seqscan; RESET enable_bitmapscan")
        return [(pk, float(value)) for pk, value in rows]

    def _walk_newest_first(self, condition: str, params: list, limit: int, *, filtered: bool = False,
                           request: SearchRequest | None = None) -> bool:
        """PostgreSQL: walk the entries newest first testing each (good when matches are dense),
        or collect every match from the GIN indexes and sort (good when they are sparse)?

        The planner estimates the number of matches well but takes a test on a row for nearly
        free, whereas it means reading the row's tsvector from TOAST, several times dearer than
        visiting a row the index found. So ask the planner for its estimate and decide here:
        walking reads about limit × rows / matches rows, collecting reads every match. With
        filters, walking reads the vector of the rows they let through only."""
        with connection.cursor() as cursor:
            matches = self._estimate(cursor, condition, params)
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'search_indexentry'::regclass")
            rows = max(float(cursor.fetchone()[0]), matches)
            tested = rows
            if filtered and request is not None:
                where, where_params = self._where(request)
                tested = min(rows, self._estimate(cursor, where, where_params))
        walked = limit * rows / matches
        return walked + limit * tested / matches * (self.pg_walk_cost - 1) < matches

    @staticmethod
    def _estimate(cursor, condition: str, params: list) -> float:
        cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM search_indexentry e WHERE {condition}", params)  # noqa: S608
        plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return max(float(plan[0]["Plan"]["Plan Rows"]), 1.0)

    def _facet_counts(self, entry_ids: list[int]) -> dict[str, list[tuple[str, int]]]:
        facets: dict[str, list[tuple[str, int]]] = {}
        if not entry_ids:
            return facets
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, value, count(*) FROM search_facetvalue "  # noqa: S608
                f"WHERE entry_id IN ({', '.join(['%s'] * len(entry_ids))}) GROUP BY name, value",
                entry_ids,
            )
            for name, value, count in cursor.fetchall():
                facets.setdefault(name, []).append((value, count))
        for values in facets.values():
            values.sort(key=lambda item: (-item[1], item[0]))
        return facets

    # Rowid ranges one coverage lookup reads at most on SQLite: the window is dense, the title and
    # strict matches beside it are scattered; one range over all of them reads whole posting lists.
    coverage_ranges = 16

    def _matching_sets(self, lookups: list[list[Alternative]], ids: set[int]) -> list[set[int]]:
        """For each list of alternatives, which of `ids` hold one of them (ids come from one query's
        window): one statement for all."""
        if not ids or not lookups:
            return [set() for _ in lookups]
        found: list[set[int]] = [set() for _ in lookups]
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                # Rowid ranges keep FTS5 to the window's part of each posting list.
                compiler = self.sqlite_compiler_class()
                branches, params = [], []
                for position, alternatives in enumerate(lookups):
                    expression = compiler.alternatives(alternatives)
                    for low, high in id_ranges(ids, self.coverage_ranges):
                        branches.append(
                            f"SELECT {position}, rowid FROM search_fts WHERE search_fts MATCH %s "  # noqa: S608
                            "AND rowid >= %s AND rowid <= %s"
                        )
                        params.extend([expression, low, high])
                cursor.execute(" UNION ALL ".join(branches), params)
            else:
                # One pass over the rows, each vector tested against every lookup.
                compiler = self.postgres_compiler_class()
                tests = ", ".join("search_vector @@ %s::tsquery" for _ in lookups)
                cursor.execute(
                    f"SELECT id, {tests} FROM search_indexentry WHERE id = ANY(%s)",  # noqa: S608
                    [*(compiler.alternatives(a) for a in lookups), list(ids)],
                )
                rows = cursor.fetchall()
                for pk, *holds in rows:
                    for position, held in enumerate(holds):
                        if held:
                            found[position].add(pk)
                return found
            for position, pk in cursor.fetchall():
                if pk in ids:
                    found[position].add(pk)
        return found

    def coverage(self, request: SearchRequest, ids: Iterable[int]) -> dict[int, float]:
        """How much of the query each document covers: the sum over query words of the weight of
        the heaviest form it holds (the word as typed 1, initials 0.6, an editor's synonym 0.8, a
        thesaurus synonym 0.5). One statement looks up every form of every word."""
        ids = set(ids)
        covered: dict[int, float] = dict.fromkeys(ids, 0.0)
        if request.loose:
            return covered
        every_word_required = request.plan.mode != MODE_ANY and not request.match_all
        groups = [list(group.classes().items()) for group in request.plan.groups]
        lookups = []
        for classes in groups:
            # Each match holds every word in some form: the lightest form is what is left.
            asked = classes[:-1] if every_word_required else classes
            lookups.extend(alternatives for _, alternatives in asked)
        holding = iter(self._matching_sets(lookups, ids))
        for classes in groups:
            remaining = set(ids)
            for position, (weight_class, _) in enumerate(classes):
                if every_word_required and position == len(classes) - 1:
                    matched = remaining
                else:
                    matched = next(holding) & remaining
                for pk in matched:
                    covered[pk] += WEIGHTS[weight_class]
                remaining -= matched
        return covered

    def search(self, request: SearchRequest) -> BackendResults:
        if (request.plan.is_empty and not request.match_all) or not request.audiences:
            return self.results_class(total=0, hits=[], facets={})
        by_score = lambda row: (-row[1], -row[0])  # noqa: E731
        window = None
        if request.plan.has_thesaurus and not request.loose and not request.match_all:
            # The thesaurus widens a common word to many more (红色 for 革命): when the words as
            # typed already fill the window, its synonyms (ranked below them) could not reach a
            # page anyway, and matching them would cost time in proportion to the index.
            narrow = replace(request, plan=request.plan.without_thesaurus())
            typed = self._newest_matches(narrow, limit=self.rank_window + 1)
            if len(typed) > self.rank_window:
                request, window = narrow, typed
        if window is None:
            window = self._newest_matches(request, limit=self.rank_window + 1)
        ranked_by_coverage = request.plan.needs_coverage and not request.match_all and not request.loose
        if len(window) <= self.rank_window:
            # Every match is in hand: rank them all, count and facet them exactly.
            ranked, total, sampled = sorted(window, key=by_score), len(window), False
            candidates = window
        else:
            # A broad query (党员, 书记): ranking, counting or faceting every match would cost time
            # in proportion to the index. Rank the newest `rank_window` matches instead, after the
            # newest `title_window` title-tier matches (the word is in the title or a name: what
            # BM25's title boost favours anyway, so an older lesson named after the query is not
            # lost), and say "more than `rank_window`": no visitor pages further than that.
            window = window[: self.rank_window]
            titles = [] if request.match_all else sorted(
                self._newest_matches(request, limit=self.title_window, titles_only=True), key=by_score)
            in_titles = {pk for pk, _ in titles}
            ranked = titles + sorted((row for row in window if row[0] not in in_titles), key=by_score)
            total, sampled = self.rank_window, True
            candidates = ranked
            if ranked_by_coverage and request.plan.mode == MODE_ANY:
                # Any word may match, so a common one fills the window: the documents holding
                # every word are looked up on their own, so none of them is left out.
                strict = self._newest_matches(replace(request, plan=replace(request.plan, mode="all")),
                                              limit=self.rank_window)
                known = {pk for pk, _ in candidates}
                candidates = candidates + [row for row in strict if row[0] not in known]
        faceted = [pk for pk, _ in window]
        if ranked_by_coverage:
            covered = self.coverage(request, [pk for pk, _ in candidates])
            if request.plan.mode == MODE_ANY and covered:
                least = coverage_threshold(max(covered.values()))
                candidates = [row for row in candidates if covered[row[0]] >= least]
                kept = {pk for pk, _ in candidates}
                faceted = [pk for pk in faceted if pk in kept]
                if not sampled:
                    total = len(candidates)
            ranked = sorted(candidates, key=lambda row: (-round(covered[row[0]], 3), -row[1], -row[0]))
        page = ranked[request.offset : request.offset + request.limit]
        facets = self._facet_counts(faceted) if request.with_facets else {}
        entries = IndexEntry.objects.in_bulk([pk for pk, _ in page])
        hits = [self.hit_class(document=self._stored(entries[pk]), score=score) for pk, score in page]
        return self.results_class(
            total=total,
            hits=hits,
            facets=facets,
            total_is_lower_bound=sampled,
            facets_are_sample=sampled,
        )

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
        folded = folded.strip()
        raw = text.strip().lower().replace(" ", "")
        if not folded or not audiences:
            return []
        prefixes = [("folded", folded)]
        if raw.isascii() and raw.isalpha():
            prefixes += [("pinyin", raw), ("initials", raw)]
        elif pinyin:
            prefixes.append(("pinyin", pinyin))  # a homophone typo still completes
        # Prefix matches only (like Elasticsearch's completion suggester), each read along its own
        # index and cut off after `suggest_scan` rows, so a one-character prefix that starts
        # thousands of titles costs no more than a rare one. The best of those by weight win.
        rows: dict[str, int] = {}
        for column, prefix in prefixes:
            matching = SuggestEntry.objects.filter(audience__in=audiences)
            if self.vendor == "sqlite":
                # LIKE cannot use the index here (it is case-insensitive); a range over the binary
                # collation can, and UTF-8 byte order is code-point order.
                bounds = {f"{column}__gte": prefix, f"{column}__lt": prefix + "\U0010ffff"}
                matching = matching.filter(**bounds).order_by(column)
            else:
                # LIKE 'prefix%' reads the varchar_pattern_ops index; no ORDER BY, which would make
                # PostgreSQL read the plain index from its start instead.
                matching = matching.filter(**{f"{column}__startswith": prefix}).order_by()
            for value, weight in matching.values_list("text", "weight")[: self.suggest_scan]:
                rows[value] = max(weight, rows.get(value, 0))
        return sorted(rows, key=lambda value: (-rows[value], value))[:limit]


SearchBackend = EmbeddedSearchBackend
