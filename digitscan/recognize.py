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

from digitscan.training.lines import BLANK

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
