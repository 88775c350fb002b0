"""Transcripts with timestamps, written by editors as lines ``[mm:ss] text``.

A line without a timestamp continues the cue before it; blank lines are ignored.
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


def parse(text: str) -> list[Cue]:
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
    try:
        return " ".join(cue.text for cue in parse(text))
    except TranscriptError:
        return text or ""
