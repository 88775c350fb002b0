"""Transcripts, timed or plain.

A timed transcript is written as lines ``[mm:ss] text``: a line without a timestamp continues the
cue before it, blank lines are ignored, and each cue becomes a seek link. A transcript with no
timestamp at all is plain text (most archives hold these): searchable and shown as paragraphs,
without seek links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .ranges import parse_timestamp

CUE_LINE = re.compile(r"^\s*\[(?P<time>[0-9:]+)\]\s*(?P<text>.*)$")


@dataclass(frozen=True)
class Cue:
    start: int  # seconds
    text: str


class TranscriptError(ValueError):
    def __init__(self, line_number: int, message: str):
        self.line_number = line_number
        super().__init__(f"第 {line_number} 行：{message}")


def is_timed(text: str) -> bool:
    return any(CUE_LINE.match(line) for line in (text or "").splitlines())


def paragraphs(text: str) -> list[str]:
    """A plain transcript's paragraphs (its non-blank lines); none for a timed one."""
    if is_timed(text):
        return []
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse(text: str) -> list[Cue]:
    """A timed transcript's cues; none for a plain one. TranscriptError when the marks are wrong."""
    if not is_timed(text):
        return []
    cues: list[Cue] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = CUE_LINE.match(line)
        if match is None:
            if not cues:
                raise TranscriptError(number, "第一段文字前需要时间标记，例如 [00:00]")
            previous = cues.pop()
            cues.append(Cue(previous.start, f"{previous.text}{line.strip()}"))
            continue
        try:
            start = parse_timestamp(match["time"])
        except ValueError as exc:
            raise TranscriptError(number, str(exc)) from None
        if cues and start < cues[-1].start:
            raise TranscriptError(number, "时间标记应按先后顺序排列")
        cues.append(Cue(start, match["text"].strip()))
    return cues


def plain_text(text: str) -> str:
    """The words of a transcript without its marks, for search."""
    try:
        cues = parse(text)
    except TranscriptError:
        return text or ""
    return " ".join(cue.text for cue in cues) if cues else " ".join(paragraphs(text))
