"""Filters typed into the query text (issue 13), recognised against the index's facet values."""

from datetime import date

import pytest

from search.analysis import Analyzer
from search.query_filters import aliases, recognise

VOCABULARY = {
    "year": ["2023", "2024", "2026"],
    "series": ["党课开讲啦·月讲悦听", "精品党课展播"],
    "speaker_role": ["老党员和老模范", "基层党组织书记", "党员领导干部", "先进典型"],
    "district": ["旅顺口区", "金州区", "长海县"],
}


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer(terms=["旅顺日俄监狱旧址"])


def run(analyzer, query, **kwargs):
    words, found = recognise(query, VOCABULARY, words=lambda run: analyzer.words(run, for_search=False),
                             terms=analyzer.terms, **kwargs)
    return words, {(f.name, f.value, f.text) for f in found}


def test_aliases_of_facet_values():
    assert "老党员" in aliases("speaker_role", "老党员和老模范") or "老党员" in aliases("speaker_role", "老党员、老模范")
    assert "月讲悦听" in aliases("series", "党课开讲啦·月讲悦听")
    assert "精品党课" in aliases("series", "精品党课展播")
    assert {"金州", "旅顺"} <= set(aliases("district", "金州区")) | set(aliases("district", "旅顺口区"))
    assert "领导干部" in aliases("speaker_role", "党员领导干部")


def test_year_series_role_and_district_come_out_of_the_words(analyzer):
    words, found = run(analyzer, "2023年月讲悦听里领导干部讲的廉洁")
    assert found == {("year", "2023", "2023年"), ("series", "党课开讲啦·月讲悦听", "月讲悦听"),
                     ("speaker_role", "党员领导干部", "领导干部")}
    assert "廉洁" in words and "2023" not in words and "月讲悦听" not in words
    words, found = run(analyzer, "长海县 海洋牧场")
    assert found == {("district", "长海县", "长海县")} and words == "海洋牧场"


def test_a_year_the_index_does_not_hold_stays_a_word(analyzer):
    words, found = run(analyzer, "1921年 南湖红船")
    assert found == set() and "1921" in words


def test_chinese_numerals_and_relative_years(analyzer):
    assert run(analyzer, "二〇二四年 党史")[1] == {("year", "2024", "二〇二四年")}
    assert run(analyzer, "今年的党史课", today=date(2026, 5, 1))[1] == {("year", "2026", "今年")}


def test_values_inside_a_longer_name_are_left_alone(analyzer):
    assert run(analyzer, "旅顺日俄监狱旧址")[1] == set()
    assert run(analyzer, "旅顺 红色线路")[1] == {("district", "旅顺口区", "旅顺")}


def test_nothing_is_recognised_without_a_vocabulary(analyzer):
    words, found = recognise("2023年 老党员", {}, words=analyzer.words)
    assert found == [] and words == "2023年 老党员"
