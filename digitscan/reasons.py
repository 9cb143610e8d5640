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
) -> list[tuple[str, ...]]:
    """For each string (`members`: indices into the page's glyphs `found`, read as `labels`),
    its reasons for review in the order they are reported. `binary` is the page as read, its
    `rules` found; `page_height` its measured glyph height; `other_marks` the marks in no
    glyph (small ones, dots), which a ring may enclose; `narrow_pairs` the glyphs read as two
    digits out of a mark too narrow for them (`touching.parted_narrow`)."""
    marks = [[found[i] for i in string] for string in members]
    _, narrow_columns = strings.digit_columns(found, rules.sides)
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
        height = float(np.median([m.height for m in string_marks])) if len(string_marks) > 1 else page_height
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
        }
        out.append(tuple(reason for reason, holds in found_so.items() if holds))
    return out


def ruled_side_among(marks: Sequence[Glyph], labels: Sequence[Label]) -> bool:
    """Whether a string holds a 1 that is a ruler's line taller than its other marks
    (`glyphs.ruled_side`): a box's side left among its digits."""
    return len(marks) > 1 and any(
        label.digit == 1
        and glyphs.ruled_side(mark, float(np.median([m.height for m in marks if m is not mark])))
        for mark, label in zip(marks, labels, strict=True)
    )
