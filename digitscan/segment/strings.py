"""Grouping labelled glyphs into digit strings, in reading order.

Glyphs chain into a run when they sit on one text line, are of similar height and the gap
between them is small for their size. A run made mostly of non-digits is printed text (a
field label, a heading) and is dropped; small marks that are not digits (dashes, dots) are
trimmed from a string's ends, and anything unreadable inside it stands as '?'.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from digitscan.classify import Label
from digitscan.segment.glyphs import Glyph, linked_groups
from digitscan.segment.lines import Rect

GAP = 1.6  # widest gap inside a string, in glyph heights (comb cells leave about 1)
CELL_GAP = 2.5  # ...across a box side between them: small digits in a comb's wide cells
SAME_LINE = 0.5  # centres at most this share of the taller glyph apart
HEIGHT_RATIO = 1.8  # glyphs of one string differ in height by less than this factor
TEXT_SHARE = 0.3  # runs of 3 or more with this share of non-digits (2 at least) are printed text
UNIFORM_SHARE = 0.9  # ...or runs of 5 or more with this share of marks of one height
WEAK_RUN = 0.5  # ...and so are runs whose typical mark reads as a digit with less than this probability
DIGIT_SIZED = 0.8  # an unreadable mark at least this tall (of the digits beside it) is kept as '?'
SMALL = 0.6  # strings shorter than this share of the page's digit height are print, not handwriting
BESIDE = 1.0  # ink this many digit heights or nearer a string's ends, on its line, is beside it
# ...and ink at least this share of the digits' height may be (part of) a digit: cheque writers
# write "1.000" with the zeros a third as tall as the 1 (ORAND-CAR-A); dots and commas are lower.
# At 0.5 the small zeros of ORAND's validation amounts went unflagged; at 0.35 no string of the
# generated check pages is flagged.
LEFT_OUT = 0.35


def between_cells(a: Glyph, b: Glyph, sides: Sequence[Rect]) -> bool:
    """Whether a box side stands between `a` and `b` along their whole height: they sit in
    neighbouring cells of one comb (or table row)."""
    top, bottom = min(a.y, b.y), max(a.bottom, b.bottom)
    return any(a.right <= x and x + w <= b.x and y <= top and y + h >= bottom for x, y, w, h in sides)


def chain(a: Glyph, b: Glyph, sides: Sequence[Rect]) -> bool:
    """Whether `b`, to the right of `a`, continues the same string."""
    tall, short = max(a.height, b.height), min(a.height, b.height)
    if tall > HEIGHT_RATIO * short:
        return False
    if abs(a.centre_y - b.centre_y) > SAME_LINE * tall:
        return False
    gap = b.x - a.right
    if gap < -0.5 * short:
        return False
    return gap <= GAP * tall or (gap <= CELL_GAP * tall and between_cells(a, b, sides))


def runs(glyphs: list[Glyph], sides: Sequence[Rect]) -> list[list[int]]:
    """Indices of glyphs linked left to right into runs (each glyph to its nearest successor)."""
    return linked_groups(
        glyphs, lambda a, b: chain(a, b, sides), lambda a: CELL_GAP * HEIGHT_RATIO * a.height, first=True
    )


def set_in_type(run: list[int], glyphs: list[Glyph]) -> bool:
    """Five or more marks nearly all of one height to the pixel: capitals or figures of one
    font are, handwritten digits never are."""
    if len(run) < 5:
        return False
    heights = np.array([glyphs[i].height for i in run])
    mode = np.bincount(heights).argmax()
    tolerance = max(1.0, 0.02 * mode)
    return bool(np.mean(np.abs(heights - mode) <= tolerance) >= UNIFORM_SHARE)


def type_lines(glyphs: list[Glyph], sides: Sequence[Rect] = ()) -> set[int]:
    """Glyphs in runs `set_in_type`, known to be print before anything is read: touching
    handwriting is not looked for among them."""
    return {i for run in runs(glyphs, sides) if set_in_type(run, glyphs) for i in run}


def looks_printed(run: list[int], glyphs: list[Glyph], labels: list[Label], is_digit: list[bool]) -> bool:
    """A line of print, not a handwritten number: many marks that are not digits, marks that
    read as digits only weakly (capital I, O and T pass for 1, 0 and 7 one by one, not as a
    run), or type's uniform height among letters: capitals of one font are the same height to
    the pixel, handwritten digits never are."""
    rejected = len(run) - sum(is_digit)
    if rejected >= 2 and rejected / len(run) >= TEXT_SHARE:
        return True
    if rejected and set_in_type(run, glyphs):  # printed numbers alone (a form's serial) stay digits
        return True
    readings = [
        labels[i].confidence if ok else labels[i].second_confidence
        for i, ok in zip(run, is_digit, strict=True)
    ]
    return float(np.median(readings)) < WEAK_RUN


def digit_part(run: list[int], glyphs: list[Glyph], labels: list[Label]) -> list[int]:
    """The run as a digit string: empty for printed text, ends trimmed of marks that are not digits.

    A mark that is not a digit stays (as '?') inside the string, and at its ends too when it is
    as tall as the digits: that is a digit that could not be read, not a dash or a speck.
    """
    is_digit = [labels[i].digit is not None for i in run]
    if not any(is_digit):
        return []
    if len(run) >= 3 and looks_printed(run, glyphs, labels, is_digit):
        return []
    digit_height = float(np.median([glyphs[i].height for i, ok in zip(run, is_digit, strict=True) if ok]))
    first = is_digit.index(True)
    last = len(is_digit) - 1 - is_digit[::-1].index(True)
    while first > 0 and glyphs[run[first - 1]].height >= DIGIT_SIZED * digit_height:
        first -= 1
    while last < len(run) - 1 and glyphs[run[last + 1]].height >= DIGIT_SIZED * digit_height:
        last += 1
    return run[first : last + 1]


def reading_order(strings: list[list[int]], glyphs: list[Glyph]) -> list[list[int]]:
    """Top to bottom by text line, then left to right."""

    def box(indices: list[int]) -> tuple[float, float, float]:
        top = min(glyphs[i].y for i in indices)
        bottom = max(glyphs[i].bottom for i in indices)
        return (top + bottom) / 2, bottom - top, min(glyphs[i].x for i in indices)

    placed = sorted(strings, key=lambda s: box(s)[0])
    lines: list[list[list[int]]] = []
    for string in placed:
        centre, height, _ = box(string)
        if lines:
            line_centre, line_height, _ = box([i for s in lines[-1] for i in s])
            if abs(centre - line_centre) < 0.5 * max(height, line_height):
                lines[-1].append(string)
                continue
        lines.append([string])
    return [string for line in lines for string in sorted(line, key=lambda s: box(s)[2])]


def group_strings(glyphs: list[Glyph], labels: list[Label], sides: Sequence[Rect] = ()) -> list[list[int]]:
    """Digit strings as lists of glyph indices, in reading order. `sides`: the boxes of the
    page's box sides (vertical rules), so the cells of one comb field form one string."""
    strings = [part for run in runs(glyphs, sides) if (part := digit_part(run, glyphs, labels))]
    if not strings:
        return []
    digit_heights = [glyphs[i].height for s in strings for i in s if labels[i].digit is not None]
    handwriting = float(np.median(digit_heights))
    strings = [s for s in strings if np.median([glyphs[i].height for i in s]) >= SMALL * handwriting]
    return reading_order(strings, glyphs)


def left_out_beside(
    glyphs: list[Glyph],
    labels: list[Label],
    strings: list[list[int]],
    sides: Sequence[Rect] = (),
    small: Sequence[Glyph] = (),
) -> list[bool]:
    """For each string: whether a mark of a third of a digit's height or more, inside or beside it on
    its line, ended up in no string (an unread mark standing apart, a run dropped for its size,
    a broken digit's pieces too `small` to be read), so the string may lack a digit. Print (runs
    judged printed text) does not count, nor do dots, commas and dashes (lower than that)."""
    members = {i for string in strings for i in string}
    printed: set[int] = set()
    for run in runs(glyphs, sides):
        is_digit = [labels[i].digit is not None for i in run]
        if len(run) >= 3 and looks_printed(run, glyphs, labels, is_digit):
            printed.update(run)
    loose = [g for i, g in enumerate(glyphs) if i not in members and i not in printed] + list(small)
    flags = []
    for string in strings:
        digit_height = float(np.median([glyphs[i].height for i in string]))
        top = min(glyphs[i].y for i in string)
        bottom = max(glyphs[i].bottom for i in string)
        left = min(glyphs[i].x for i in string) - BESIDE * digit_height
        right = max(glyphs[i].right for i in string) + BESIDE * digit_height
        flags.append(
            any(
                mark.height >= LEFT_OUT * digit_height
                and mark.right > left
                and mark.x < right
                and min(bottom, mark.bottom) - max(top, mark.y) >= 0.5 * mark.height
                for mark in loose
            )
        )
    return flags


def with_separators(digits: Sequence[Glyph], text: str, small: Sequence[Glyph]) -> str:
    """The string as written: `text` (one character per glyph of `digits`, left to right) with
    the punctuation between its digits put back. A mark too small to read lying between two of
    its digits on its line is a dot or a comma (low: a comma reaches below the digits) or a
    dash (flat, across the middle); anything else small is left to `left_out_beside`."""
    if not small or len(digits) < 2 or len(digits) != len(text):
        return text
    height = float(np.median([g.height for g in digits]))
    top, bottom = min(g.y for g in digits), max(g.bottom for g in digits)
    centres = [g.x + g.width / 2 for g in digits]
    marks: list[tuple[float, str]] = []
    for mark in small:
        middle, level = mark.x + mark.width / 2, mark.centre_y
        if not centres[0] < middle < centres[-1] or not top <= level <= bottom + 0.3 * height:
            continue
        if any(mark.x < g.right and g.x < mark.right for g in digits):
            continue  # in a gap between digits, not part of one (a broken stroke's piece)
        if (
            1.5 * mark.height <= mark.width < 0.9 * height
            and top + 0.25 * height < level < bottom - 0.2 * height
        ):
            marks.append((middle, "-"))
        elif level > bottom - 0.3 * height and mark.height < 0.35 * height:
            if mark.height > 1.3 * mark.width and mark.bottom > bottom + 0.05 * height:
                marks.append((middle, ","))
            elif 0.5 * mark.height <= mark.width <= 2 * mark.height:
                marks.append((middle, "."))
    if not marks:
        return text
    ordered = sorted([*zip(centres, text, strict=True), *marks])
    return "".join(char for _, char in ordered)


def string_region(binary: np.ndarray, members: list[Glyph]) -> tuple[np.ndarray, int, int]:
    """All the ink across a string's span (separators and unread pieces included), as a bool
    mask with its top-left corner: what the string reader reads."""
    top = max(0, min(g.y for g in members) - 2)
    bottom = min(binary.shape[0], max(g.bottom for g in members) + 2)
    left, right = min(g.x for g in members), max(g.right for g in members)
    return binary[top:bottom, left:right] > 0, left, top
