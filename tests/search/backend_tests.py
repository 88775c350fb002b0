"""One test mixin every search backend runs (embedded on SQLite, embedded on PostgreSQL,
Elasticsearch over HTTP). A backend class provides the `backend` fixture, skipping when the backend
cannot run here."""

import pytest
from django.contrib.auth.models import AnonymousUser

from search import services
from search.analysis import get_analyzer
from search.backends.base import SearchRequest
from search.registry import SearchDocument

from .corpus import corpus, harder_corpus


@pytest.fixture
def anonymous():
    return AnonymousUser()


class BackendTests:
    """Requires a `backend` fixture that configures DANGKE_SEARCH_BACKENDS for the test."""

    @pytest.fixture
    def indexed(self, backend):
        backend.rebuild(services.learn_names(corpus()))
        return backend

    def titles(self, query, user=None, **kwargs):
        results = services.search(query, user=user or AnonymousUser(), **kwargs)
        return [hit.title for hit in results.hits]

    def test_count_and_rebuild_replaces_everything(self, indexed):
        assert indexed.count() == 6
        indexed.rebuild(services.learn_names(corpus()[:2]))
        assert indexed.count() == 2
        assert "关向应纪念馆" not in self.titles("关向应纪念馆")

    def test_word_of_the_title(self, indexed):
        assert self.titles("三会一课")[0] == "三会一课的由来与实践"

    def test_term_only_in_the_body(self, indexed):
        assert self.titles("无限的为人民服务") == ["学习雷锋精神 争做时代先锋"]

    def test_two_character_word(self, indexed):
        titles = self.titles("雷锋")
        assert titles[0] == "学习雷锋精神 争做时代先锋"

    def test_title_match_ranks_above_body_match(self, indexed):
        # 关向应 is the title of the site and only spoken in lesson 1's transcript.
        assert self.titles("关向应")[0] == "关向应纪念馆"

    def test_traditional_characters_find_simplified(self, indexed):
        assert self.titles("關向應紀念館")[0] == "关向应纪念馆"

    def test_pinyin_finds_titles_and_names(self, indexed):
        assert self.titles("leifeng")[0] == "学习雷锋精神 争做时代先锋"
        assert self.titles("guanxiangying")[0] == "关向应纪念馆"

    def test_phrase_without_punctuation(self, indexed):
        assert self.titles("学习雷锋精神争做时代先锋")[0] == "学习雷锋精神 争做时代先锋"

    def test_homophone_typo_still_finds_and_offers_correction(self, indexed):
        results = services.search("关向英纪念馆", user=AnonymousUser())
        assert results.hits and results.hits[0].title == "关向应纪念馆"

    def test_did_you_mean_for_a_misspelt_query(self, indexed):
        results = services.search("关向英同志事迹", user=AnonymousUser())
        assert results.did_you_mean == "关向应同志事迹" and results.corrected
        assert results.hits[0].title == "关向应纪念馆"
        assert "<mark>关向应</mark>" in results.hits[0].snippet
        assert services.search("关向英同志事迹", user=AnonymousUser(), exact=True).did_you_mean is None

    def test_synonyms_go_both_ways(self, indexed):
        assert "基层治理中的网格党组织" in self.titles("主题党日")  # the body says 党员活动日
        assert "旅顺红色线路" in self.titles("党员活动日")  # the body says 主题党日

    def test_editor_added_synonym_applies_at_once(self, indexed):
        from search.models import Synonym

        assert self.titles("楼栋长") == []
        Synonym.objects.create(term="楼栋长", alternatives="网格党组织")
        assert self.titles("楼栋长") == ["基层治理中的网格党组织"]

    def test_transcript_hit_links_to_the_second(self, indexed):
        results = services.search("金州 共产党人", user=AnonymousUser(), types=["lesson"])
        hit = results.hits[0]
        assert hit.url == "/lessons/sanhui/#t=754"
        assert hit.transcript_start == 754
        assert "<mark>" in hit.snippet

    def test_snippet_is_escaped_and_highlighted(self, backend):
        backend.rebuild([SearchDocument("lesson", 9, "脚本测试", "/x/", summary="<script>alert(1)</script> 红色基因")])
        hit = services.search("红色基因", user=AnonymousUser()).hits[0]
        assert "<script>" not in hit.snippet
        assert "<mark>红色基因</mark>" in hit.snippet

    def test_members_only_documents_only_for_signed_in_users(self, indexed, make_user):
        assert "支部书记讲党课：初心与使命" not in self.titles("初心")
        assert "支部书记讲党课：初心与使命" in self.titles("初心", user=make_user("m1", role="党员"))
        assert "内部党课" not in services.suggest("内部", user=AnonymousUser())

    def test_types_filter(self, indexed):
        assert self.titles("关向应", types=["site"]) == ["关向应纪念馆"]

    def test_facets_count_and_filter(self, indexed, make_user):
        results = services.search("党课", user=make_user("m2", role="党员"))
        facets = {name: {o.value: o.count for o in options} for name, options in results.facets.items()}
        assert facets["type"]["lesson"] >= 2
        assert facets["series"]["精品党课展播"] == 1
        filtered = services.search("党课", user=make_user("m3", role="党员"), filters={"series": "精品党课展播"})
        assert [h.title for h in filtered.hits] == ["支部书记讲党课：初心与使命"]
        assert "year" in facets

    def test_pagination(self, backend):
        documents = [SearchDocument("lesson", i, f"红色故事第{i}讲", f"/l/{i}/") for i in range(1, 24)]
        backend.rebuild(documents)
        first = services.search("红色故事", user=AnonymousUser(), page=1)
        third = services.search("红色故事", user=AnonymousUser(), page=3)
        assert first.count == 23 and len(first.hits) == 10 and len(third.hits) == 3
        assert not {h.url for h in first.hits} & {h.url for h in third.hits}

    def test_delete_documents(self, indexed):
        indexed.delete_documents(["site:3"])
        assert self.titles("关向应纪念馆") != ["关向应纪念馆"]
        assert indexed.count() == 5

    def test_index_documents_replaces_same_key(self, indexed):
        indexed.index_documents([SearchDocument("site", 3, "关向应故居", "/sites/guju/")])
        assert indexed.count() == 6
        assert "关向应故居" in self.titles("关向应")
        assert "关向应纪念馆" not in self.titles("关向应")

    def test_relaxed_query_when_no_document_has_every_word(self, indexed):
        results = services.search("雷锋 万忠墓纪念馆", user=AnonymousUser())
        assert results.relaxed and results.count >= 2

    def test_nothing_found(self, indexed):
        results = services.search("量子计算", user=AnonymousUser())
        assert results.count == 0 and results.hits == []

    def test_suggest_by_prefix_and_pinyin(self, indexed):
        # One suggestion per document at most (Elasticsearch's completion semantics): the name or the title.
        assert {"关向应纪念馆", "关向应"} & set(services.suggest("关向", user=AnonymousUser()))
        assert "学习雷锋精神 争做时代先锋" in services.suggest("学习雷", user=AnonymousUser())
        assert "王建国" in services.suggest("wangjian", user=AnonymousUser())

    def test_backend_search_request_directly(self, indexed):
        plan = get_analyzer().plan("旅顺")
        results = indexed.search(SearchRequest(plan=plan, audiences=("public",)))
        assert results.total == 1 and results.hits[0].document.url == "/routes/lvshun/"
        assert results.hits[0].score > 0

    def test_health_check(self, indexed):
        ok, detail = indexed.check()
        assert ok and indexed.name in detail

    # --- harder queries (issue 13) ------------------------------------------------------------
    @pytest.fixture
    def harder(self, backend):
        backend.rebuild(services.learn_names(harder_corpus()))
        return backend

    def test_pinyin_initials_find_titles_names_and_terms(self, harder):
        assert self.titles("gxyjng")[0] == "关向应纪念馆"  # a site's name
        assert self.titles("wjg")[0] == "学习雷锋精神 争做时代先锋"  # 王建国, the speaker
        assert self.titles("shyk")[0] == "三会一课的由来与实践"  # a dictionary term in the title
        assert self.titles("xxlfjszzsdxf")[0] == "学习雷锋精神 争做时代先锋"  # the whole title

    def test_initials_are_not_used_for_chinese_queries(self, harder):
        # "gxy" is matched by initials only when the whole query is Latin letters: with 纪念馆 beside
        # it no document holds every word, and only the relaxed query finds something.
        assert services.search("gxy 纪念馆", user=AnonymousUser()).relaxed
        assert not services.search("gxy", user=AnonymousUser()).relaxed

    def test_thesaurus_finds_a_synonym_with_no_shared_character(self, harder):
        results = services.search("一尘不染", user=AnonymousUser())
        titles = [hit.title for hit in results.hits]
        assert titles[:2] and set(titles[:2]) == {"廉洁自律从小事做起", "两袖清风的老支书"}
        hit = next(h for h in results.hits if h.title == "廉洁自律从小事做起")
        assert [(m.word, m.synonym, m.source) for m in hit.synonym_matches] in (
            [("一尘不染", "廉洁", "thesaurus")], [("一尘不染", "廉洁自律", "thesaurus")])

    def test_typed_word_ranks_above_its_synonyms(self, harder):
        results = services.search("两袖清风", user=AnonymousUser())
        assert results.hits[0].title == "两袖清风的老支书"
        assert results.hits[0].synonym_matches == []
        assert "廉洁自律从小事做起" in [hit.title for hit in results.hits[1:]]

    def test_question_words_and_filler_need_not_match(self, harder):
        assert self.titles("请问雷锋精神在新时代还有什么意义呢")[0] == "雷锋日记里的螺丝钉"
        assert self.titles("有没有讲关向应纪念馆的党课")[0] == "关向应纪念馆"

    def test_question_ranks_by_how_many_words_a_document_covers(self, harder):
        # No document holds all four words; the one holding three comes first.
        titles = self.titles("青年怎样学习雷锋做螺丝钉精神")
        assert titles[0] == "雷锋日记里的螺丝钉"
        assert "学习雷锋精神 争做时代先锋" in titles[:3]

    def test_filters_typed_into_the_query(self, harder):
        results = services.search("2024年老党员讲的红色故事", user=AnonymousUser())
        assert {(f.name, f.value, f.text) for f in results.recognised_filters} == {
            ("year", "2024", "2024年"), ("speaker_role", "老党员、老模范", "老党员")}
        assert [hit.title for hit in results.hits] == ["两袖清风的老支书"]
        series = services.search("月讲悦听 雷锋", user=AnonymousUser())
        assert [(f.name, f.value) for f in series.recognised_filters] == [("series", "党课开讲啦·月讲悦听")]
        assert [hit.title for hit in series.hits] == ["雷锋日记里的螺丝钉"]

    def test_a_query_of_filters_only_lists_what_they_let_through(self, harder):
        results = services.search("精品党课展播 2024年", user=AnonymousUser())
        assert [hit.title for hit in results.hits] == ["两袖清风的老支书"]
        district = services.search("金州区", user=AnonymousUser())
        assert [hit.title for hit in district.hits] == ["关向应纪念馆"]

    def test_a_value_inside_a_longer_name_is_not_a_filter(self, harder):
        # 旅顺 would be the district 旅顺口区 on its own, but here it is part of a site's name.
        results = services.search("旅顺日俄监狱旧址", user=AnonymousUser())
        assert results.recognised_filters == []
        assert results.hits[0].title == "旅顺红色线路"
        assert [f.value for f in services.search("旅顺 红色线路", user=AnonymousUser()).recognised_filters] == ["旅顺口区"]

    def test_a_recognised_filter_that_lets_nothing_through_is_searched_as_a_word(self, harder):
        # 金州 is the district of the site (金州区) but the lesson only speaks of it.
        results = services.search("金州 共产党人", user=AnonymousUser(), types=["lesson"])
        assert [f.value for f in results.ignored_filters] == ["金州区"]
        assert results.hits[0].url == "/lessons/sanhui/#t=754"

    def test_facet_values_of_members_only_documents_are_not_recognised_for_visitors(self, backend, make_user):
        from search.registry import AUDIENCE_MEMBERS

        backend.rebuild([SearchDocument("lesson", 1, "内部学习材料", "/in/", facets={"series": ["支部内部课"]},
                                        audience=AUDIENCE_MEMBERS)])
        assert services.search("支部内部课 学习", user=AnonymousUser()).recognised_filters == []
        member = services.search("支部内部课 学习", user=make_user("m9", role="党员"))
        assert [f.value for f in member.recognised_filters] == ["支部内部课"]
