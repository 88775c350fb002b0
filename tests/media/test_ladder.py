"""Ladder choice (unit): never above the source, by the short side, even sizes."""

import pytest

from media.probe import ProbeResult
from media.transcode import (
    STORYBOARD_INTERVAL,
    Rung,
    TranscodePlan,
    choose_ladder,
    mp4_rung,
    write_storyboard_vtt,
)

LADDER = [(1080, 4500), (720, 2500), (480, 1000), (360, 600)]


def sizes(width, height):
    return [(rung.width, rung.height) for rung in choose_ladder(width, height, LADDER)]


def test_landscape_full_hd_gets_every_rung():
    assert sizes(1920, 1080) == [(1920, 1080), (1280, 720), (854, 480), (640, 360)]


def test_portrait_goes_by_the_short_side():
    assert sizes(1080, 1920) == [(1080, 1920), (720, 1280), (480, 854), (360, 640)]


def test_4k_stops_at_1080p():
    assert sizes(3840, 2160)[0] == (1920, 1080)
    assert len(sizes(3840, 2160)) == 4


def test_odd_sized_source_never_goes_above_itself_and_sizes_are_even():
    result = sizes(1279, 719)
    assert result == [(854, 480), (640, 360)]
    assert all(w % 2 == 0 and h % 2 == 0 for w, h in result)


def test_a_source_smaller_than_the_lowest_rung_gets_one_rung_at_its_own_even_size():
    assert sizes(321, 181) == [(320, 180)]
    rung = choose_ladder(321, 181, LADDER)[0]
    assert rung.maxrate_kbps == 600


def test_a_source_between_rungs_keeps_the_rungs_below_it():
    assert sizes(1600, 900) == [(1280, 720), (854, 480), (640, 360)]


def test_the_progressive_mp4_uses_the_largest_rung_up_to_720p():
    rungs = choose_ladder(1920, 1080, LADDER)
    assert (mp4_rung(rungs).width, mp4_rung(rungs).height) == (1280, 720)
    small = choose_ladder(640, 360, LADDER)
    assert mp4_rung(small).height == 360


def test_storyboard_cues_cover_the_duration_every_ten_seconds(tmp_path):
    probe = ProbeResult(kind="video", format_name="mov", duration=25.5, size=1, width=320, height=180)
    plan = TranscodePlan(source=tmp_path / "x.mp4", output_dir=tmp_path, probe=probe,
                         rungs=[Rung("v180", 320, 180, 400)], thumb_count=3)
    write_storyboard_vtt(plan)
    text = (tmp_path / "storyboard.vtt").read_text()
    assert text.startswith("WEBVTT")
    assert "00:00:00.000 --> 00:00:10.000\nstoryboard.jpg#xywh=0,0,160,90" in text
    assert "00:00:10.000 --> 00:00:20.000\nstoryboard.jpg#xywh=160,0,160,90" in text
    assert "00:00:20.000 --> 00:00:25.500\nstoryboard.jpg#xywh=320,0,160,90" in text
    assert STORYBOARD_INTERVAL == 10


@pytest.mark.parametrize("width,height", [(2, 2), (100, 4000)])
def test_degenerate_sizes_still_give_a_valid_rung(width, height):
    (rung,) = choose_ladder(width, height, LADDER)
    assert rung.width >= 2 and rung.height >= 2 and rung.width % 2 == 0 and rung.height % 2 == 0


def test_rounding_never_makes_a_rung_larger_than_the_source():
    assert sizes(1283, 720)[0] == (1282, 720)
