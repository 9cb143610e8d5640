"""Runs of glyphs that may be strings: glyphs on one text line, of similar height, close for
their size, in reading order. Geometry only: which runs are handwritten numbers, and where
their ends lie, is decided on the readers' labels (`digitscan.numbers`).
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Sequence

import cv2
import numpy as np

from digitscan.segment.components import has_loop, pieces_at_least
from digitscan.segment.glyphs import Glyph, bounds, linked_groups, median_height
from digitscan.segment.lines import VERTICAL_RULE, Rect

GAP = 1.6  # widest gap inside a string, in glyph heights (comb cells leave about 1)
CELL_GAP = 2.5  # ...across a box side between them: small digits in a comb's wide cells
# A box side VERTICAL_RULE glyph heights long (a side that long needs no rules at its ends) is
# a table's column rule, no comb's cell wall: what stands either side of it is two fields,
# however close (a register's quantity and amount).
# But rules as close as NARROW_COLUMN glyph heights on either side (and farther apart than
# DOUBLE_RULE: one rule printed double) make a column for one digit, no field's border: a
# ledger's digit columns, squared paper. A number is written across them. (Not where a
# column holds two glyphs side by side: a day's and a month's columns can be as narrow.)
# Digit columns half as wide again as the digits are high were each read as a number of one
# digit, accepted; narrow columns of one-digit counts read as one number are flagged
# (`ruled-columns`): the wrong reading that is possible either way is the flagged one.
NARROW_COLUMN = 1.6
DOUBLE_RULE = 0.3
SAME_LINE = 0.5  # centres at most this share of the taller glyph apart
# A number written up or down a slope (a form held askew as it was filled in) climbs by a third
# of its digits' height a digit from 18 degrees: `same_line` parted it, each part read on its
# own and accepted (`72242918` read as 42918, 2 and 72). Its parts are joined again where the
# middles of all their glyphs lie within SLOPE_FIT of their height of one straight line that
# climbs at most STEEPEST, each glyph climbing at least CLIMB of the line's rise from the one
# before (two numbers side by side, the second written lower, make a step, not a slope: `12`
# and `345` half a digit lower lie within SLOPE_FIT of one line).
SLOPE_FIT = 0.2
STEEPEST = 0.7  # 35 degrees
CLIMB = 0.3
# The string reader learnt strings as steep as real cheque amounts come (some climb up to 11
# degrees; levelled from 6, they read worse): one climbing more than LEVEL_SLOPE (14 degrees)
# is levelled for it (`levelled`), where it read most strings otherwise than the digits.
LEVEL_SLOPE = 0.25
HEIGHT_RATIO = 1.8  # glyphs of one string differ in height by less than this factor...
# ...except a glyph on the baseline of the one before it, down to WRITTEN_SMALL of its height
# and at most GAP of its own height away: cheque writers write the zeros of "9 000" a third as
# tall as the 9 (ORAND-CAR-A)
BASELINE = 0.25  # of the taller glyph: bottoms this close share a baseline
UNIFORM_SHARE = 0.9  # runs of 5 or more with this share of marks of one height are set in type
# ...or of two heights on one line, each within LEVEL of its own, the lower this share of the
# higher (a font's small letters are 0.45-0.8 of its capitals): digits standing on a rule, all
# of about one height, are not.
SMALL_LETTERS = (0.4, 0.8)
LEVEL = 0.05
# Punctuation between digits (`with_separators`): a mark whose middle lies in a digit's box
# farther than EDGE of its width from its sides is a piece of that digit (a dot may touch the box
# of a slanted digit beside it); a dash is at least DASH of the digits' height long (shorter
# flat marks are the specks of a cheque's printed pattern) and three times as long as it is thick.
EDGE = 0.15
DASH = 0.3
SLASH_HEIGHT = 0.6  # a slash is at least this share of the digits' height...
SLASH_THIN = 0.25  # ...its ink at most this thick for its length...
SLASH_LEAN = 0.3  # ...and leaning right at least this much (17 degrees)
# What the string reader is handed (`string_region`): the string's span reaches over marks
# beside it from WRITTEN_SMALL of its digits' height, unless FLAT times as wide as high with no
# loop (a closing dash; two small zeros joined are 2, and four written in one stroke enclose
# paper); pieces under SPECK of that height both ways are specks, left out.
WRITTEN_SMALL = 0.25
FLAT = 2.5
SPECK = 0.2


def between_cells(a: Glyph, b: Glyph, sides: Sequence[Rect]) -> bool:
    """Whether a comb's cell wall (a box side shorter than a column rule) stands between `a`
    and `b` along their whole height: they sit in neighbouring cells of one comb."""
    top, bottom = min(a.y, b.y), max(a.bottom, b.bottom)
    longest = VERTICAL_RULE * max(a.height, b.height)
    return any(
        a.right <= x and x + w <= b.x and y <= top and y + h >= bottom and h <= longest
        for x, y, w, h in sides
    )


def column_rules(
    sides: Sequence[Rect], shortest: float, typical: float, glyphs: Sequence[Glyph] = ()
) -> list[Rect]:
    """The `sides` that are a table's column rules, parting its fields: VERTICAL_RULE times
    `shortest` long, and not between two others NARROW_COLUMN times `typical` (a glyph
    height) away or nearer beside them, unless either column holds two of `glyphs` side by
    side (narrow columns of a day and a month are two fields)."""
    long = [side for side in sides if side[3] > VERTICAL_RULE * shortest]

    def digit_column(rule: Rect, direction: int) -> bool:
        x, y, w, h = rule
        beside = [
            other
            for other in long
            if DOUBLE_RULE * typical <= direction * (x - other[0]) <= NARROW_COLUMN * typical
            and other[1] < y + h
            and other[1] + other[3] > y
        ]
        if not beside:
            return False
        other = min(beside, key=lambda o: abs(x - o[0]))
        left, right = min(x, other[0]), max(x + w, other[0] + other[2])
        inside = [g for g in glyphs if left <= g.x and g.right <= right]
        return not any(a.x < b.x and same_line(a, b) for a in inside for b in inside)

    return [rule for rule in long if not (digit_column(rule, 1) and digit_column(rule, -1))]


def same_line(a: Glyph, b: Glyph) -> bool:
    return abs(a.centre_y - b.centre_y) <= SAME_LINE * max(a.height, b.height)


def across_column(a: Glyph, b: Glyph, sides: Sequence[Rect]) -> bool:
    """Whether a table's column rule (a box side VERTICAL_RULE glyph heights long or more)
    stands between the middles of `a` and `b` beside them: a digit may touch or cross it."""
    top, bottom = min(a.y, b.y), max(a.bottom, b.bottom)
    longest = VERTICAL_RULE * max(a.height, b.height)
    return any(
        a.x + a.width / 2 < x + w / 2 < b.x + b.width / 2 and y < bottom and y + h > top and h > longest
        for x, y, w, h in sides
    )


def chain(a: Glyph, b: Glyph, sides: Sequence[Rect], columns: Sequence[Rect]) -> bool:
    """Whether `b`, to the right of `a`, continues the same string (`columns`: the `sides`
    long enough to be a column rule for some glyph of the page)."""
    tall, short = max(a.height, b.height), min(a.height, b.height)
    gap = b.x - a.right
    if not same_line(a, b) or gap < -0.5 * short:
        return False
    if tall > HEIGHT_RATIO * short:
        close = written_small_after(a, b) and gap <= GAP * short
    else:
        close = gap <= GAP * tall or (gap <= CELL_GAP * tall and between_cells(a, b, sides))
    return close and not across_column(a, b, columns)  # the column rules last: most pairs are not close


def parted_by_height(a: Glyph, b: Glyph, columns: Sequence[Rect]) -> bool:
    """Whether `b`, to the right of `a` on its line, stands as close as a string's next digit
    with no column rule between them, but is too much taller or shorter for `chain` to take
    it: the piece of a digit a rule's erasing broke off, or one written in two parts."""
    tall, short = max(a.height, b.height), min(a.height, b.height)
    return (
        tall > HEIGHT_RATIO * short
        and same_line(a, b)
        and -0.5 * short <= b.x - a.right <= GAP * tall
        and not across_column(a, b, columns)
    )


def written_small_after(a: Glyph, b: Glyph) -> bool:
    """Whether `b` is written small on the baseline of `a` (the zeros of "9 000" on a cheque)."""
    return WRITTEN_SMALL * a.height <= b.height < a.height and abs(a.bottom - b.bottom) <= BASELINE * a.height


def digit_columns(glyphs: Sequence[Glyph], sides: Sequence[Rect]) -> tuple[list[Rect], list[Rect]]:
    """The page's column rules (`column_rules`, for its `glyphs`) and the rules as long that
    part no fields: those of columns for one digit."""
    heights = [g.height for g in glyphs]
    shortest, typical = min(heights, default=0), float(statistics.median(heights)) if heights else 0.0
    columns = column_rules(sides, shortest, typical, glyphs)
    return columns, [side for side in sides if side[3] > VERTICAL_RULE * shortest and side not in columns]


def across_rules(members: Sequence[Glyph], rules: Sequence[Rect]) -> bool:
    """Whether any of `rules` long enough to be a column rule for the string's glyphs (as
    `across_column` asks; a comb's cell walls are not) stands between the middles of its
    first and last glyph."""
    top, bottom = min(g.y for g in members), max(g.bottom for g in members)
    middles = [g.x + g.width / 2 for g in members]
    first, last = min(middles), max(middles)
    longest = VERTICAL_RULE * max(g.height for g in members)
    return any(
        first < x + w / 2 < last and y < bottom and y + h > top and h > longest for x, y, w, h in rules
    )


def runs(glyphs: list[Glyph], sides: Sequence[Rect]) -> list[list[int]]:
    """Indices of glyphs linked left to right into runs (each glyph to its nearest successor),
    runs that continue one another up or down a slope joined (`joined_along_slope`)."""
    columns, _ = digit_columns(glyphs, sides)  # looked at for every pair
    level = linked_groups(
        glyphs,
        lambda a, b: chain(a, b, sides, columns),
        lambda a: CELL_GAP * HEIGHT_RATIO * a.height,
        first=True,
        rows_apart=lambda a: SAME_LINE * HEIGHT_RATIO * a.height,  # farther: never `chain`ed
    )
    return joined_along_slope(level, glyphs, columns)


def continues_on_slope(a: Glyph, b: Glyph, columns: Sequence[Rect]) -> bool:
    """Whether `b` could follow `a` in a number written up or down a slope: as close as
    `chain` asks, but its middle above or below `a`'s by more than SAME_LINE and at most a
    glyph's height."""
    tall, short = max(a.height, b.height), min(a.height, b.height)
    gap = b.x - a.right
    rise = abs(b.centre_y - a.centre_y)
    return (
        tall <= HEIGHT_RATIO * short
        and -0.5 * short <= gap <= GAP * tall
        and SAME_LINE * tall < rise <= tall
        and not across_column(a, b, columns)
    )


def straight_line(members: Sequence[Glyph]) -> tuple[float, float] | None:
    """The line (rows down per column, and the row at column 0) along which three glyphs or
    more, left to right, stand: climbing at most STEEPEST, each middle within SLOPE_FIT of
    their typical height of it, and climbing it glyph by glyph, each at least CLIMB of the
    rise the line gives it over the one before. None where they stand along no such line."""
    if len(members) < 3:
        return None
    middles_x = np.array([g.x + g.width / 2 for g in members])
    middles_y = np.array([g.centre_y for g in members])
    slope, intercept = np.polyfit(middles_x, middles_y, 1)
    off_line = np.abs(middles_y - (slope * middles_x + intercept)).max()
    climbing = np.diff(middles_y) * slope >= CLIMB * slope**2 * np.diff(middles_x)  # rise / line's >= CLIMB
    if abs(slope) <= STEEPEST and off_line <= SLOPE_FIT * median_height(members) and climbing.all():
        return float(slope), float(intercept)
    return None


def joined_along_slope(
    level: list[list[int]], glyphs: list[Glyph], columns: Sequence[Rect]
) -> list[list[int]]:
    """Runs joined where one continues another up or down a slope (`continues_on_slope` from its
    last glyph to the other's first) and all their glyphs together stand along a `straight_line`; two
    glyphs say no line, so a third must continue them."""
    order = sorted(level, key=lambda run: glyphs[run[0]].x)
    starts = [glyphs[run[0]].x for run in order]
    taken = [False] * len(order)

    def followers(run: list[int]) -> list[int]:
        last = glyphs[run[-1]]
        reach = GAP * HEIGHT_RATIO * last.height
        first = bisect.bisect_left(starts, last.right - last.height)
        return [
            k
            for k in range(first, bisect.bisect_right(starts, last.right + reach))
            if not taken[k] and continues_on_slope(last, glyphs[order[k][0]], columns)
        ]

    def extended(run: list[int]) -> list[int] | None:
        for k in followers(run):
            longer = run + order[k]
            if straight_line([glyphs[i] for i in longer]):
                taken[k] = True
                return longer
            for m in followers(longer) if len(longer) < 3 else ():
                if m != k and straight_line([glyphs[i] for i in longer + order[m]]):
                    taken[k] = taken[m] = True
                    return longer + order[m]
        return None

    joined = []
    for position, run in enumerate(order):
        if taken[position]:
            continue
        taken[position] = True
        while (longer := extended(run)) is not None:
            run = longer
        joined.append(run)
    return joined


def set_in_type(run: list[int], glyphs: list[Glyph]) -> bool:
    """Five or more marks nearly all of one height to the pixel (capitals or figures of one
    font), or of two heights (`type_levels`) standing on one line to the pixel (mixed case:
    capitals and ascenders, small letters; descenders hang from the small letters' top line):
    handwritten digits never are."""
    if len(run) < 5:
        return False
    heights = np.array([glyphs[i].height for i in run])
    mode = np.bincount(heights).argmax()
    tolerance = max(1.0, 0.02 * mode)
    if np.mean(np.abs(heights - mode) <= tolerance) >= UNIFORM_SHARE:
        return True
    levels = type_levels(heights)
    if levels is None:
        return False
    low, typeset = levels
    # On the baseline, or hanging below it from the small letters' top line (g, p, y: their
    # height is no level).
    bottoms = np.array([glyphs[i].bottom for i in run])
    tops = np.array([glyphs[i].y for i in run])
    baseline = np.median(bottoms)
    on_line = np.abs(bottoms - baseline) <= tolerance
    hanging = (np.abs(tops - (baseline - low)) <= max(1.0, LEVEL * low)) & (bottoms > baseline + tolerance)
    return bool(np.mean((typeset & on_line) | hanging) >= UNIFORM_SHARE)


def type_levels(heights: np.ndarray) -> tuple[float, np.ndarray] | None:
    """The small letters' height and which of `heights` lie on one of a font's two levels, each
    within LEVEL of it (round letters overshoot the flat ones, a t is short of an l), the lower
    `SMALL_LETTERS` of the higher, two marks on each at least (one small digit among
    handwritten ones is no level); None where the heights hold no such two levels."""

    def within(values: np.ndarray, level: float | np.ndarray) -> np.ndarray:
        return np.abs(values - level) <= np.maximum(1.0, LEVEL * level)

    def likeliest(among: np.ndarray) -> float:
        levels = np.arange(among.min(), among.max() + 1, dtype=float)
        return float(levels[np.argmax(within(among[None, :], levels[:, None]).sum(axis=1))])

    first = likeliest(heights)
    rest = heights[~within(heights, first)]
    if len(rest) == 0:
        return None
    second = likeliest(rest)
    low, high = sorted((first, second))
    if (
        np.count_nonzero(within(rest, second)) < 2
        or not SMALL_LETTERS[0] * high <= low <= SMALL_LETTERS[1] * high
    ):
        return None
    return low, within(heights, first) | within(heights, second)


def type_lines(glyphs: list[Glyph], sides: Sequence[Rect] = ()) -> set[int]:
    """Glyphs in runs `set_in_type`, known to be print before anything is read: touching
    handwriting is not looked for among them."""
    return {i for run in runs(glyphs, sides) if set_in_type(run, glyphs) for i in run}


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


def is_slash(mark: Glyph) -> bool:
    """A straight stroke leaning right (its ink's second moments: thin along one axis, run
    across at least SLASH_LEAN of its height), as a date's slash is. Slanted 1s are as often
    so (a quarter of MNIST's): only a mark the readers left out of the digits is asked."""
    moments = cv2.moments(mark.mask.astype(np.uint8), binaryImage=True)
    if moments["mu02"] <= 0:
        return False
    spread = np.linalg.eigvalsh(
        np.array([[moments["mu20"], moments["mu11"]], [moments["mu11"], moments["mu02"]]])
    )
    thin = spread[0] <= SLASH_THIN**2 * spread[1]
    return bool(thin and -moments["mu11"] / moments["mu02"] >= SLASH_LEAN)


def is_dash(mark: Glyph, height: float, top: int, bottom: int) -> bool:
    """Whether `mark` is a dash on a line of digits `height` high from `top` to `bottom`: flat,
    across their middle."""
    return (
        max(3 * mark.height, DASH * height) <= mark.width < 0.9 * height
        and top + 0.25 * height < mark.centre_y < bottom - 0.2 * height
    )


# Digit heights before a string's first digit that its minus sign may stand, and at least
# apart from it (a 1's flag broken off touches it)
MINUS_REACH, MINUS_GAP = 1.0, 0.1


def minus_before(digits: Sequence[Glyph], small: Sequence[Glyph]) -> bool:
    """Whether a dash stands on the string's line just before its first digit: a minus sign (or
    a guard written before a cheque's amount), which its digits alone would lose: `-450` was
    read `450`, accepted. (A dash after the last digit closes an amount: `450-`.)"""
    if not digits or not small:
        return False
    height = median_height(digits)
    first, top, _, tall = bounds(digits)
    bottom = top + tall
    return any(
        first - MINUS_REACH * height <= mark.right <= first - MINUS_GAP * height
        and mark.x > 0  # cut by the image's edge: a cheque's printed hatching, say
        and is_dash(mark, height, top, bottom)
        for mark in small
    )


# A `$`: its bar stands out of its S above and below, in the top and bottom DOLLAR_END of its
# height, no wider there than DOLLAR_BAR of its body's width and within DOLLAR_CENTRED of that
# width of the body's middle; the body, its middle half, at least DOLLAR_BODY of its height wide.
# (On pages at 300 dpi every printed `$` read as one mark passed, 91 in OpenCV's five faces and
# DejaVu's five: its ends at most 0.42 of its body and 0.14 off its middle; of 278 marks read as
# 5s on generated pages of four sources' digits and on ORAND-CAR-A's cheques, one did, inside
# `3.500`. 4s pass too, and read as 4s.)
DOLLAR_END, DOLLAR_BAR, DOLLAR_CENTRED, DOLLAR_BODY = 0.12, 0.45, 0.15, 0.45


def dollar_shaped(mask: np.ndarray) -> bool:
    """Whether a mark (its bool mask) is drawn as a dollar sign: a bar standing out above and
    below a body wider than it."""
    height = mask.shape[0]
    body = np.flatnonzero(mask[height // 4 : 3 * height // 4].any(axis=0))
    if body.size == 0 or body[-1] - body[0] + 1 < DOLLAR_BODY * height:
        return False
    width, middle = body[-1] - body[0] + 1, (body[0] + body[-1]) / 2
    band = max(1, round(DOLLAR_END * height))
    for end in (mask[:band], mask[height - band :]):
        bar = np.flatnonzero(end.any(axis=0))
        if bar.size == 0 or bar[-1] - bar[0] + 1 > DOLLAR_BAR * width:
            return False
        if abs((bar[0] + bar[-1]) / 2 - middle) > DOLLAR_CENTRED * width:
            return False
    return True


# A correction is written small just above what it corrects (a digit struck through, the
# right one over it): a string of at most two marks, at most ABOVE_HEIGHT of the height of
# the string under it, lying over that string's span and less than ABOVE_GAP of its height
# above it. Read on its own it is a number that no field holds, and the one under it reads
# the struck digit.
ABOVE_MARKS = 2
ABOVE_HEIGHT = 0.85
ABOVE_GAP = 0.5


def written_above(strings: Sequence[Sequence[Glyph]]) -> list[tuple[int, int, Rect]]:
    """Each string written as a correction above another: its index, the other's and the gap
    between them (x, y, width, height), where a rule would part two lines' entries."""
    boxes = [bounds(marks) for marks in strings]
    heights = [median_height(marks) for marks in strings]
    paired = []
    for upper, (left, top, width, height) in enumerate(boxes):
        if len(strings[upper]) > ABOVE_MARKS:
            continue
        bottom = top + height
        for lower, (under_left, under_top, under_width, _) in enumerate(boxes):
            if (
                lower != upper
                and len(strings[lower]) > len(strings[upper])
                and heights[upper] <= ABOVE_HEIGHT * heights[lower]
                and under_left <= left
                and left + width <= under_left + under_width
                and 0 <= under_top - bottom <= ABOVE_GAP * heights[lower]
            ):
                paired.append((upper, lower, (left, bottom, width, under_top - bottom)))
    return paired


BRACKET_BOW = 0.12  # of its height: how far a bracket's middle lies from the line joining its ends
BRACKET_WIDTH = 0.5  # ...at most this share of its height wide (a 1 with a flag bows too, less)


def bracketed(digits: Sequence[Glyph]) -> bool:
    """Whether the string's first mark bows out to the left like `(`, or its last to the right
    like `)`: thin, one stroke, as tall as the others, its middle off the line joining its
    ends. Read as 1s, `(450)`, an accountant's negative, was `14501`, accepted."""
    if len(digits) < 2:
        return False
    ordered = sorted(digits, key=lambda g: g.x)
    height = median_height(ordered)
    return any(
        mark.height >= 0.9 * height
        and mark.width <= BRACKET_WIDTH * mark.height
        and one_stroke(mark)
        and bow(mark) * side >= BRACKET_BOW
        for mark, side in ((ordered[0], 1), (ordered[-1], -1))
    )


def one_stroke(mark: Glyph) -> bool:
    """Whether each row crosses the mark once (but for a tenth of them): a bracket or a 1, no
    loop of a 6 or 9 and no arms of a 3."""
    starts = np.count_nonzero(np.diff(mark.mask.astype(np.int8), axis=1, prepend=0) == 1, axis=1)
    return np.count_nonzero(starts > 1) <= 0.1 * mark.height


def bow(mark: Glyph) -> float:
    """How far right of its middle rows' ink the line joining its top and bottom rows' ink runs,
    in heights: positive for `(`, negative for `)`, about 0 for a straight stroke."""
    rows = np.flatnonzero(mark.mask.any(axis=1))
    columns = np.arange(mark.width)
    centres = np.array([columns[mark.mask[row]].mean() for row in rows])
    tenth = max(1, len(rows) // 10)
    ends = (centres[:tenth].mean() + centres[-tenth:].mean()) / 2
    middle = centres[len(rows) * 2 // 5 : len(rows) * 3 // 5 + 1].mean()
    return float((ends - middle) / mark.height)


def with_separators(digits: Sequence[Glyph], text: str, small: Sequence[Glyph]) -> str:
    """The string as written: `text` (one character per glyph of `digits`, left to right) with
    the punctuation between its digits put back. A mark too small to read lying between two of
    its digits on its line is a dot or a comma (low: a comma reaches below the digits) or a
    dash (flat, across the middle); a tall one the readers left out is a slash if it leans as
    one (`is_slash`); anything else small is left to `left_out_beside`."""
    if not small or len(digits) < 2 or len(digits) != len(text):
        return text
    height = median_height(digits)
    top, bottom = min(g.y for g in digits), max(g.bottom for g in digits)
    centres = [g.x + g.width / 2 for g in digits]
    marks: list[tuple[float, str]] = []
    for mark in small:
        middle, level = mark.x + mark.width / 2, mark.centre_y
        if not centres[0] < middle < centres[-1] or not top <= level <= bottom + 0.3 * height:
            continue
        if any(g.x + EDGE * g.width < middle < g.right - EDGE * g.width for g in digits):
            continue  # within a digit's span, not in a gap between two: a broken stroke's piece
        if is_dash(mark, height, top, bottom):
            marks.append((middle, "-"))
        elif mark.height >= SLASH_HEIGHT * height and is_slash(mark):
            marks.append((middle, "/"))
        elif level > bottom - 0.3 * height and mark.height < 0.35 * height:
            if mark.height > 1.3 * mark.width and mark.bottom > bottom + 0.05 * height:
                marks.append((middle, ","))
            elif 0.5 * mark.height <= mark.width <= 2 * mark.height:
                marks.append((middle, "."))
    if not marks:
        return text
    ordered = sorted([*zip(centres, text, strict=True), *marks])
    return "".join(char for _, char in ordered)


def slope_of(members: Sequence[Glyph]) -> tuple[float, float]:
    """The `straight_line` a string's glyphs stand along, where it climbs more than
    LEVEL_SLOPE; else (0.0, 0.0): a level string."""
    first, last = members[0], members[-1]
    span = abs(last.x + last.width / 2 - first.x - first.width / 2)
    # Climbing a `straight_line`, its ends lie at least CLIMB of the line's rise apart: most
    # strings are told level without a fit.
    if abs(last.centre_y - first.centre_y) < CLIMB * LEVEL_SLOPE * span:
        return 0.0, 0.0
    line = straight_line(members)
    return line if line is not None and abs(line[0]) > LEVEL_SLOPE else (0.0, 0.0)


def levelled(mask: np.ndarray, left: int, top: int, members: Sequence[Glyph]) -> np.ndarray:
    """A string's region (`string_region`: its mask and top-left corner) with the string written
    up or down a slope (`slope_of`) sheared level, in a band as high as its tallest glyph and
    a half: what the string reader, which learnt strings no steeper than cheque amounts come,
    is handed. Every column stays where it was, so the reader's alignment still maps onto
    `mask`'s columns. A level string's region is handed as it is."""
    slope, intercept = slope_of(members)
    if slope == 0.0:
        return mask
    tallest = max(g.height for g in members)
    middle = intercept + slope * (left + mask.shape[1] / 2) - top  # the line's row mid-region
    band = round(1.5 * tallest)
    # Column x moves up by slope * (x - mid-region): the line runs along `middle`, drawn into
    # the middle of the band.
    shear = np.float32([[1, 0, 0], [-slope, 1, band / 2 - middle + slope * mask.shape[1] / 2]])
    sheared = cv2.warpAffine(mask.astype(np.uint8), shear, (mask.shape[1], band), flags=cv2.INTER_NEAREST)
    return sheared > 0


def string_region(
    binary: np.ndarray, members: list[Glyph], beside: Sequence[Glyph] = (), sides: Sequence[Rect] = ()
) -> tuple[np.ndarray, int, int]:
    """All the ink across a string's span (separators and unread pieces included), as a bool
    mask with its top-left corner: what the string reader reads. The span reaches over marks
    `beside` it too small to have been read, on its line and at most a string's gap away, from
    WRITTEN_SMALL of the digits' height: cheque writers write the zeros of "1.000" a third as
    tall as the 1, which no glyph holds and the string reader can still read (not over flat
    marks without a loop: the dashes and equals signs that close an amount), nor over a
    table's column rule among the box `sides` (the next column's words). Specks (a cheque's
    printed pattern, dust: under SPECK of the digits' height both ways) are left out."""
    top = max(0, min(g.y for g in members) - 2)
    bottom = min(binary.shape[0], max(g.bottom for g in members) + 2)
    left, right = min(g.x for g in members), max(g.right for g in members)
    height = median_height(members)
    middle = (left + right) / 2
    ruled = column_rules(sides, height, height, members)
    columns = [x + w / 2 for x, y, w, h in ruled if y < bottom and y + h > top]
    lowest = max((c for c in columns if c < middle), default=-np.inf)
    highest = min((c for c in columns if c > middle), default=np.inf)
    candidates = [
        m
        for m in beside
        if m.height >= WRITTEN_SMALL * height
        and min(bottom, m.bottom) - max(top, m.y) >= 0.5 * m.height
        and lowest < m.x + m.width / 2 < highest
        and (m.width <= FLAT * m.height or has_loop(m.mask))  # last: the page's loose marks are many
    ]
    grown = True
    while grown:
        grown = False
        for mark in candidates:
            near = left - GAP * height <= mark.right and mark.x <= right + GAP * height
            if near and (mark.x < left or mark.right > right):
                left, right, grown = min(left, mark.x), max(right, mark.right), True
    return pieces_at_least(binary[top:bottom, left:right], SPECK * height), left, top
