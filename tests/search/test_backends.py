import uuid

import pytest
from django.db import connection

from search.backends import get_search_backend, reset_backends

from .backend_tests import BackendTests


def _use(settings, params):
    settings.DANGKE_SEARCH_BACKENDS = {"default": params}
    reset_backends()
    return get_search_backend()


@pytest.mark.django_db
class TestEmbeddedSQLite(BackendTests):
    @pytest.fixture
    def backend(self, settings):
        if connection.vendor != "sqlite":
            pytest.skip("embedded/SQLite runs when the test database is SQLite (unset DATABASE_URL)")
        yield _use(settings, {"BACKEND": "search.backends.embedded"})
        reset_backends()


@pytest.mark.django_db
class TestEmbeddedPostgres(BackendTests):
    @pytest.fixture
    def backend(self, settings):
        if connection.vendor != "postgresql":
            pytest.skip("embedded/PostgreSQL runs when DATABASE_URL points at PostgreSQL")
        yield _use(settings, {"BACKEND": "search.backends.embedded"})
        reset_backends()


@pytest.mark.django_db
class TestElasticsearch(BackendTests):
    @pytest.fixture
    def backend(self, settings, elasticsearch_url):
        prefix = f"test-{uuid.uuid4().hex[:8]}"
        backend = _use(settings, {"BACKEND": "search.backends.elasticsearch", "URLS": [elasticsearch_url],
                                  "INDEX_PREFIX": prefix})
        yield backend
        for name in backend.client.indices.get(index=f"{prefix}-*").body:
            backend.client.indices.delete(index=name)
        reset_backends()

    @staticmethod
    def _with_updates_midway(backend, documents, *, during):
        """The documents a rebuild reads, with `during()` (index tasks) run before the first is
        handed over: every document the rebuild then writes is older than those updates."""
        for position, document in enumerate(documents):
            if position == 0:
                during()
            yield document

    @pytest.mark.parametrize("way", ["rebuild", "copy"])
    def test_updates_during_a_rebuild_survive_the_swap(self, indexed, way):
        from search.registry import SearchDocument

        from .corpus import corpus

        def updates():
            indexed.index_documents([SearchDocument("site", 3, "关向应纪念馆新馆", "/sites/guanxiangying/")])
            indexed.delete_documents(["route:4"])

        if way == "rebuild":
            indexed.rebuild(self._with_updates_midway(indexed, corpus(), during=updates))
        else:
            # The server-side copy cannot be paused midway: run the updates as it starts instead.
            create_index = indexed._new_index

            def new_index_then_updates():
                name = create_index()
                indexed.client.indices.update_aliases(actions=[{"add": {"index": name, "alias": indexed.building_alias}}])
                updates()
                return name

            indexed._new_index = new_index_then_updates
            indexed.copy_index()
        assert self.titles("关向应纪念馆新馆") == ["关向应纪念馆新馆"]
        assert "旅顺红色线路" not in self.titles("旅顺红色线路")
        assert indexed.count() == 5  # no tombstone left behind
        assert indexed._building_indexes() == []


@pytest.mark.django_db
class TestEmbeddedBroadQueries:
    """A query matching more than `rank_window` documents ranks only the newest of them, title
    matches first, and says "more than": the cost no longer grows with the index."""

    @pytest.fixture
    def backend(self, settings, monkeypatch):
        backend = _use(settings, {"BACKEND": "search.backends.embedded"})
        monkeypatch.setattr(backend, "rank_window", 4)
        yield backend
        reset_backends()

    @staticmethod
    def _corpus():
        from datetime import date

        from search.registry import SearchDocument

        # Published in this order (ids follow publication after a rebuild, whatever the input order).
        body_only = [
            SearchDocument("lesson", n, f"第{n}讲", f"/l/{n}/", body="支部开展红色教育。" * n,
                           published_at=date(2024, 1, n), facets={"series": ["甲"]})
            for n in range(1, 7)
        ]
        old_title = SearchDocument("lesson", 20, "红色家书", "/l/20/", published_at=date(2020, 1, 1),
                                   facets={"series": ["乙"]})
        return [body_only[3], old_title, *body_only[:3], *body_only[4:]]

    def test_broad_query_ranks_title_matches_then_the_newest(self, backend):
        from django.contrib.auth.models import AnonymousUser

        from search import services

        backend.rebuild(self._corpus())
        results = services.search("红色", user=AnonymousUser())
        urls = [hit.url for hit in results.hits]
        # The old title match comes first although it is outside the newest four; then the newest
        # four body matches by score; the two oldest body matches are not ranked at all.
        assert urls[0] == "/l/20/"
        assert set(urls[1:]) == {"/l/3/", "/l/4/", "/l/5/", "/l/6/"}
        assert results.count == 4 and results.count_is_lower_bound
        assert results.facets_are_sample
        assert {o.value: o.count for o in results.facets["series"]} == {"甲": 4}

    def test_title_tier_is_bounded_too(self, backend, monkeypatch):
        from datetime import date

        from django.contrib.auth.models import AnonymousUser

        from search import services
        from search.registry import SearchDocument

        monkeypatch.setattr(backend, "title_window", 1)
        newer_title = SearchDocument("lesson", 21, "红色足迹", "/l/21/", published_at=date(2021, 1, 1))
        backend.rebuild([*self._corpus(), newer_title])
        urls = [hit.url for hit in services.search("红色", user=AnonymousUser()).hits]
        # Only the newest title match goes first; the older one is outside both windows.
        assert urls[0] == "/l/21/" and "/l/20/" not in urls

    def test_narrow_query_is_exact(self, backend):
        from django.contrib.auth.models import AnonymousUser

        from search import services

        backend.rebuild(self._corpus())
        results = services.search("红色家书", user=AnonymousUser())
        assert [hit.url for hit in results.hits] == ["/l/20/"]
        assert results.count == 1 and not results.count_is_lower_bound and not results.facets_are_sample

    @pytest.mark.parametrize("walk_cost", [0, 10**9])
    def test_postgres_walking_or_collecting_finds_the_same(self, backend, monkeypatch, walk_cost):
        """PostgreSQL either walks the entries newest first or collects the matches from the GIN
        indexes, depending on the planner's estimate; both must give the same page."""
        from django.contrib.auth.models import AnonymousUser

        from search import services

        if connection.vendor != "postgresql":
            pytest.skip("PostgreSQL only")
        backend.rebuild(self._corpus())
        monkeypatch.setattr(backend, "pg_walk_cost", walk_cost)
        urls = [hit.url for hit in services.search("红色", user=AnonymousUser()).hits]
        assert urls[0] == "/l/20/" and set(urls[1:]) == {"/l/3/", "/l/4/", "/l/5/", "/l/6/"}

    def test_suggestions_are_prefixes_read_in_bounded_steps(self, backend, monkeypatch):
        from django.contrib.auth.models import AnonymousUser

        from search import services
        from search.registry import SearchDocument

        monkeypatch.setattr(backend, "suggest_scan", 3)
        backend.rebuild(
            [SearchDocument("lesson", n, f"红色故事第{n}讲", f"/l/{n}/", suggest=["红色讲解员"]) for n in range(1, 9)]
        )
        suggestions = services.suggest("红色", user=AnonymousUser())
        assert 1 <= len(suggestions) <= 3
        assert all(s.startswith("红色") for s in suggestions)
        assert services.suggest("故事", user=AnonymousUser()) == []  # prefixes only, as Elasticsearch completes
        assert services.suggest("hongse", user=AnonymousUser())


    @pytest.mark.parametrize("walk_cost", [0, 10**9])
    def test_filters_on_a_broad_query(self, backend, monkeypatch, walk_cost):
        """Filters are looked up once per statement; on PostgreSQL both the walk (filters tested
        before each row's vector) and the collection of matches must apply them."""
        from django.contrib.auth.models import AnonymousUser

        from search import services

        backend.rebuild(self._corpus())
        monkeypatch.setattr(backend, "pg_walk_cost", walk_cost)
        old = services.search("红色", filters={"series": "乙"}, user=AnonymousUser())
        assert [hit.url for hit in old.hits] == ["/l/20/"] and old.count == 1
        newest = services.search("红色", filters={"series": "甲"}, user=AnonymousUser())
        assert {hit.url for hit in newest.hits} == {"/l/3/", "/l/4/", "/l/5/", "/l/6/"}
        assert newest.count_is_lower_bound
        assert services.search("红色", filters={"series": "丙"}, user=AnonymousUser()).count == 0

    def test_statements_do_not_grow_with_words_or_synonyms(self, backend, monkeypatch):
        """Coverage looks up every form of every word in one statement, and synonyms join the one
        full-text condition: more words or more synonyms cost no more statements."""
        from django.contrib.auth.models import AnonymousUser
        from django.test.utils import CaptureQueriesContext

        from search import services, thesaurus
        from search.analysis import get_analyzer

        backend.rebuild(self._corpus())

        def statements(query):
            services.search(query, user=AnonymousUser())  # the analyzer and vocabulary are loaded
            with CaptureQueriesContext(connection) as context:
                services.search(query, user=AnonymousUser())
            return len(context.captured_queries)

        three, six = "红色 支部 教育", "红色 支部 教育 开展 英烈 群众"
        assert len(get_analyzer().plan(six).groups) == 2 * len(get_analyzer().plan(three).groups)
        assert statements(six) == statements(three)
        monkeypatch.setattr(thesaurus, "MAX_EXPANSIONS", 1)
        one = sum(len(g.alternatives) for g in get_analyzer().plan(six).groups)
        with_one = statements(six)
        monkeypatch.setattr(thesaurus, "MAX_EXPANSIONS", 8)
        assert sum(len(g.alternatives) for g in get_analyzer().plan(six).groups) > one
        assert statements(six) == with_one

    def test_new_entries_get_ids_above_every_id_used_before(self, backend):
        from search.models import IndexEntry
        from search.registry import SearchDocument

        backend.rebuild([SearchDocument("lesson", n, f"第{n}讲", f"/l/{n}/") for n in (1, 2)])
        newest = IndexEntry.objects.get(key="lesson:2").pk
        backend.delete_documents(["lesson:2"])
        backend.index_documents([SearchDocument("lesson", 3, "第3讲", "/l/3/")])
        assert IndexEntry.objects.get(key="lesson:3").pk > newest  # newest first stays right


def test_id_ranges_split_at_the_widest_gaps():
    from search.backends.embedded import id_ranges

    assert id_ranges([5, 1, 2, 3, 100, 101, 50], 3) == [(1, 5), (50, 50), (100, 101)]
    assert id_ranges([3, 1, 2], 16) == [(1, 1), (2, 2), (3, 3)]
    assert id_ranges([9, 4], 1) == [(4, 9)]
    assert id_ranges([], 4) == []


def test_sqlite_chinese_words_are_matched_without_a_column_filter():
    from search.analysis import KIND_PINYIN, Alternative
    from search.backends.embedded import SQLiteQueryCompiler

    alternatives = [
        Alternative(("雷锋",)),
        Alternative(("it", "雷锋")),
        Alternative(("lei", "feng"), KIND_PINYIN),
    ]
    # Only Latin tokens can also be in the pinyin and initials streams: they keep the filter.
    assert SQLiteQueryCompiler().alternatives(alternatives) == (
        '(("雷锋") OR {title names body transcript} : ("it" AND "雷锋") OR pinyin : "lei feng")'
    )
    titles = SQLiteQueryCompiler().alternatives(alternatives[:1], titles_only=True)
    assert titles == '({title names} : ("雷锋"))'


def test_pinyin_pairs():
    from search.backends.embedded import pinyin_pairs

    assert pinyin_pairs(["lei", "feng", "jing", "shen"]) == ["lei_feng", "feng_jing", "jing_shen"]
    assert pinyin_pairs(["lei"]) == ["lei"]
    assert pinyin_pairs([]) == []


def test_tsvector_literal_positions_weights_and_quoting():
    from search.backends.embedded import tsvector_literal

    literal = tsvector_literal({"title": ["党课", "it's"], "body": ["党课"]})
    # Streams are one position apart so no phrase spans two of them; quotes are doubled.
    assert literal == "'党课':1A,4C 'it''s':2A"
    many = tsvector_literal({"body": ["红色"] * 300})
    assert many.count(",") == 255  # PostgreSQL keeps at most 256 positions per lexeme
