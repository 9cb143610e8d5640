"""Which runs of glyphs are handwritten numbers, decided on the readers' labels.

Segmentation hands over runs (`segment.strings.runs`: glyphs chained along a text line) and
the readers' label of each glyph. A run made mostly of non-digits is printed text (a field
label, a heading) and is dropped; small marks that are not digits (dashes, dots) are trimmed
from a string's ends, and anything unreadable inside it stands as '?'. Ink of digit size that
ends up in no string flags the strings beside it (`left_out_beside`).
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Sequence

import cv2
import numpy as np

from digitscan.classify import Label
from digitscan.segment.glyphs import Glyph, drawn_in_outline, median_height
from digitscan.segment.strings import reading_order, set_in_type

TEXT_SHARE = 0.3  # runs of 3 or more with this share of non-digits (2 at least) are printed text
WEAK_RUN = 0.5  # ...and so are runs whose typical mark reads as a digit with less than this probability
# ...and so are BARCODE_BARS or more marks, each at most BAR_WIDTH of its height wide, set in
# type (`set_in_type`): a barcode's bars, each read as a 1 (30 of them, one string flagged for
# review on every page that carried one). Handwritten 1s never stand level to the pixel.
BARCODE_BARS, BAR_WIDTH = 8, 0.25
DIGIT_SIZED = 0.8  # an unreadable mark at least this tall (of the digits beside it) is kept as '?'
SMALL = 0.6  # strings shorter than this share of the page's digit height are print, not handwriting
BESIDE = 1.0  # ink this many digit heights or nearer a string's ends, on its line, is beside it
# ...and this many for a huge mark and one far taller than its digits (OVERSIZED_HEIGHT): the
# digit such a mark swallowed leaves a gap where it stood, a digit and its spacing wide, as a
# digit too faint for the threshold does (`pipeline.FAINT_BESIDE`)
TOWERING_BESIDE = 2.0
# ...and ink at least this share of the digits' height may be (part of) a digit: cheque writers
# write "1.000" with the zeros a third as tall as the 1 (ORAND-CAR-A); dots and commas are lower.
# At 0.5 the small zeros of ORAND's validation amounts went unflagged; at 0.35 no string of the
# generated check pages is flagged.
LEFT_OUT = 0.35
# Ink within this many digit heights of a line through a string (a fold, a long stroke) is the
# line's own: the ink of a digit it ran into lies farther out.
ACROSS_REACH = 0.1
# A run that reads as print may hold a handwritten number written against it (a unit or currency
# printed right after the field: "352 EUR"): its marks this much taller than the print's are it.
TALLER = 1.3
# Type stands on its line to the pixel: every bottom of a run of print lies this close (of its
# marks' height, a pixel at least) to their median; handwriting's never all do.
TYPE_LINE = 0.02


def barcode(run: list[int], glyphs: list[Glyph]) -> bool:
    """Whether a run is a barcode's bars: BARCODE_BARS or more, each at most BAR_WIDTH of its
    height wide, set in type."""
    return (
        len(run) >= BARCODE_BARS
        and all(glyphs[i].width <= BAR_WIDTH * glyphs[i].height for i in run)
        and set_in_type(run, glyphs)
    )


def looks_printed(run: list[int], glyphs: list[Glyph], labels: list[Label], is_digit: list[bool]) -> bool:
    """A line of print, not a handwritten number: many marks that are not digits, marks that
    read as digits only weakly (capital I, O and T pass for 1, 0 and 7 one by one, not as a
    run), or type's uniform height among letters: capitals of one font are the same height to
    the pixel, handwritten digits never are; or a barcode's bars."""
    if barcode(run, glyphs):
        return True
    rejected = len(run) - sum(is_digit) - len(cut_in_two(run, glyphs, is_digit))
    if rejected >= 2 and rejected / len(run) >= TEXT_SHARE and not unread_digits(run, glyphs, is_digit):
        return True
    if rejected and set_in_type(run, glyphs):  # printed numbers alone (a form's serial) stay digits
        return True
    readings = [
        labels[i].confidence if ok else labels[i].second_confidence
        for i, ok in zip(run, is_digit, strict=True)
    ]
    return float(statistics.median(readings)) < WEAK_RUN


def unread_digits(run: list[int], glyphs: list[Glyph], is_digit: list[bool]) -> bool:
    """Whether the marks of a run that read as no digit are rather handwritten digits the
    classifier does not know (slashed zeros, `222ØØ1`, were dropped with their number as a
    line of print): each at least DIGIT_SIZED of the height of the marks that read as digits,
    those digits a majority, and the run neither set in type nor standing on one line to the
    pixel as type does (`DATE` in capitals, two of them no digit, stays print). A line of
    print has small letters among the marks that read as no digit, or its figures and
    capitals are of one height on one line."""
    digits = [i for i, ok in zip(run, is_digit, strict=True) if ok]
    if 2 * len(digits) <= len(run):
        return False
    height = float(statistics.median(glyphs[i].height for i in digits))
    unread = [i for i, ok in zip(run, is_digit, strict=True) if not ok]
    bottoms = np.array([glyphs[i].bottom for i in run])
    on_one_line = np.abs(bottoms - np.median(bottoms)).max() <= max(1.0, TYPE_LINE * height)
    return (
        all(glyphs[i].height >= DIGIT_SIZED * height for i in unread)
        and not on_one_line
        and not set_in_type(run, glyphs)
    )


HALVES_GAP = 0.1  # of their height: the two halves of a digit cut upright stand this close at most


def cut_in_two(run: list[int], glyphs: list[Glyph], is_digit: list[bool]) -> list[int]:
    """Positions in `run` of marks that are, with the next, one digit cut upright in two (a 0
    cut by a scanner's light streak or a pen's skip reads as two marks that are no digit):
    neighbours that read as no digit, each as tall as the run's digits, side by side with next
    to no gap, no wider together than tall. Letters of print stand apart."""
    heights = [glyphs[i].height for i, ok in zip(run, is_digit, strict=True) if ok]
    if not heights:
        return []
    tall = DIGIT_SIZED * float(statistics.median(heights))
    out: list[int] = []
    for k in range(len(run) - 1):
        a, b = glyphs[run[k]], glyphs[run[k + 1]]
        if (out and out[-1] == k - 1) or is_digit[k] or is_digit[k + 1] or min(a.height, b.height) < tall:
            continue  # (a mark is half of one digit at most)
        top, bottom = min(a.y, b.y), max(a.bottom, b.bottom)
        if b.x - a.right <= HALVES_GAP * min(a.height, b.height) and b.right - a.x <= bottom - top:
            out.append(k)
    return out


def handwritten_block(run: list[int], glyphs: list[Glyph], is_digit: list[bool]) -> list[int]:
    """In a run that reads as print, the marks of a handwritten number written against the
    print (a unit or a currency printed right after the field, a label right before it): one
    block of consecutive marks, digits among them, all TALLER than the marks that read as no
    digit; the rest, two marks at least, of one height to the pixel as type is. Empty when
    there is none. (Handwriting is larger than a form's print; a number written smaller than
    the print beside it stays with it. The small zeros of a cheque's "172.000", run together
    in one stroke, read as no digit too, but are no line of type: they stay.)"""
    rejected = [glyphs[i].height for i, ok in zip(run, is_digit, strict=True) if not ok]
    if not rejected:
        return []
    tall = [glyphs[i].height >= TALLER * float(statistics.median(rejected)) for i in run]
    if not any(tall):
        return []
    first, last = tall.index(True), len(tall) - 1 - tall[::-1].index(True)
    if not all(tall[first : last + 1]) or not any(is_digit[first : last + 1]):
        return []
    rest = np.array([glyphs[i].height for i, high in zip(run, tall, strict=True) if not high])
    typeset = len(rest) >= 2 and np.abs(rest - np.median(rest)).max() <= max(1.0, 0.02 * np.median(rest))
    return run[first : last + 1] if typeset else []


def digit_part(run: list[int], glyphs: list[Glyph], labels: list[Label]) -> list[int]:
    """The run as a digit string: empty for printed text, ends trimmed of marks that are not digits.

    A mark that is not a digit stays (as '?') inside the string, and at its ends too when it is
    as tall as the digits: that is a digit that could not be read, not a dash or a speck. Of a
    run that reads as print, a handwritten number written against it (`handwritten_block`) is
    kept; the print beside it flags it (`left_out_beside`).
    """
    is_digit = [labels[i].digit is not None for i in run]
    if not any(is_digit):
        return []
    if len(run) >= 3 and looks_printed(run, glyphs, labels, is_digit):
        block = handwritten_block(run, glyphs, is_digit)
        return digit_part(block, glyphs, labels) if block else []
    digit_height = median_height(glyphs[i] for i, ok in zip(run, is_digit, strict=True) if ok)
    first = is_digit.index(True)
    last = len(is_digit) - 1 - is_digit[::-1].index(True)
    while first > 0 and glyphs[run[first - 1]].height >= DIGIT_SIZED * digit_height:
        first -= 1
    while last < len(run) - 1 and glyphs[run[last + 1]].height >= DIGIT_SIZED * digit_height:
        last += 1
    return run[first : last + 1]


def group_strings(
    glyphs: list[Glyph], labels: list[Label], runs: list[list[int]], one_field: bool = False
) -> list[list[int]]:
    """Digit strings as lists of glyph indices, in reading order, from the page's `runs`
    (`segment.strings.runs`). `one_field`: the image is a snippet of one field (a cheque
    amount), which holds a number by its nature: where no run of it reads as one (written in
    one stroke, or read badly digit by digit), its runs are strings all the same, for the
    string reader to read and a person to check, rather than nothing. And the strings a
    snippet holds are one: a gap in its number (`9524  0`) does not make it two fields, two
    rows of which the first alone would pass for the amount."""
    strings = [part for run in runs if (part := digit_part(run, glyphs, labels))]
    if not strings:
        return one_string([list(run) for run in runs], glyphs) if one_field else []
    handwriting = handwriting_height(strings, glyphs, labels)
    # Short for handwriting, unless a mark of it is of a digit's size: a digit written over the
    # pale marks of the other side's writing showing through, which chain with it.
    strings = [
        s
        for s in strings
        if statistics.median(heights := [glyphs[i].height for i in s]) >= SMALL * handwriting
        or max(heights) >= DIGIT_SIZED * handwriting
    ]
    return one_string(strings, glyphs) if one_field else reading_order(strings, glyphs)


def handwriting_height(strings: list[list[int]], glyphs: list[Glyph], labels: list[Label]) -> float:
    """The page's handwriting height: the median height of the digits of its `strings` (0 for
    none: a snippet's runs kept as its string though none reads as digits)."""
    heights = [glyphs[i].height for s in strings for i in s if labels[i].digit is not None]
    return float(statistics.median(heights)) if heights else 0.0


# Strings shorter than SMALL are print. Two or more short strokes under this share of the
# handwriting read as 1s, surely: ditto marks (" or ,, under an entry: the same as above), a
# tally, quotes. Over the generated form sets, the register pages, pages of a few numbers
# each written 55-90 pixels high and the cheque amounts, no string is flagged so; a lone 1
# is not (an order's quantity: on those pages, one 1 of 0.67 of the handwriting's height).
DITTO = 0.8


def ditto_marks(
    strings: list[list[int]], glyphs: list[Glyph], labels: list[Label], handwriting: float
) -> list[bool]:
    """For each string: whether it is two or more marks read as 1s, all of them shorter than
    DITTO of the page's `handwriting` (`handwriting_height`; a snippet's one string is its own
    handwriting)."""
    return [
        len(s) >= 2
        and all(labels[i].digit == 1 for i in s)
        and max(glyphs[i].height for i in s) < DITTO * handwriting
        for s in strings
    ]


# A string whose marks are this many times the page's handwriting high is no entry among the
# others: a rubber stamp's ring read as a 0 (a date stamp 3.5-4 times as tall as the page's
# digits, its ring read as two strings of `0`, accepted), a circled item, a drawing. From
# OUTLINED_HEIGHT, marks drawn in a line far thinner for their height than a pen's digits
# are (`glyphs.drawn_in_outline`: a ring twice the digits' height) are no entry either.
OVERSIZED_HEIGHT = 2.5
OUTLINED_HEIGHT = 1.5


def oversized(strings: list[list[int]], glyphs: list[Glyph], handwriting: float) -> list[bool]:
    """For each string: whether its marks are, by their median height, OVERSIZED_HEIGHT times
    the page's `handwriting` (`handwriting_height`) or more, or all OUTLINED_HEIGHT times and
    drawn in outline (a snippet's one string is its own handwriting)."""

    def large(s: list[int]) -> bool:
        heights = [glyphs[i].height for i in s]
        return float(statistics.median(heights)) >= OVERSIZED_HEIGHT * handwriting or (
            min(heights) >= OUTLINED_HEIGHT * handwriting and all(drawn_in_outline(glyphs[i].mask) for i in s)
        )

    return [bool(handwriting) and large(s) for s in strings]


def one_string(strings: list[list[int]], glyphs: list[Glyph]) -> list[list[int]]:
    """A snippet's strings (one line of one field) as one, left to right."""
    members = sorted({i for string in strings for i in string}, key=lambda i: glyphs[i].x)
    return [members] if members else []


FAINT_SHARE = 0.5  # of the page's typical strings' contrast: lighter strings are flagged...
FAINT_AMONG = 4  # ...on pages with this many strings at least, to compare with


def faint(contrasts: Sequence[float]) -> list[bool]:
    """For each string of a page, from its ink's contrast with the paper: whether it is far
    lighter than the page's typical string. On old registers the other side's entries show
    through the leaf, mirrored, a third as dark as the writing (some read as digits, surely);
    a pencil note on an inked page is as light. Neither is dropped: both are flagged."""
    if len(contrasts) < FAINT_AMONG:
        return [False] * len(contrasts)
    typical = float(np.median(contrasts))
    return [contrast < FAINT_SHARE * typical for contrast in contrasts]


# A digit whose ink is darker than the string's paper by less than this share of the other
# digits' (the median) is far lighter than they are: the other side's digit showing through
# beside the string, or a pencil mark, taken into it. Under `FAINT_SHARE` (whole strings): on
# samples/ and the seed-2 pages the lightest glyph of a string measured 0.58 of its others at
# the least (374 strings, 0.70 at the first percentile).
FAINT_DIGIT = 0.4


def faint_digit(paper: float, inks: Sequence[float]) -> bool:
    """From the grey level of a string's paper and of each of its digits' ink: whether one
    digit is far lighter than the others (FAINT_DIGIT). Show-through as dark as a quarter of the
    writing put a mirrored 1 into two numbers, each accepted (`27100624` as `271001624`)."""
    darkness = [paper - ink for ink in inks]
    return len(darkness) >= 2 and any(
        dark < FAINT_DIGIT * statistics.median(darkness[:i] + darkness[i + 1 :])
        for i, dark in enumerate(darkness)
    )


def left_out_beside(
    glyphs: list[Glyph],
    labels: list[Label],
    strings: list[list[int]],
    runs: list[list[int]],
    small: Sequence[Glyph] = (),
    typeset: Collection[int] = (),
    cut: Sequence[Glyph] = (),
    huge: Sequence[Glyph] = (),
) -> list[bool]:
    """For each string: whether a mark of a third of a digit's height or more, inside or beside it on
    its line, ended up in no string (an unread mark standing apart, a run dropped for its size,
    a broken digit's pieces too `small` to be read), so the string may lack a digit. Print (runs
    judged printed text, and the glyphs of lines of type known before reading, `typeset`) does
    not count, nor do dots, commas and dashes (lower than that). A mark the page's edge `cut`
    counts whatever its height: what is left of a digit there can be a stroke's end. A `huge`
    mark counts by its ink on the string's line: a fold or a long stroke across a number takes
    the digit it crosses with it (`93` was read `3`, accepted), out to TOWERING_BESIDE; so does
    a mark of any other string OVERSIZED_HEIGHT times as tall as the string's digits."""
    members = {i for string in strings for i in string}
    printed = set(typeset)
    heights = np.array([g.height for g in glyphs])
    for run in runs:
        is_digit = [labels[i].digit is not None for i in run]
        if (
            len(run) >= 3
            and looks_printed(run, glyphs, labels, is_digit)
            and not handwritten_block(run, glyphs, is_digit)
        ):
            printed.update(run)
    unread = [g for i, g in enumerate(glyphs) if i not in members and i not in printed] + list(small)
    loose = [(mark, LEFT_OUT) for mark in unread] + [(mark, 0.0) for mark in cut]
    flags = []
    for string in strings:
        digit_height = median_height(glyphs[i] for i in string)
        top = min(glyphs[i].y for i in string)
        bottom = max(glyphs[i].bottom for i in string)
        start = min(glyphs[i].x for i in string)
        end = max(glyphs[i].right for i in string)
        left, right = start - BESIDE * digit_height, end + BESIDE * digit_height
        # A huge mark, and one far taller than the string's digits, counts by its ink on the
        # string's line out to TOWERING_BESIDE: a stain's dark rim took the pale digit it ran
        # into with it, and `78` and `7300` were read, both accepted, for 7847300; a crease
        # across the page took the last three digits of `7847 300`, written with a gap, and
        # `7847` was accepted.
        far_left, far_right = start - TOWERING_BESIDE * digit_height, end + TOWERING_BESIDE * digit_height
        towering = [  # the string's own marks not among them: the 1 of `1.000` over its small zeros
            glyphs[k]
            for k in np.flatnonzero(heights >= OVERSIZED_HEIGHT * digit_height)
            if k not in printed and k not in string
        ]
        flags.append(
            any(
                mark.height >= least * digit_height
                and mark.right > left
                and mark.x < right
                and min(bottom, mark.bottom) - max(top, mark.y) >= 0.5 * mark.height
                for mark, least in loose
            )
            or any(
                ink_across(mark, far_left, top, far_right, bottom, digit_height) >= LEFT_OUT * digit_height
                for mark in [*huge, *towering]
            )
        )
    return flags


def ink_across(mark: Glyph, left: float, top: int, right: float, bottom: int, digit_height: float) -> int:
    """How many rows a huge mark's ink spans within a string's box (`left`-`right`,
    `top`-`bottom`) that is no part of a line running through it: a line that crosses the box
    is fitted to the mark's ink in a digit's height above and below the box, and only ink
    farther than ACROSS_REACH digit heights from it counts. A fold that passes between two
    digits leaves them read whole; one that runs into a digit takes it with it."""
    reach, x0, x1 = round(digit_height), int(left), int(np.ceil(right))
    ys, xs = ink_within(mark, x0, top, x1, bottom)
    if ys.size == 0:
        return 0
    above = ink_within(mark, x0 - reach, top - reach, x1 + reach, top)
    below = ink_within(mark, x0 - reach, bottom, x1 + reach, bottom + reach)
    if above[0].size == 0 or below[0].size == 0:  # not a line through the string
        return int(ys.max() - ys.min() + 1)
    points = np.column_stack([np.concatenate([above[1], below[1]]), np.concatenate([above[0], below[0]])])
    vx, vy, cx, cy = cv2.fitLine(points.astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel()
    off = np.abs((xs - cx) * vy - (ys - cy) * vx) > ACROSS_REACH * digit_height
    return int(ys[off].max() - ys[off].min() + 1) if off.any() else 0


def ink_within(mark: Glyph, left: int, top: int, right: int, bottom: int) -> tuple[np.ndarray, np.ndarray]:
    """The page rows and columns of the mark's ink within the box."""
    x0, x1, y0, y1 = max(left, mark.x), min(right, mark.right), max(top, mark.y), min(bottom, mark.bottom)
    if x1 <= x0 or y1 <= y0:
        return np.empty(0, int), np.empty(0, int)
    ys, xs = np.nonzero(mark.mask[y0 - mark.y : y1 - mark.y, x0 - mark.x : x1 - mark.x])
    return ys + y0, xs + x0
