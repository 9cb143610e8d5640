"""What the pipeline hands on: small frozen dataclasses, boxes in pixels of the page as loaded."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitscan.classify import Label


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, eq=False)
class Digit:
    """One mark of a string: where it is, what it reads as, and the 28x28 crop that was read."""

    box: Box
    label: Label
    crop: np.ndarray


@dataclass(frozen=True)
class DigitString:
    index: int
    box: Box
    digits: tuple[Digit, ...]

    @property
    def text(self) -> str:
        return "".join(digit.label.text for digit in self.digits)

    @property
    def confidence(self) -> float:
        """The lowest probability of any digit read (an unreadable mark counts as its best digit's)."""
        return min(
            (d.label.confidence if d.label.digit is not None else d.label.second_confidence)
            for d in self.digits
        )

    def needs_review(self, min_confidence: float) -> bool:
        return "?" in self.text or self.confidence < min_confidence


@dataclass(frozen=True)
class PageReading:
    source: str
    page: int
    width: int
    height: int
    skew: float
    strings: tuple[DigitString, ...]


@dataclass(frozen=True)
class FileResult:
    """The pages of one file read so far, and the error that stopped it, if any."""

    source: str
    pages: tuple[PageReading, ...]
    error: str | None = None
    error_page: int | None = None
