"""Recognition across readers: the string reader's CTC decoding, and its competition with the
per-digit reading of the same string.

Segmentation proposes the strings (glyphs grouped on a line); the per-digit reading (digit
classifier, cuts, pair reader) is one answer, the string reader's reading of the string's
whole image another. They agree on most strings. Where they differ, the answer whose digits
are the more probable (the mean log-probability of its digits) stands, and the string is
flagged `readers-disagree` either way: two readers of different kinds that agree are the
strongest evidence a field is right; when they do not, a person looks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitscan.normalize import LinePlacement
from digitscan.segment.glyphs import Glyph

BLANK = 10  # the string reader's CTC blank class (training.lines); 0-9 are digits

LINE_STEP = 4  # field columns per time step of the string reader


@dataclass(frozen=True)
class LineReading:
    """The string reader's digits, each with its probability (the peak of its run of time
    steps) and the field columns its run spans."""

    text: str
    probabilities: tuple[float, ...]
    spans: tuple[tuple[int, int], ...]

    @property
    def score(self) -> float:
        """Mean log-probability of its digits (-inf when it read nothing)."""
        if not self.probabilities:
            return float("-inf")
        return float(np.mean(np.log(np.maximum(self.probabilities, 1e-6))))


def greedy_decode(steps: np.ndarray) -> LineReading:
    """Best path: the likeliest class at each time step, repeats merged, blanks dropped."""
    best = steps.argmax(axis=1)
    digits, probabilities, spans = [], [], []
    start = 0
    for step in range(1, len(best) + 1):
        if step == len(best) or best[step] != best[start]:
            if best[start] != BLANK:
                digits.append(str(int(best[start])))
                probabilities.append(float(steps[start:step, best[start]].max()))
                spans.append((start * LINE_STEP, step * LINE_STEP))
            start = step
    return LineReading("".join(digits), tuple(probabilities), tuple(spans))


def read_with_seconds(steps: np.ndarray) -> tuple[LineReading, tuple[tuple[int, float], ...]]:
    """`greedy_decode`, and for each digit the likeliest other digit at its peak step."""
    reading = greedy_decode(steps)
    seconds = []
    for start, end in reading.spans:
        block = steps[start // LINE_STEP : end // LINE_STEP, :BLANK]
        peak = block[block.max(axis=1).argmax()]
        order = np.argsort(peak)[::-1]
        seconds.append((int(order[1]), float(peak[order[1]])))
    return reading, tuple(seconds)


def digits_score(confidences: list[float]) -> float:
    """Mean log-probability of a reading's digits: the per-digit reading's, to set beside a
    LineReading's `score`."""
    if not confidences:
        return float("-inf")
    return float(np.mean(np.log(np.maximum(confidences, 1e-6))))


@dataclass(frozen=True)
class Verdict:
    """Which reading of a string stands, and whether the two readers disagreed."""

    use_line: bool
    disagree: bool


def decide(digit_text: str, digit_confidences: list[float], line: LineReading) -> Verdict:
    """The per-digit reading stands where the readers agree or the string reader's digits are
    no more probable than the per-digit reading's; either way a disagreement is reported."""
    if line.text == digit_text:
        return Verdict(False, False)
    return Verdict(bool(line.text) and line.score > digits_score(digit_confidences), True)


def digit_glyphs(
    reading: LineReading, placement: LinePlacement, mask: np.ndarray, left: int, top: int
) -> list[Glyph]:
    """Each digit the string reader read, as a glyph of the ink under its span (its box on
    the page and its crop), from the CTC alignment."""
    out = []
    for start, end in reading.spans:
        first = int(np.clip(np.floor(placement.mask_column(start)), 0, mask.shape[1] - 1))
        last = int(np.clip(np.ceil(placement.mask_column(end)), first + 1, mask.shape[1]))
        piece = mask[:, first:last]
        rows = np.flatnonzero(piece.any(axis=1))
        if len(rows) == 0:
            rows = np.arange(mask.shape[0])
        piece = piece[rows[0] : rows[-1] + 1]
        out.append(Glyph(left + first, top + int(rows[0]), last - first, len(piece), piece))
    return out
