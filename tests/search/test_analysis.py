import pytest

from search.analysis import Analyzer, fold, pinyin_syllables, split_pinyin


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer(terms=["张明华"], synonyms={"主题党日": ["党员活动日"], "两学一做": ["学党章党规、学系列讲话，做合格党员"]})


def test_fold_traditional_fullwidth_and_case():
    assert fold("黨課 ＡＢＣ") == "党课 abc"
    assert len(fold("關向應紀念館")) == len("關向應紀念館")


def test_domain_terms_stay_whole_and_pairs_add_recall(analyzer):
    tokens = analyzer.tokens("三会一课是党支部的基本制度")
    assert "三会一课" in tokens
    assert {"三会", "会一", "一课"} <= set(tokens)
    assert "张明华" in analyzer.tokens("主讲人张明华同志")


def test_names_added_at_run_time_join_the_dictionary():
    analyzer = Analyzer()
    assert "向应街道" not in analyzer.words("位于向应街道")
    analyzer.add_terms(["向應街道"])
    assert "向应街道" in analyzer.words("位于向应街道")


def test_pinyin_syllables_and_splitting():
    assert pinyin_syllables("关向应") == ["guan", "xiang", "ying"]
    assert split_pinyin("guanxiangying") == ["guan", "xiang", "ying"]
    assert split_pinyin("leifeng") == ["lei", "feng"]
    assert split_pinyin("vr") is None


def test_plan_groups_alternatives_and_synonyms_both_ways(analyzer):
    plan = analyzer.plan("主题党日")
    [group] = plan.groups
    tokens = {alt.tokens for alt in group.alternatives if not alt.pinyin}
    assert ("主题党日",) in tokens and ("党员活动日",) in tokens
    back = analyzer.plan("党员活动日").groups[0]
    assert ("主题党日",) in {alt.tokens for alt in back.alternatives}


def test_plan_drops_punctuation_and_stop_words(analyzer):
    plan = analyzer.plan("学习雷锋精神，争做时代先锋！的")
    words = [g.word for g in plan.groups]
    assert "的" not in words and "，" not in "".join(words)
    assert words[:2] == ["学习", "雷锋精神"]


def test_pinyin_query_gets_a_phrase_alternative(analyzer):
    [group] = analyzer.plan("LeiFeng").groups
    assert any(alt.pinyin and alt.tokens == ("lei", "feng") for alt in group.alternatives)


def test_correct_homophone_to_known_term(analyzer):
    assert analyzer.correct("张明化讲党课") == "张明华讲党课"
    assert analyzer.correct("张明华讲党课") is None
    assert analyzer.correct("leifeng") is None


def test_abbreviation_expands_to_the_full_form(analyzer):
    [group] = analyzer.plan("两学一做").groups
    expanded = [alt.tokens for alt in group.alternatives if len(alt.tokens) > 3 and not alt.pinyin]
    assert any("合格" in tokens for tokens in expanded)


def test_full_form_alternatives_hold_only_indexable_tokens():
    analyzer = Analyzer(synonyms={"三会一课": ["支部党员大会、支部委员会会议、党小组会和党课"]})
    [group] = analyzer.plan("三会一课").groups
    tokens = {t for alternative in group.alternatives if not alternative.pinyin for t in alternative.tokens}
    assert {"支部党员大会", "党小组会", "党课"} <= tokens
    assert "和" not in tokens  # a stop word would only lengthen the posting lists
    assert not any("、" in t for t in tokens)  # pairs never cross punctuation


# --- issue 13: initials, thesaurus, questions -------------------------------------------------
from search.analysis import (  # noqa: E402
    INITIALS_NAME,
    INITIALS_OTHER,
    INITIALS_TITLE_PART,
    MODE_ALL,
    MODE_ANY,
    WEIGHTS,
    initials_variants,
)


def test_initials_tokens_by_kind(analyzer):
    tokens = analyzer.initials_tokens("关向应纪念馆", ["张明华"], analyzer.tokens("支部按时开好三会一课"))
    assert "gxyjng" in tokens and "gxy" in tokens  # the whole title and its words
    assert INITIALS_NAME + "zmh" in tokens  # a name
    assert INITIALS_OTHER + "shyk" in tokens  # a dictionary term of the body
    assert not any(len(t.lstrip("0123456789")) < 2 for t in tokens)
    several = analyzer.initials_tokens("学习雷锋精神", [])
    assert INITIALS_TITLE_PART + "xxlf" in several or "xxlfjs" in several


def test_initials_of_a_title_do_not_depend_on_what_was_analysed_before():
    # The runs of titles (a series, a topic) are remembered across titles; the tokens must stay
    # those a fresh analyzer gives, in the same order (雷锋精神 alone adds its whole initials).
    titles = ["精品党课展播第3讲：长海县与雷锋精神", "红色故事汇第4讲：雷锋精神", "雷锋精神", "长海县"]
    warm = Analyzer()
    for title in titles:
        warm.initials_tokens(title, ["长海县"])
    for title in titles:
        assert warm.initials_tokens(title, ["长海县"]) == Analyzer().initials_tokens(title, ["长海县"])
    assert "lfjs" in Analyzer().initials_tokens("雷锋精神", [])


def test_initials_follow_other_readings_of_polyphones():
    assert initials_variants("长津湖")[0] == "zjh"
    assert "cjh" in initials_variants("长津湖")


def test_initials_only_for_queries_in_latin_letters(analyzer):
    [latin] = analyzer.plan("gxy").groups
    assert any(a.initials for a in latin.alternatives)
    mixed = analyzer.plan("gxy 纪念馆").groups
    assert not any(a.initials for g in mixed for a in g.alternatives)


def test_initials_weigh_less_than_words():
    assert max(w for k, w in WEIGHTS.items() if k.startswith("initials")) < WEIGHTS["word"]
    assert WEIGHTS["thesaurus"] < WEIGHTS["editor"] < WEIGHTS["word"]


def test_thesaurus_expands_words_with_a_lower_weight(analyzer):
    [group] = analyzer.plan("两袖清风").groups
    synonyms = [a for a in group.alternatives if a.synonym]
    assert any(a.label == "廉洁" and a.source == "thesaurus" for a in synonyms)
    assert all(a.weight < 1 for a in synonyms)
    assert list(group.classes())[0] == "word"  # the typed word's forms first


def test_thesaurus_can_be_turned_off(settings):
    from search import thesaurus

    settings.SEARCH_THESAURUS = "none"
    thesaurus.reset()
    try:
        [group] = Analyzer().plan("两袖清风").groups
        assert not any(a.synonym for a in group.alternatives)
    finally:
        thesaurus.reset()


def test_question_words_and_filler_are_dropped(analyzer):
    plan = analyzer.plan("请问雷锋精神在新时代有什么意义呢")
    words = [g.word for g in plan.groups]
    assert "雷锋精神" in words and "意义" in words
    assert not {"请问", "什么", "有", "呢"} & set(words)
    assert plan.mode == MODE_ANY  # a question: ranked by coverage, not every word required


def test_short_queries_still_require_every_word(analyzer):
    assert analyzer.plan("组织生活 批评").mode == MODE_ALL
    assert analyzer.plan("支部 书记 走访").mode == MODE_ANY
    # A query that is only filler keeps its words rather than searching for nothing.
    assert [g.word for g in analyzer.plan("怎么办").groups] == ["怎么办"]
