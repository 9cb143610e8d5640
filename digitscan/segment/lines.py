"""Ruled lines, underlines and printed boxes: found by long straight runs (dashed and dotted
ones by the regularity of their marks), then erased.

Strokes that cross a rule are put back: where the erased rule had ink just above and just
below it, the pixels are restored, so a 7 written through an underline stays whole (a rule
crossing another is no stroke, and is not).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import product

import cv2
import numpy as np

from digitscan.segment.components import boxes_of, refuse_crowded_page
from digitscan.segment.resample import shrink

# A horizontal run this many digit heights long is a rule: no digit has a straight bar that wide.
HORIZONTAL_RULE = 2.5
# A vertical run this long is a box side when it joins horizontal rules at both ends.
SHORT_SIDE = 0.6
VERTICAL_RULE = 3.0
SQUEEZE = 4  # horizontal rules are looked for on the page shrunk this many times across
CORNER = 0.5  # of the digit height: the largest radius of a box's rounded corners
WIDE3, TALL3 = np.ones((1, 3), np.uint8), np.ones((3, 1), np.uint8)  # three pixels in a row, in a column


Rect = tuple[int, int, int, int]  # x, y, width, height


@dataclass(frozen=True, eq=False)
class Rules:
    """Masks (uint8, 255 = rule) of the horizontal and vertical rules on a page, their
    thickness, and the box of each box side (the vertical rules)."""

    horizontal: np.ndarray
    vertical: np.ndarray
    thickness: int
    sides: tuple[Rect, ...]
    # Runs that join rules at both ends as a box's side does but are thicker than print: not
    # erased. A 1 filling its cell, or a side smeared wide by a shaken camera or a blurred scan
    # (a page smeared 1 mm sideways read each boxed `876` as `18761`, accepted): which, only a
    # person can tell, so a string holding one is flagged (`on_thick_side`).
    thick_sides: tuple[Rect, ...] = ()


def opened(binary: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.morphologyEx(
        binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (width, height))
    )


def long_horizontal_runs(binary: np.ndarray, length: int) -> np.ndarray:
    """Ink in horizontal runs of `length` or more, found on the page squeezed across (a rule
    stays a rule; the opening costs a quarter), then kept where the page has ink."""
    height, width = binary.shape
    narrow = shrink(binary, SQUEEZE, 1)
    _, solid = cv2.threshold(narrow, 127, 255, cv2.THRESH_BINARY)
    runs = opened(solid, max(3, length // SQUEEZE), 1)
    # A thin rule a little off level steps between two rows dozens of times along its length
    # (once levelled, a 1-pixel rule of a register alternates rows every few dozen pixels) and
    # is no run in either: each row ORed with the one above, it is one again. Such runs are
    # added only where no rule was found already (a rule found whole keeps its own rows, not
    # those of the feet of the digits standing on it), and only twice as long as a rule must
    # be: a handwritten stroke a little off level steps between rows too (cheque amounts whose
    # zeros are joined by a long flat stroke lost digits to it), a ruled row runs far longer.
    # (Looked for squeezed twice as far again, pairs of columns kept where both are ink: the
    # longer run costs no more to find. Where either is, cheque amounts lost four.)
    pair = np.ones((2, 1), np.uint8)
    _, coarse = cv2.threshold(shrink(cv2.dilate(solid, pair), 2, 1), 254, 255, cv2.THRESH_BINARY)
    stepped = opened(coarse, max(3, length // SQUEEZE), 1)
    stepped = cv2.resize(stepped, (solid.shape[1], solid.shape[0]), interpolation=cv2.INTER_NEAREST)
    stepped = cv2.dilate(stepped, pair, anchor=(0, 0))  # back over the row above: both rows' ink
    found = cv2.dilate(runs, np.ones((3, 1), np.uint8))
    runs = cv2.bitwise_or(runs, cv2.bitwise_and(stepped, cv2.bitwise_not(found)))
    runs = cv2.dilate(runs, np.ones((1, 3), np.uint8))  # cover the ends lost to the squeeze
    return cv2.bitwise_and(cv2.resize(runs, (width, height), interpolation=cv2.INTER_NEAREST), binary)


def box_sides(
    binary: np.ndarray, horizontal: np.ndarray, rule: int, digit_height: float
) -> tuple[np.ndarray, tuple[Rect, ...], tuple[Rect, ...]]:
    """Vertical runs that join horizontal rules at both ends and are about as thin as those
    rules (`rule` pixels; a 1 filling its cell touches both, but a pen is wider than print),
    or that are longer than any digit: their mask and boxes; and the boxes of the runs joined
    so that are thicker (`Rules.thick_sides`). Sides are looked for down to SHORT_SIDE: cells
    can be smaller than the page's handwriting."""
    length = max(15, round(SHORT_SIDE * digit_height))
    candidates = opened(binary, 1, length)
    # A thin side printed light (a form in a pale or dropout colour, scanned grey) thresholds
    # to a line a pixel or two wide that steps between two columns every few rows, and is no
    # run in either. Its pixels (in rows of ink no wider than two pixels: never a pen's
    # stroke; and the ink where it runs into its rules), each column ORed with the one to its
    # right, are one again: such a run stands for the pixels of both its columns.
    pair = np.ones((1, 2), np.uint8)
    fine = cv2.bitwise_and(binary, cv2.bitwise_not(cv2.dilate(cv2.erode(binary, WIDE3), WIDE3)))
    fine = cv2.bitwise_or(fine, cv2.bitwise_and(binary, cv2.dilate(horizontal, TALL3)))
    stepped = opened(cv2.dilate(fine, pair, anchor=(0, 0)), 1, length)
    candidates = cv2.bitwise_or(candidates, cv2.bitwise_and(cv2.dilate(stepped, pair, anchor=(1, 0)), fine))
    # Outer contours give each 8-connected run its box without labelling the whole page.
    contours, _ = cv2.findContours(candidates, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    sides = np.zeros_like(binary)
    side_rects, thick = [], []
    reach = max(3, round(0.1 * digit_height))

    def meets_rule(first: int, last: int, x: int, w: int) -> bool:
        # Along the rule: one found on the squeezed page can stop a few pixels short of its
        # corner. Across it only a pixel or two beyond the side's end: a side runs into its
        # rules, a 1 in a cell stops short. Inward as far: a printed side may overshoot its
        # rule (a comb's teeth), and a run that crosses a rule is no 1 inside the cell.
        rows = slice(max(0, first), last + 1)
        return bool(horizontal[rows, max(0, x - reach) : x + w + reach].any())

    radius = round(CORNER * digit_height)

    def rounds_into_rule(end: int, x: int, w: int, up: bool) -> bool:
        # A box with rounded corners: its side stops short of its rules, joined to them by an
        # arc of ink. Ink connects the side's end to a rule that ends beside it, within the
        # corner's reach (a digit's stroke standing on a rule, or on the cheque line, has the
        # rule running on either side of it).
        top = max(0, end - radius) if up else end
        rows, columns = (
            slice(top, end + 1 if up else end + radius + 1),
            slice(max(0, x - radius), x + w + radius),
        )
        ruled = horizontal[rows, columns] > 0
        if not ruled.any():  # most runs that reach this far are strokes, nowhere near a rule
            return False
        _, labels = cv2.connectedComponents(binary[rows, columns], connectivity=8)
        ends = slice(end - top - 2, end - top + 1) if up else slice(0, 3)  # the side's last rows
        mine = labels[ends, max(0, x - columns.start - 1) : x - columns.start + w + 1]
        mine = mine[mine > 0]
        if not mine.size:
            return False
        on_rule = ruled & np.isin(labels, mine)
        rule_columns = np.flatnonzero(on_rule.any(axis=0)) + columns.start
        return bool(rule_columns.size) and (rule_columns.min() >= x + w or rule_columns.max() < x)

    thin = rule + max(1, rule // 2)
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        long = h > VERTICAL_RULE * digit_height
        bottom = y + h - 1
        joined = long or (
            (meets_rule(y - 2, y + reach, x, w) or rounds_into_rule(y, x, w, up=True))
            and (meets_rule(bottom - reach, bottom + 2, x, w) or rounds_into_rule(bottom, x, w, up=False))
        )
        if not joined:
            continue
        box = (slice(y, y + h), slice(x, x + w))
        own = np.zeros((h, w), np.uint8)
        cv2.drawContours(own, [contour], -1, 255, cv2.FILLED, offset=(-x, -y))
        own = cv2.bitwise_and(own, candidates[box]) > 0
        if long or np.count_nonzero(own) <= thin * h:
            sides[box][own] = 255
            side_rects.append((x, y, w, h))
        else:
            thick.append((x, y, w, h))
    teeth = teeth_on_rules(binary, horizontal, thin, digit_height)
    for tooth in comb_teeth(binary, teeth, reach, digit_height):
        x, y, w, h = tooth.box
        if not sides[y : y + h, x : x + w].any():  # a cell's whole side stands on its rule too
            sides[y : y + h, x : x + w][tooth.own] = 255
            side_rects.append(tooth.box)
    return sides, join_columns(binary, sides, side_rects, thin, digit_height), tuple(thick)


@dataclass(frozen=True, eq=False)
class Tooth:
    """A thin mark standing on a rule, or hanging from one: its box, `foot` (the row it stands
    on, or minus the row it hangs from) and its ink in the box (`own`)."""

    box: Rect
    foot: int
    own: np.ndarray


TOOTH_SHORTEST = 0.25  # of the digit height: a comb's teeth reach a quarter of its cells' height and more
TOOTH_LONGEST = 1.5  # ...and are looked for this far from their rule (longer ones join the rule across)
TOOTH_CLEAR = 0.15  # ...and end in paper this far on (a digit's stroke standing on a rule runs on)


def teeth_on_rules(binary: np.ndarray, horizontal: np.ndarray, thin: int, digit_height: float) -> list[Tooth]:
    """Thin marks (`thin` pixels wide) that run straight from a horizontal rule, up or down, at
    least TOOTH_SHORTEST digit heights, and end in paper (a digit's stroke standing on a rule
    runs on into the digit): a comb's teeth, and whatever else stands on a rule so
    (`comb_teeth` tells). A tooth printed light steps between two columns once levelled and
    loses a row here and there (as box sides do, above): each column is taken with the one to
    its right, and a row between two of ink is ink. Looked for only in the bands beside the
    rules."""
    shortest = max(5, round(TOOTH_SHORTEST * digit_height))
    longest = round(TOOTH_LONGEST * digit_height)
    clear = max(2, round(TOOTH_CLEAR * digit_height))
    contours, _ = cv2.findContours(horizontal, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    teeth = []
    for x, y, w, h in map(cv2.boundingRect, contours):
        for up in (True, False):
            rows = slice(max(0, y - longest), y) if up else slice(y + h, y + h + longest)
            band = binary[rows, x : x + w] > 0
            if band.shape[0] < shortest + clear:
                continue
            outward = band[::-1] if up else band
            paired = outward.copy()
            paired[:, :-1] |= outward[:, 1:]
            paired[1:-1] |= paired[:-2] & paired[2:]
            standing = np.flatnonzero(paired[:shortest].all(axis=0))
            for columns in np.split(standing, np.flatnonzero(np.diff(standing) > 1) + 1):
                if len(columns) == 0 or len(columns) > thin + 1:
                    continue
                first, last = int(columns[0]), int(columns[-1]) + 1
                height = int(np.logical_and.accumulate(paired[:, first:last], axis=0).sum(axis=0).max())
                tip = outward[height : height + clear, max(0, first - 2) : last + 2]
                if height + clear > len(outward) or tip.any():
                    continue
                top = rows.start + band.shape[0] - height if up else rows.start
                own = binary[top : top + height, x + first : x + last] > 0
                teeth.append(Tooth((x + first, top, last - first, height), y if up else -(y + h), own))
    return teeth


TOOTH_HEIGHTS = 0.05  # the teeth of one comb are this share of their height alike (2 pixels at least)
TOOTH_SPACING = 0.1  # ...and stand at equal distances, to this share (3 pixels at least)


def comb_teeth(binary: np.ndarray, teeth: list[Tooth], reach: int, digit_height: float) -> list[Tooth]:
    """The `teeth` that are a comb's: three or more of one height standing on (or hanging
    from) one rule at equal distances, the width of a cell for a digit (half a digit height to
    three), some cells' tooth perhaps lost (a digit's stroke touching it, on `binary`). A comb
    printed with short teeth and no rule across their other ends is common; each tooth is a
    thin straight mark of about a digit's height, and was read as a 1 between its cells'
    digits. Handwritten 1s standing on a line are seldom so alike, so evenly spaced and so
    upright to the pixel, and where they are, nothing stands on the rule where a lost tooth would."""
    chosen: list[Tooth] = []
    left = sorted(teeth, key=lambda t: t.box[0])
    while left:
        first = left[0]
        height = first.box[3]
        alike = [
            t
            for t in left
            if abs(t.foot - first.foot) <= reach
            and abs(t.box[3] - height) <= max(2.0, TOOTH_HEIGHTS * height)
        ]
        left = [t for t in left if t not in alike]
        chosen.extend(evenly_spaced(binary, alike, digit_height))
    return chosen


def evenly_spaced(binary: np.ndarray, teeth: list[Tooth], digit_height: float) -> list[Tooth]:
    """The longest run of `teeth` (left to right) three or more long whose distances apart are
    one cell, or two (a tooth lost: ink stands on the rule where it would, on `binary`),
    within TOOTH_SPACING; none where there is none."""
    if len(teeth) < 3:
        return []
    xs = np.array([t.box[0] for t in teeth], float)
    best: list[Tooth] = []
    for start, cell in product(range(len(teeth) - 2), (1, 0.5)):
        cell *= xs[start + 1] - xs[start]  # the first distance one cell, or two
        if not 0.5 * digit_height <= cell <= 3 * digit_height:
            continue
        tolerance = max(3.0, TOOTH_SPACING * cell)
        lost = partial(standing_where_lost, binary, teeth[start], tolerance / 2)
        end = run_end(xs, start, cell, tolerance, lost)
        if end - start >= 2 and end - start + 1 > len(best):
            best = teeth[start : end + 1]
    return best


def standing_where_lost(binary: np.ndarray, tooth: Tooth, slack: float, position: float) -> bool:
    """Whether ink stands on the rule of `tooth` where its neighbour would (about `position`,
    within `slack`), up the rows next to the rule that a tooth's foot fills: a tooth lost under
    a digit's stroke is still printed there. Three 1s standing on a line one and two "cells"
    apart, paper where the lost tooth stood, were taken for a comb's teeth and erased:
    `150151` was read `505`, accepted."""
    _, y, width, height = tooth.box
    near = max(2, height // 4)
    rows = slice(y + height - near, y + height) if tooth.foot > 0 else slice(y, y + near)
    left = max(0, round(position - slack))
    return bool(binary[rows, left : round(position + width + slack) + 1].all(axis=0).any())


def run_end(
    positions: np.ndarray,
    start: int,
    step: float,
    tolerance: float,
    may_be_lost: Callable[[float], bool] = lambda _: True,
) -> int:
    """The last of the sorted `positions` from `start` on that follow one another `step`
    apart, or twice that (one lost between, where `may_be_lost` allows it at the middle),
    within `tolerance`."""
    end = start
    while end + 1 < len(positions):
        gap = positions[end + 1] - positions[end]
        if abs(gap - step) > tolerance and not (
            abs(gap - 2 * step) <= tolerance and may_be_lost(positions[end] + gap / 2)
        ):
            break
        end += 1
    return end


# A dashed or dotted line (a box drawn in dashes, a comb's dotted teeth, a leader of dots to
# write on) is a row of marks that no hand makes: alike to the pixel, in line to the pixel and
# evenly spaced. Its dashes were read as 1s, and its dots, outnumbering the digits, taken for
# the page's typical mark: the digits beside them were then too big to read.
DASH_LONGEST = 30  # pixels along the line (4 mm at the working resolution): shorter than a written 1
DASH_THICKEST = 6  # pixels across: print (its dots are no bigger either way than this)
DASH_SHORTEST = 3  # pixels along, and 2 across: smaller specks are alike to the pixel by chance
DASH_ALIKE = 0.1  # the dashes of one line are this share of their length alike (a pixel at least)
DASH_IN_LINE = 1.5  # pixels: how far the middles of one line's dashes lie apart across it
DASH_SPACING = 0.1  # of their distance apart: how evenly they are spaced (1.5 pixels at least)
DASH_GAP = 3  # dashes lengths apart at most (dots of a row of dotted lines are no dotted line across)
DASHES = 3  # a line of fewer (a short side of a dashed box) is one only in a style found in three


@dataclass(frozen=True)
class Dashes:
    """A run of dashes along one direction: their indices, length, thickness and pitch (the
    distance from one's start to the next's)."""

    marks: np.ndarray
    length: float
    thickness: float
    pitch: float

    def same_style(self, other: Dashes) -> bool:
        return (
            abs(self.length - other.length) <= max(1.0, DASH_ALIKE * other.length)
            and abs(self.thickness - other.thickness) <= 1
            and abs(self.pitch - other.pitch) <= max(1.5, DASH_SPACING * other.pitch)
        )


def dashed_runs(
    starts: np.ndarray, lengths: np.ndarray, thicknesses: np.ndarray, middles: np.ndarray
) -> list[Dashes]:
    """The runs of two or more dashes among marks with boxes taken along one direction: where
    each starts along it, how long it is, how thick across and where its middle lies across."""
    small = (thicknesses >= 2) & (thicknesses <= DASH_THICKEST) & (lengths <= DASH_LONGEST)
    marks = np.flatnonzero(small & (lengths >= DASH_SHORTEST) & (lengths >= thicknesses - 1))
    marks = marks[np.lexsort((starts[marks], middles[marks]))]  # by middle: a line's lie together
    ends = np.searchsorted(middles[marks], middles[marks] + DASH_IN_LINE, side="right")
    taken: set[int] = set()
    runs = []
    for position, first in enumerate(marks.tolist()):
        if first in taken:
            continue
        alike = [
            int(i)
            for i in marks[position : ends[position]]
            if i not in taken
            and abs(lengths[i] - lengths[first]) <= max(1.0, DASH_ALIKE * lengths[first])
            and abs(thicknesses[i] - thicknesses[first]) <= 1
        ]
        taken.update(alike)
        alike.sort(key=lambda i: starts[i])
        positions = starts[alike].astype(float)
        start = 0
        while start + 1 < len(alike):
            pitch = positions[start + 1] - positions[start]
            length = lengths[alike[start]]
            if not length < pitch <= (1 + DASH_GAP) * length + 2:  # apart, and not far apart
                start += 1
                continue
            end = run_end(positions, start, pitch, max(1.5, DASH_SPACING * pitch))
            members = np.array(alike[start : end + 1])
            runs.append(
                Dashes(members, float(lengths[members].mean()), float(thicknesses[members].mean()), pitch)
            )
            start = end + 1
    return runs


def dashed_lines(binary: np.ndarray) -> Rules:
    """The page's dashed and dotted lines (`dashed_runs`), as rules: their marks in the
    masks, and each upright one's box among the sides (it parts strings as a box side does)."""
    horizontal, vertical = np.zeros_like(binary), np.zeros_like(binary)
    boxes = boxes_of(binary)
    refuse_crowded_page(len(boxes), binary.size)  # as glyphs would be: a screen of dots is no form
    if not len(boxes):
        return Rules(horizontal, vertical, 1, ())
    x, y, w, h = boxes.T
    along, upright = dashed_runs(x, w, h, y + h / 2), dashed_runs(y, h, w, x + w / 2)
    sides = []
    for runs, others, mask in ((along, upright, horizontal), (upright, along, vertical)):
        styles = [other for other in [*runs, *others] if len(other.marks) >= DASHES]
        for run in runs:
            if len(run.marks) < DASHES and not any(run.same_style(style) for style in styles):
                continue
            for i in run.marks:
                box = (slice(y[i], y[i] + h[i]), slice(x[i], x[i] + w[i]))
                mask[box] = binary[box]
            if mask is vertical:
                left, top = int(x[run.marks].min()), int(y[run.marks].min())
                right, bottom = int((x + w)[run.marks].max()), int((y + h)[run.marks].max())
                sides.append((left, top, right - left, bottom - top))
    return Rules(horizontal, vertical, 1, tuple(sides))


def join_columns(
    binary: np.ndarray, sides: np.ndarray, rects: list[Rect], thin: int, digit_height: float
) -> tuple[Rect, ...]:
    """The box sides with the long pieces of one column joined. A thin rule a little off
    plumb steps a pixel sideways every few hundred rows and breaks there once thresholded (a
    register's column rules came in three pieces, up to five digit heights apart, the rule
    alternating columns in between); where the break holds ink all the way down, however long,
    thin in most of its rows (digits written across the rule are not), that thin ink is the
    rule's too (`sides` marks it), and the pieces are one side."""
    long = sorted((r for r in rects if r[3] > VERTICAL_RULE * digit_height), key=lambda r: r[1])  # top first
    out = [r for r in rects if r[3] <= VERTICAL_RULE * digit_height]
    while long:
        x, y, w, h = long.pop(0)
        for other in sorted((r for r in long if abs(r[0] - x) <= 2 and r[1] > y), key=lambda r: r[1]):
            top, bottom = y + h, other[1]
            left, right = max(0, min(x, other[0]) - 1), max(x + w, other[0] + other[2]) + 1
            if bottom > top:
                gap = binary[top:bottom, left:right] > 0
                counts = np.count_nonzero(gap, axis=1)
                rule_rows = counts <= thin + 1  # the others: a digit's stroke crossing the rule
                if not counts.all() or rule_rows.mean() < 0.8:
                    break
                sides[top:bottom, left:right][gap & rule_rows[:, None]] = 255
            long.remove(other)
            x, w, h = left + 1, right - left - 2, other[1] + other[3] - y
        out.append((x, y, w, h))
    return tuple(out)


def rule_thickness(mask: np.ndarray, axis: int) -> int:
    """Mean thickness of the rules in `mask` across `axis` (0: horizontal rules): area over
    runs, a run starting at every rule pixel whose neighbour before it is not one."""
    area = cv2.countNonZero(mask)
    if area == 0:
        return 1
    after, before = (mask[1:], mask[:-1]) if axis == 0 else (mask[:, 1:], mask[:, :-1])
    continued = cv2.countNonZero(cv2.bitwise_and(after, before))
    return max(1, int(np.ceil(area / (area - continued))))


# A printed box for one character (a row of them, apart: a form's most common field) is too
# short for a rule: each is a component whose bounding box's four edges are ink nearly all
# along (a handwritten 0 or a scribble touches its box's edges at a few places) and whose
# inside is mostly paper (a filled square is no box).
BOX_EDGE = 4  # pixels: how far in from its bounding box a box's printed edge lies (print is 1-3 thick)
BOX_EDGE_SHARE = 0.9
BOX_INK_INSIDE = 0.5
BOX_SMALLEST = 12  # pixels each way


def edge_bands_inked(box: np.ndarray, band: int) -> Iterator[np.ndarray]:
    """Which columns of a mark's box (bool) hold ink in its top `band` rows, then in its bottom
    ones, and which rows in its left and right `band` columns: one at a time, since most marks
    (digits, thousands of them a page) fail on the first."""
    yield box[:band].any(axis=0)
    yield box[-band:].any(axis=0)
    yield box[:, :band].any(axis=1)
    yield box[:, -band:].any(axis=1)


def box_tops_and_bottoms(binary: np.ndarray, widest: int) -> np.ndarray:
    """Mask of the top and bottom edges of the page's printed boxes (`BOX_EDGE_SHARE`)
    narrower than `widest` (wider ones' edges are rules already), as horizontal rules:
    `box_sides` then finds their sides, joining those, as a box's."""
    edges = np.zeros_like(binary)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for x, y, w, h in map(cv2.boundingRect, contours):
        if not (BOX_SMALLEST <= w < widest and h >= BOX_SMALLEST):
            continue
        box = binary[y : y + h, x : x + w] > 0
        band = min(BOX_EDGE, h // 4, w // 4)
        if (
            all(side.mean() >= BOX_EDGE_SHARE for side in edge_bands_inked(box, band))
            and box[band:-band, band:-band].mean() <= BOX_INK_INSIDE
        ):
            # the rows of its edge bands that hold the printed line (ink half across at least),
            # not a digit's strokes reaching into the band
            for row in np.flatnonzero(np.r_[box[:band].mean(axis=1), box[-band:].mean(axis=1)] >= 0.5):
                page_row = y + row if row < band else y + h - 2 * band + row
                edges[page_row, x : x + w] = binary[page_row, x : x + w]
    return edges


def find_rules(binary: np.ndarray, digit_height: float, dashed: Rules | None = None) -> Rules:
    """The page's rules, boxes and comb teeth, with its `dashed` lines (`dashed_lines`, taken
    off `binary` already). Box sides and teeth are looked for on solid rules only: a screen of
    dots is thousands of dashed rules, each looked along for teeth (seconds a page)."""
    length = max(15, round(HORIZONTAL_RULE * digit_height))
    horizontal = cv2.bitwise_or(long_horizontal_runs(binary, length), box_tops_and_bottoms(binary, length))
    across = rule_thickness(horizontal, axis=0)
    vertical, sides, thick = box_sides(binary, horizontal, across, digit_height)
    if dashed is not None:
        horizontal = cv2.bitwise_or(horizontal, dashed.horizontal)
        vertical, sides = cv2.bitwise_or(vertical, dashed.vertical), sides + dashed.sides
    thickness = max(across, rule_thickness(vertical, axis=1))
    return Rules(horizontal, vertical, thickness, tuple(s for s in sides if not streak(s, horizontal)), thick)


def on_thick_side(rules: Rules, box: Rect) -> bool:
    """Whether a mark's `box` holds one of the `rules`' thick sides: some of its columns, and
    rows over half its height."""
    x, y, w, h = box
    return any(
        sx < x + w and x < sx + sw and min(y + h, sy + sh) - max(y, sy) > sh / 2
        for sx, sy, sw, sh in rules.thick_sides
    )


# A straight vertical line from the image's top to its bottom (within STREAK_ENDS of its height)
# that crosses fewer than two horizontal rules is no table's column rule but a scanner's streak
# or a fold: erased as a rule, it parts no strings. A streak through a number parted it into
# two strings, each accepted (`40937` as 40 and 937). A form's columns end at its table's
# rules, inside its margins, and a ledger's, cut off by a tight crop, cross its rows' rules.
STREAK_ENDS = 0.02


def streak(side: Rect, horizontal: np.ndarray) -> bool:
    """Whether a box side is a streak (STREAK_ENDS), not a column rule: it runs from the
    image's top to its bottom and crosses fewer than two of the `horizontal` rules."""
    x, y, w, h = side
    rows = horizontal.shape[0]
    if y > STREAK_ENDS * rows or y + h < (1 - STREAK_ENDS) * rows:
        return False
    ruled = np.flatnonzero(horizontal[:, max(0, x - 2) : x + w + 2].any(axis=1))
    crossed = int(np.count_nonzero(np.diff(ruled) > 1)) + (1 if ruled.size else 0)  # bands of rule rows
    return crossed < 2


def rule_regions(rules: Rules, margin: int) -> list[tuple[slice, slice, bool]]:
    """Rows, columns and direction (True: vertical) of the page regions around its rules:
    the rows of each band of horizontal rules (`margin` above and below) over the columns
    they span (and `margin` beyond), and each box side with `margin` either side."""
    regions = []
    rows = np.flatnonzero(rules.horizontal.max(axis=1))
    if len(rows):
        breaks = np.flatnonzero(np.diff(rows) > 2 * margin)
        firsts = np.concatenate([rows[:1], rows[breaks + 1]])
        lasts = np.concatenate([rows[breaks], rows[-1:]])
        for first, last in zip(firsts, lasts, strict=True):
            band = slice(max(0, int(first) - margin), int(last) + 1 + margin)
            columns = np.flatnonzero(rules.horizontal[band].max(axis=0))
            span = slice(max(0, int(columns[0]) - margin), int(columns[-1]) + 1 + margin)
            regions.append((band, span, False))
    for x, y, w, h in rules.sides:
        regions.append((slice(y, y + h), slice(max(0, x - margin), x + w + margin), True))
    return regions


WALL_SHARE = 0.9  # of a wall's ink in one straight vertical run
WALL_WIDTH = 0.06  # of the snippet's height, the widest a wall is (a pen's 1 is wider)


def without_edge_walls(binary: np.ndarray) -> np.ndarray:
    """A snippet of one field without the walls at its ends: the sides of the cell it was cut
    from, or the edge of a scan, where no rule along its top or bottom makes them a box's sides
    (`box_sides`). A wall is the ink nearest the snippet's left or right edge, runs from its top
    row to its bottom row, is all (WALL_SHARE) one straight vertical run and thinner than a pen
    stroke (WALL_WIDTH): ORAND-CAR-A's `6808` came as `16808`, the scan's edge read as a 1, and a
    field cut with its cell's sides read as a 1 before and after its number. Looked for before
    the snippet is levelled: the cut is square to the image, its writing may not be."""
    rows = binary.shape[0]
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    if count <= 2:  # a wall and nothing else is no field with walls
        return binary
    straight = opened(binary, 1, max(3, rows - 2)) > 0
    inked = np.flatnonzero(binary.any(axis=0))
    walls = []
    for label in range(1, count):
        x, y, w, h, area = stats[label]
        at_end = x <= inked[0] or x + w - 1 >= inked[-1]
        if not (at_end and y <= 1 and y + h >= rows - 1 and w <= max(2, WALL_WIDTH * rows)):
            continue
        own = labels[y : y + h, x : x + w] == label
        if np.count_nonzero(straight[y : y + h, x : x + w] & own) >= WALL_SHARE * area:
            walls.append(label)
    if not walls:
        return binary
    return np.where(np.isin(labels, walls), 0, binary).astype(binary.dtype)


FRAME_SHARE = 0.9  # of a snippet's edge inked from the very edge in: a line along it, a box's edge
FRAME_DEPTH = 0.15  # of the snippet's short side, the thickest a frame is


def from_each_edge(ink: np.ndarray) -> tuple[np.ndarray, ...]:
    """A snippet's ink seen from its top, bottom, left and right edges in: rows from the edge first."""
    return ink, ink[::-1], ink.T, ink.T[::-1]


def frame_sides(binary: np.ndarray) -> tuple[int, int, int, int]:
    """How deep the lines along a snippet's top, bottom, left and right edges are (0: none),
    where it was cut with its box's edges, some or all of them: the ink's run in from that edge,
    where nearly all (FRAME_SHARE) of the edge is inked; no deeper than FRAME_DEPTH of its
    short side (a dark image, no frame)."""
    ink = binary > 0
    depths = []
    for side in from_each_edge(ink):
        run = np.where(side.all(axis=0), side.shape[0], np.argmin(side, axis=0))
        band = int(np.median(run[run > 0])) if np.mean(run > 0) >= FRAME_SHARE else 0
        depths.append(band if band <= FRAME_DEPTH * min(binary.shape) else 0)
    top, bottom, left, right = depths
    return top, bottom, left, right


def box_all_round(ink: np.ndarray) -> tuple[int, int, int, int]:
    """How deep a box all round a snippet reaches in from its top, bottom, left and right edges
    (to its lines' inner edges), where it was cut out with its box and perhaps some paper
    beyond it: on each side, within FRAME_DEPTH of the short side, rows (or columns) nearly all
    (FRAME_SHARE) ink, the first band of them from the edge. None unless all four sides have
    one: a line along one edge alone (a cheque's printed baseline) is no box."""
    ink = ink > 0
    reach = int(FRAME_DEPTH * min(ink.shape)) + 1
    depths = []
    for side in from_each_edge(ink):
        lined = side[:reach].mean(axis=1) >= FRAME_SHARE
        if not lined.any():
            return 0, 0, 0, 0
        start = int(np.argmax(lined))
        depths.append(start + int(np.argmin(np.append(lined[start:], False))))
    top, bottom, left, right = depths
    return top, bottom, left, right


# Of the way from a snippet's paper to its ink, how much darker than its paper a light box is.
LIGHT_BOX_CONTRAST = 0.25


def light_box_all_round(gray: np.ndarray, binary: np.ndarray) -> tuple[int, int, int, int]:
    """`box_all_round` of a box lighter than a snippet's handwriting (`gray`, thresholded:
    `binary`), printed grey: the pixels LIGHT_BOX_CONTRAST of the way from the paper's grey to
    the ink's darker than the paper. Thresholded, such a box came out in pieces that read as 1s
    (ORAND-CAR-A's amounts in a frame of grey 120, 3 pixels thick, on paper of about 170:
    27.78% exact). Taken side by side, cheques' printed baselines a pixel or two above their
    bottom edge were frames: 21 of the 216 validation amounts cut, 2 fewer read right."""
    inked = binary > 0
    if inked.all() or not inked.any():
        return 0, 0, 0, 0
    ink, paper = np.median(gray[inked]), np.median(gray[~inked])
    return box_all_round(gray < paper - (paper - ink) * LIGHT_BOX_CONTRAST)


def remove_rules(binary: np.ndarray, rules: Rules) -> np.ndarray:
    """The page's ink without its rules, strokes that cross them kept whole.

    All of it happens in the rules' neighbourhoods (`rule_regions`), never on the whole page:
    rules are a small part of it, and every page-sized pass costs milliseconds."""
    if not rules.sides and not rules.horizontal.any():
        return binary
    # Widen each rule across its direction: the jagged edges of a scanned line left behind
    # would otherwise chain into thin strokes that read as 1s.
    fringe = rules.thickness // 2 * 2 + 3
    # Strokes crossing a rule are bridged across it (a closing as long as the erased band is
    # wide); a stroke lying along a rule (the foot of a 2 on its underline) makes the line
    # locally thicker than scanning jitter can, and its ink beside the rule is kept.
    reach = rules.thickness + fringe + 1
    thick = rules.thickness + max(3, rules.thickness)

    def across(length: int, vertical: bool) -> np.ndarray:
        return cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if vertical else (1, length))

    regions = rule_regions(rules, fringe // 2 + max(reach, thick))
    widened = []
    cleaned = binary.copy()
    for rows, columns, vertical in regions:
        wide_horizontal = cv2.dilate(rules.horizontal[rows, columns], across(fringe, False))
        wide_vertical = cv2.dilate(rules.vertical[rows, columns], across(fringe, True))
        widened.append((wide_vertical, wide_horizontal) if vertical else (wide_horizontal, wide_vertical))
        erased = cleaned[rows, columns]
        cv2.bitwise_and(erased, cv2.bitwise_not(cv2.bitwise_or(wide_horizontal, wide_vertical)), dst=erased)
    restored = []
    for (rows, columns, vertical), (wide, crossing) in zip(regions, widened, strict=True):
        region = binary[rows, columns]
        bridged = cv2.morphologyEx(cleaned[rows, columns], cv2.MORPH_CLOSE, across(reach, vertical))
        along = cv2.morphologyEx(region, cv2.MORPH_OPEN, across(thick, vertical))
        # A rule crossing this one is no stroke to put back: a grid's crossings were left as
        # hundreds of small crosses, taken for the page's typical mark (its digits then too big).
        strokes = cv2.bitwise_and(
            cv2.bitwise_or(bridged, along), cv2.bitwise_and(wide, cv2.bitwise_not(crossing))
        )
        restored.append(cv2.bitwise_and(strokes, region))
    for (rows, columns, _), strokes in zip(regions, restored, strict=True):
        target = cleaned[rows, columns]
        cv2.bitwise_or(target, strokes, dst=target)
    return cleaned


def touches_rule(rules: Rules, x: int, y: int, width: int, height: int, reach: int) -> bool:
    """Whether a box comes within `reach` pixels of a rule that was erased: what is left of
    a rule's ends and of a comb's ticks sits there, and is no punctuation."""
    top, left = max(0, y - reach), max(0, x - reach)
    box = (slice(top, y + height + reach), slice(left, x + width + reach))
    return bool(rules.horizontal[box].any() or rules.vertical[box].any())


# A rule runs under handwriting (its line), over it or round it (a box), and on beyond it; a
# straight line through the middle of a string (STRUCK_BAND of its height, sloping no more
# than STRUCK_SLOPE), across most of it (STRUCK_ACROSS of its width, and at least STRUCK_LONG
# heights: no digit's stroke is that long) and ending near its ends (within STRUCK_REACH of
# its height) is a writer's: the value crossed out. Written across a printed rule (a 4's stem
# below the line of a register's row), a string has the rule run on through it.
STRUCK_BAND = (0.25, 0.75)
STRUCK_SLOPE = 0.25  # rise over run: 14 degrees
STRUCK_ACROSS = 0.6
STRUCK_LONG = 1.5
STRUCK_REACH = 1.0


def struck_through(binary: np.ndarray, rules: Rules, x: int, y: int, width: int, height: int) -> bool:
    """Whether a straight line runs through the middle of the box (a string's: ink of
    `binary`, or a rule found and erased), across most of it, and no further than a writer's
    stroke would."""
    box = (slice(y, y + height), slice(x, x + width))
    ink = cv2.bitwise_or(binary[box], rules.horizontal[box])
    length = max(STRUCK_ACROSS * width, STRUCK_LONG * height)
    low, high = STRUCK_BAND[0] * height, STRUCK_BAND[1] * height
    if ink.size == 0 or longest_run(ink[round(low) : round(high)].any(axis=0)) < length:
        return False  # most strings: a gap between two digits in every row of the middle
    segments = cv2.HoughLinesP(
        ink, 1, np.pi / 180, round(length / 2), minLineLength=round(length), maxLineGap=round(0.1 * height)
    )
    reach = round(STRUCK_REACH * height)
    for x1, y1, x2, y2 in [] if segments is None else segments.reshape(-1, 4):
        if abs(y2 - y1) > STRUCK_SLOPE * abs(x2 - x1) or not (low <= y1 <= high and low <= y2 <= high):
            continue
        (left, left_row), (right, right_row) = sorted(((x1, y1), (x2, y2)))
        if not (
            runs_on(rules, x + left - reach, y + left_row, height)
            or runs_on(rules, x + right + reach, y + right_row, height)
        ):
            return True
    return False


# One digit struck out (the right one written beside it, or the digit cancelled) reads as the
# digit under the line, surely. The line through its middle band is longer than most digits
# are wide (DIGIT_STRUCK_LONG of its height) and runs past the rest of its ink at both ends
# (DIGIT_STRUCK_OVERHANG of its height): a 4's or a 7's bar crosses a stroke too, but joins
# the digit's other strokes at one end at least, and a 2's foot lies below the band. Of the
# validation digits of MNIST, USPS, optdigits and ORAND-CAR-A, 0.03%, 0.14%, none and none
# pass for struck out (crossed 4s and 7s); of MNIST digits struck by a line running a fifth of
# their height past each side, 84%.
DIGIT_STRUCK_LONG = 0.9
DIGIT_STRUCK_OVERHANG = 0.15
DIGIT_STRUCK_BAND = (0.3, 0.7)


def digit_struck_out(mask: np.ndarray) -> bool:
    """Whether a glyph's ink (`mask`, bool, its box) holds a straight line through its middle
    band that runs past the rest of its ink at both ends."""
    height = mask.shape[0]
    # Most digits end in a curve or a stroke standing tall at their sides, or in a bar at their
    # top or foot; a line's ends are thin and in the middle: a tenth of the height in from
    # each side, the ink spans under a third of it, within a tenth of the band.
    side = max(1, round(0.1 * height))
    for end in (mask[:, :side], mask[:, -side:]):
        rows = np.flatnonzero(end.any(axis=1))
        if (
            not rows.size
            or rows[-1] - rows[0] > height / 3
            or rows[0] < (DIGIT_STRUCK_BAND[0] - 0.1) * height
            or rows[-1] > (DIGIT_STRUCK_BAND[1] + 0.1) * height
        ):
            return False
    ink = mask.astype(np.uint8) * 255
    length = max(3, round(DIGIT_STRUCK_LONG * height))
    segments = cv2.HoughLinesP(
        ink, 1, np.pi / 180, round(length / 2), minLineLength=length, maxLineGap=round(0.1 * height)
    )
    if segments is None:
        return False
    low, high = DIGIT_STRUCK_BAND[0] * height, DIGIT_STRUCK_BAND[1] * height
    across = [
        (int(x1), int(y1), int(x2), int(y2))
        for x1, y1, x2, y2 in segments.reshape(-1, 4)
        if abs(y2 - y1) <= STRUCK_SLOPE * abs(x2 - x1) and low <= y1 <= high and low <= y2 <= high
    ]
    if not across:
        return False
    # all such lines taken off together: a digit struck twice has each line beside the other
    pen = 2 * float(np.percentile(cv2.distanceTransform(ink, cv2.DIST_L2, 3)[mask], 90))
    lines = np.zeros_like(ink)
    for x1, y1, x2, y2 in across:
        cv2.line(lines, (x1, y1), (x2, y2), 255, max(3, round(2 * pen)))
    rest = np.flatnonzero((mask & (lines == 0)).any(axis=0))
    if not rest.size:
        return False  # a dash, no digit
    overhang = DIGIT_STRUCK_OVERHANG * height
    first, last = rest[0], rest[-1]
    return any(first - min(x1, x2) >= overhang and max(x1, x2) - last >= overhang for x1, _, x2, _ in across)


def true_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The runs of True values in a 1-D bool array: (first index, index after the last)."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def longest_run(flags: np.ndarray) -> int:
    """The most True values in a row in a 1-D bool array."""
    return max((end - first for first, end in true_runs(flags)), default=0)


def runs_on(rules: Rules, column: int, row: int, height: int) -> bool:
    """Whether a horizontal rule crosses `column` near `row` (a tenth of `height` either way)."""
    near = round(0.1 * height)
    if not 0 <= column < rules.horizontal.shape[1]:
        return False
    return bool(rules.horizontal[max(0, row - near) : row + near + 1, column].any())
