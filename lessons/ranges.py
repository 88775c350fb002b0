"""Played-time arithmetic: the distinct seconds a member actually played, kept as merged ranges.

A range is ``[start, end]`` in seconds with ``start < end``. Seeking creates no range; replaying a
passage adds nothing new; two tabs' ranges merge into their union.
"""

from __future__ import annotations

from collections.abc import Iterable

Range = tuple[float, float]

# Gaps this small (rounding between heartbeats, keyframe snapping) join neighbouring ranges.
JOIN_TOLERANCE = 0.5


def normalise(ranges: Iterable, *, limit: float | None = None) -> list[Range]:
    """Clean untrusted ranges: numbers only, clipped to [0, limit], empty ones dropped."""
    cleaned: list[Range] = []
    for item in ranges:
        try:
            start, end = float(item[0]), float(item[1])
        except (TypeError, ValueError, IndexError, KeyError):
            raise ValueError("播放区间格式不正确") from None
        if start != start or end != end:  # NaN
            raise ValueError("播放区间格式不正确")
        start = max(start, 0.0)
        if limit is not None:
            end = min(end, limit)
        if end > start:
            cleaned.append((start, end))
    return cleaned


def merge(*range_lists: Iterable[Range]) -> list[Range]:
    """The union of all ranges, sorted, overlapping or touching ranges joined."""
    items = sorted((float(s), float(e)) for ranges in range_lists for s, e in ranges if e > s)
    merged: list[list[float]] = []
    for start, end in items:
        if merged and start <= merged[-1][1] + JOIN_TOLERANCE:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(round(s, 3), round(e, 3)) for s, e in merged]


def subtract(ranges: Iterable[Range], taken: Iterable[Range]) -> list[Range]:
    """The parts of ``ranges`` not covered by ``taken``: what a heartbeat adds that is new."""
    cover = merge(taken)
    out: list[Range] = []
    for start, end in merge(ranges):
        for c_start, c_end in cover:
            if c_end <= start or c_start >= end:
                continue
            if c_start > start:
                out.append((start, c_start))
            start = max(start, c_end)
            if start >= end:
                break
        if end > start:
            out.append((start, end))
    return [(round(s, 3), round(e, 3)) for s, e in out if round(e, 3) > round(s, 3)]


def take(ranges: Iterable[Range], budget: float) -> list[Range]:
    """The ranges in order, up to ``budget`` seconds in all (the last one cut short)."""
    out: list[Range] = []
    left = max(0.0, budget)
    for start, end in sorted(ranges):
        if left <= 0:
            break
        end = min(end, start + left)
        out.append((start, round(end, 3)))
        left -= end - start
    return [r for r in out if r[1] > r[0]]


def total(ranges: Iterable[Range]) -> float:
    return round(sum(end - start for start, end in ranges), 3)


def is_complete(played: float, duration: float | None, *, threshold: float = 0.9) -> bool:
    return bool(duration) and duration > 0 and played >= threshold * duration


def format_timestamp(seconds: float | int | None) -> str:
    """63 -> "01:03", 3725 -> "1:02:05"."""
    seconds = int(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def parse_timestamp(text: str) -> int:
    """ "01:03" -> 63, "1:02:05" -> 3725; ValueError otherwise."""
    parts = text.strip().split(":")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"时间格式应为 分:秒 或 时:分:秒：{text}")
    numbers = [int(p) for p in parts]
    if any(n >= 60 for n in numbers[1:]):
        raise ValueError(f"分、秒应小于 60：{text}")
    seconds = 0
    for number in numbers:
        seconds = seconds * 60 + number
    return seconds
