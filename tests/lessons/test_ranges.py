import pytest

from lessons import ranges
from lessons.transcripts import Cue, TranscriptError, paragraphs, parse, plain_text


def test_merge_joins_overlaps_and_touching_ranges():
    assert ranges.merge([(0, 10), (5, 20), (20.2, 30)]) == [(0, 30)]


def test_merge_keeps_gaps_apart():
    assert ranges.merge([(0, 10), (50, 60)]) == [(0, 10), (50, 60)]


def test_seek_to_the_end_counts_only_what_was_played():
    # Played the first 10 s, then jumped to 590 s of a 600 s lesson and played to the end.
    merged = ranges.merge([(0, 10)], [(590, 600)])
    assert ranges.total(merged) == 20
    assert not ranges.is_complete(ranges.total(merged), 600)


def test_replaying_a_passage_adds_nothing():
    first = ranges.merge([(0, 60)])
    again = ranges.merge(first, [(10, 50)], [(0, 60)])
    assert ranges.total(again) == 60


def test_two_tabs_merge_into_their_union():
    tab_a = [(0, 40), (100, 120)]
    tab_b = [(30, 70), (115, 130)]
    assert ranges.merge(tab_a, tab_b) == [(0, 70), (100, 130)]
    assert ranges.total(ranges.merge(tab_a, tab_b)) == 100


def test_completion_at_ninety_percent():
    assert ranges.is_complete(90, 100)
    assert not ranges.is_complete(89.9, 100)
    assert not ranges.is_complete(50, None)
    assert not ranges.is_complete(50, 0)


def test_normalise_clips_and_rejects():
    assert ranges.normalise([[-5, 10], [90, 200], [30, 30]], limit=100) == [(0, 10), (90, 100)]
    with pytest.raises(ValueError):
        ranges.normalise([["a", 3]])
    with pytest.raises(ValueError):
        ranges.normalise([[1]])
    with pytest.raises(ValueError):
        ranges.normalise([[float("nan"), 3]])


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "00:00"), (63, "01:03"), (3725, "1:02:05"), (None, "00:00")]
)
def test_format_timestamp(seconds, text):
    assert ranges.format_timestamp(seconds) == text


def test_parse_timestamp():
    assert ranges.parse_timestamp("01:03") == 63
    assert ranges.parse_timestamp("1:02:05") == 3725
    for bad in ("1:75", "abc", "12", "1:2:3:4"):
        with pytest.raises(ValueError):
            ranges.parse_timestamp(bad)


def test_transcript_parse_joins_continuation_lines():
    cues = parse("[00:00] 同志们好。\n接着讲。\n\n[01:05] 第二段")
    assert cues == [Cue(0, "同志们好。接着讲。"), Cue(65, "第二段")]


def test_a_transcript_without_any_mark_is_plain_text():
    assert parse("没有时间标记\n\n第二段") == []
    assert paragraphs("没有时间标记\n\n第二段") == ["没有时间标记", "第二段"]
    assert paragraphs("[00:00] 有标记") == []
    assert plain_text("没有时间标记\n第二段") == "没有时间标记 第二段"


def test_transcript_errors_name_the_line():
    with pytest.raises(TranscriptError, match="第 1 行"):
        parse("开场白没有标记\n[00:10] 后面有")
    with pytest.raises(TranscriptError, match="第 2 行"):
        parse("[01:00] a\n[00:30] b")
    with pytest.raises(TranscriptError, match="第 1 行"):
        parse("[00:99] a")
