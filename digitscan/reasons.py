"""Why a digit string is flagged for review, from the shape of its marks and what lies around
them on the page: the reasons that need no reader (the readers' own, `low-confidence` and
`readers-disagree`, and those of ink left out or too faint come from `pipeline`).

Each reason is a doubt a person settles at a glance and a reader cannot: a 1 that may be a
staple or a blurred box side, a 0 that may be a ring drawn round an option, a value that may be
crossed out or corrected. Flagging costs a look; accepting such a string costs a wrong value.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from digitscan import numbers
from digitscan.classify import Label
from digitscan.containers import (
    BRACKETS,
    CIRCLED,
    DITTO_MARKS,
    ON_BOX_SIDE,
    OVERSIZED,
    PARTED_BY_HEIGHT,
    RULED_COLUMNS,
    STRAY_STROKE,
    STRUCK_OUT,
    TWO_IN_ONE_MARK,
    WRITTEN_ABOVE,
)
from digitscan.segment import glyphs, lines, strings
from digitscan.segment.glyphs import Glyph


def shape_reasons(
    found: list[Glyph],
    labels: list[Label],
    members: list[list[int]],
    binary: np.ndarray,
    rules: lines.Rules,
    page_height: float,
    other_marks: Sequence[Glyph],
    narrow_pairs: Collection[int],
    faint: Sequence[bool],
) -> list[tuple[str, ...]]:
    """For each string (`members`: indices into the page's glyphs `found`, read as `labels`),
    its reasons for review in the order they are reported. `binary` is the page as read, its
    `rules` found; `page_height` its measured glyph height; `other_marks` the marks in no
    glyph (small ones, dots), which a ring may enclose; `narrow_pairs` the glyphs read as two
    digits out of a mark too narrow for them (`touching.parted_narrow`); `faint` the strings
    far paler than the page's others."""
    marks = [[found[i] for i in string] for string in members]
    columns, narrow_columns = strings.digit_columns(found, rules.sides)
    parted_strings = parted_by_height(marks, columns, faint)
    handwriting = numbers.handwriting_height(members, found, labels)
    dittos = numbers.ditto_marks(members, found, labels, handwriting)
    large = numbers.oversized(members, found, handwriting)
    every_mark = np.array([(m.x, m.y, m.width, m.height) for m in [*found, *other_marks]], int).reshape(-1, 4)
    corrected = {
        index
        for upper, lower, gap in strings.written_above(marks)
        if not lines.touches_rule(rules, *gap, 0)  # entries of two ruled lines
        for index in (upper, lower)
    }
    parted = set(narrow_pairs)
    out = []
    for index, (string, string_marks) in enumerate(zip(members, marks, strict=True)):
        # a mark alone is measured against the page's handwriting, others against their string's
        height = glyphs.median_height(string_marks) if len(string_marks) > 1 else page_height
        found_so = {
            RULED_COLUMNS: strings.across_rules(string_marks, narrow_columns),
            STRAY_STROKE: any(glyphs.stray_stroke(mark, height) for mark in string_marks),
            BRACKETS: strings.bracketed(string_marks),
            STRUCK_OUT: lines.struck_through(binary, rules, *glyphs.bounds(string_marks))
            or any(lines.digit_struck_out(mark.mask) for mark in string_marks),
            WRITTEN_ABOVE: index in corrected,
            DITTO_MARKS: dittos[index],
            OVERSIZED: large[index],
            CIRCLED: any(
                labels[i].digit == 0 and glyphs.encloses(found[i], every_mark, page_height) for i in string
            ),
            TWO_IN_ONE_MARK: bool(parted.intersection(string)),
            ON_BOX_SIDE: any(lines.on_thick_side(rules, (m.x, m.y, m.width, m.height)) for m in string_marks)
            or ruled_side_among(string_marks, [labels[i] for i in string]),
            PARTED_BY_HEIGHT: index in parted_strings,
        }
        out.append(tuple(reason for reason, holds in found_so.items() if holds))
    return out


def ruled_side_among(marks: Sequence[Glyph], labels: Sequence[Label]) -> bool:
    """Whether a string holds a 1 that is a ruler's line taller than its other marks
    (`glyphs.ruled_side`): a box's side left among its digits."""
    return len(marks) > 1 and any(
        label.digit == 1 and glyphs.ruled_side(mark, glyphs.median_height(m for m in marks if m is not mark))
        for mark, label in zip(marks, labels, strict=True)
    )


def parted_by_height(
    marks: Sequence[Sequence[Glyph]], columns: Sequence[lines.Rect], faint: Sequence[bool]
) -> set[int]:
    """The strings (indices into `marks`, each a string's marks) that end close beside another
    on their line, told apart only by their marks' heights (`strings.parted_by_height`). A
    `faint` string (the other side showing through) is of another pen: it parts none."""
    firsts = [min(m, key=lambda g: g.x) for m in marks]
    lasts = [max(m, key=lambda g: g.right) for m in marks]
    # only the ends within a string's widest gap of one another are asked: pages hold hundreds
    starts = np.array([g.x for g in firsts])
    heights = np.array([g.height for g in firsts])
    parted = set()
    for i, last in enumerate(lasts):
        gaps = starts - last.right
        near = (gaps >= -last.height) & (gaps <= strings.GAP * np.maximum(heights, last.height))
        for j in np.flatnonzero(near).tolist():
            if i != j and not (faint[i] or faint[j]) and strings.parted_by_height(last, firsts[j], columns):
                parted.update((i, j))
    return parted
