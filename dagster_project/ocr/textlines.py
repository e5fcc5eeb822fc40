"""Text as the field extraction reads it: lines of segments, where a segment is a run of words and a wide gap
(a table column, a label and its value far apart) starts a new segment. Both engines produce this shape: the
words Tesseract recognises and the characters of a PDF's text layer."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

GAP_FACTOR = 1.5  # a gap wider than 1.5 word heights separates segments (a word space is about a third)


@dataclass(frozen=True)
class Word:
    text: str
    left: float
    top: float
    right: float
    bottom: float
    confidence: float  # 0..1

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Segment:
    text: str
    left: float
    height: float  # tallest word: how prominent the text is on its page


@dataclass(frozen=True)
class TextLine:
    segments: tuple[Segment, ...]
    confidence: float
    page: int

    @property
    def text(self) -> str:
        return "\t".join(segment.text for segment in self.segments)


@dataclass
class PageText:
    """One page's lines and the confidence of every word on it (the document's confidence is their mean)."""

    number: int
    lines: list[TextLine] = field(default_factory=list)
    word_confidences: list[float] = field(default_factory=list)


def text_line(words: Sequence[Word], page: int) -> TextLine:
    """Words of one line, left to right, split into segments at wide gaps."""
    ordered = sorted(words, key=lambda word: word.left)
    gap = GAP_FACTOR * statistics.median(word.height for word in ordered)
    groups: list[list[Word]] = [[ordered[0]]]
    for word in ordered[1:]:
        if word.left - groups[-1][-1].right > gap:
            groups.append([])
        groups[-1].append(word)
    segments = tuple(
        Segment(" ".join(word.text for word in group), group[0].left, max(word.height for word in group))
        for group in groups
    )
    return TextLine(segments, statistics.fmean(word.confidence for word in ordered), page)


def rows(words: Iterable[Word]) -> list[list[Word]]:
    """Words grouped into lines by vertical overlap, top to bottom (for text without line structure)."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda word: (word.top, word.left)):
        middle = (word.top + word.bottom) / 2
        line = next((line for line in reversed(lines[-3:]) if line[0].top <= middle <= line[0].bottom), None)
        if line is None:
            lines.append([word])
        else:
            line.append(word)
    return lines

