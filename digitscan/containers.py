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


# Why a string is flagged for review, in the order they are reported.
UNREAD_MARK = "unread-mark"  # a '?' in the text: a mark no reader could read as a digit
LOW_CONFIDENCE = "low-confidence"  # a digit's probability under --min-confidence
ORIENTATION_UNSURE = "orientation-unsure"  # the page read about as well upright as turned
# The page was thousands of dots (a field shaded by a printed screen), read once they were
# blurred away (`binarize.descreened`): the shading's edge may be read as 1s.
PRINTED_SCREEN = "printed-screen"
# The page's ink edges are smeared over 4.5 pixels or more at the working resolution (a shaken or
# unfocused camera, `binarize.edge_spread`): digits run into one another, boxes' sides into 1s.
BLURRED = "blurred"
INK_LEFT_OUT = "ink-left-out"  # digit-sized ink (pale too) beside or inside the string is in no string
FAINT_INK = "faint-ink"  # far lighter than the page's other strings: the other side showing through?
SHADE_EDGE = "shade-edge"  # a 1 with one side as dark as itself: the edge of a shadow or shaded area?
READERS_DISAGREE = "readers-disagree"  # the string reader read it otherwise, or the pair reader two in a 1
# The string runs across rules a digit's width apart: a ledger's column for each digit, or
# narrow columns each a field of its own (counts of one digit), which no rule tells apart.
RULED_COLUMNS = "ruled-columns"
STRAY_STROKE = "stray-stroke"  # a straight stroke far longer than the page's digits: a staple?
MINUS_SIGN = "minus-sign"  # a dash before the first digit: `text` holds no sign, `raw` does
CURRENCY_SIGN = "currency-sign"  # a `$` taken off the string's start: `text` holds no sign, `raw` does
BRACKETS = "brackets"  # its first or last mark bows like a bracket: `(450)` read as 14501?
STRUCK_OUT = "struck-out"  # a line runs through the middle of the string: crossed out?
WRITTEN_ABOVE = "written-above"  # a digit or two written small just over the string: a correction?
DITTO_MARKS = "ditto-marks"  # strokes far shorter than the page's handwriting read as 1s: " or ,,?
OVERSIZED = "oversized"  # far taller than the page's other handwriting: a stamp's ring read as a 0?
CIRCLED = "circled"  # a 0 drawn round other marks: an item circled, a stamp's ring?
TWO_IN_ONE_MARK = "two-in-one-mark"  # two digits read in a mark too narrow for them: a % sign?
# a mark stands where a box's side would, too thick for print (a side blurred?), or a 1 is a
# ruler's upright line taller than its string (a side the rules missed?)
ON_BOX_SIDE = "on-box-side"
# marks close beside it on its line, of another height, were read as a string of their own:
# one number read in two (a digit broken by a rule's erasing, its piece read apart)?
PARTED_BY_HEIGHT = "parted-by-height"
TWO_MARKS_IN_CELL = "two-marks-in-cell"  # a comb's cell holds more than one mark (templates)
# With templates, a failed field check is reported by its key: pattern, min_length, max_length,
# min, max, date, checksum, required (digitscan.validate).


@dataclass(frozen=True)
class DigitString:
    """A string of digits, or with a template a named field (`field`; its digits may be none).
    `flags` are reasons for review the pipeline found (the page's orientation unsure, ink left
    out, a field's failed checks); those that depend on --min-confidence come on top."""

    index: int
    box: Box
    digits: tuple[Digit, ...]
    flags: tuple[str, ...] = ()
    field: str | None = None
    raw: str | None = None  # as written, with its separators (1.000, 12-34); None: as `text`

    @property
    def text(self) -> str:
        return "".join(digit.label.text for digit in self.digits)

    @property
    def confidence(self) -> float:
        """The lowest probability of any digit read (an unreadable mark counts as its best
        digit's); 1 for an empty field: nothing read, nothing doubted."""
        return min(
            (
                (d.label.confidence if d.label.digit is not None else d.label.second_confidence)
                for d in self.digits
            ),
            default=1.0,
        )

    def review_reasons(self, min_confidence: float) -> tuple[str, ...]:
        """Every reason to show this string to a person; empty when it can be accepted."""
        reasons = []
        if "?" in self.text:
            reasons.append(UNREAD_MARK)
        if self.confidence < min_confidence:
            reasons.append(LOW_CONFIDENCE)
        return (*reasons, *self.flags)

    def needs_review(self, min_confidence: float) -> bool:
        return bool(self.review_reasons(min_confidence))


@dataclass(frozen=True)
class PageReading:
    source: str
    page: int
    width: int
    height: int
    skew: float
    strings: tuple[DigitString, ...]
    rotation: int = 0  # degrees clockwise the page was turned before reading: 0, 90, 180, 270
    template: str | None = None  # the template the page was registered to; its fields are `strings`
    dpi: float | None = None  # the page's resolution as loaded (a PDF's: what it was rendered at)


@dataclass(frozen=True)
class FileResult:
    """The pages of one file read so far, and the error that stopped it, if any."""

    source: str
    pages: tuple[PageReading, ...]
    error: str | None = None
    error_page: int | None = None


@dataclass(frozen=True)
class PagesRead:
    """Some pages of one file as read: those read, those refused (number, reason), and the
    error that stopped the file, if one did. A file is read in one part, or its pages shared
    among readers in several (`api.file_result` puts them together)."""

    pages: tuple[PageReading, ...]
    refused: tuple[tuple[int, str], ...] = ()
    error: str | None = None
    error_page: int | None = None
    page_count: int | None = None  # the file's pages, where a run of them was asked for
