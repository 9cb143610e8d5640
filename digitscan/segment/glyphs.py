"""Glyphs: connected ink, filtered by size, broken strokes merged, touching digits split.

All sizes are relative to the page's typical glyph height, so the same rules hold at 200 and
600 dpi and for small and large handwriting.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise, product

import cv2
import numpy as np

from digitscan.normalize import to_mnist
from digitscan.segment.components import component_boxes

SPECK = 0.3  # smaller than this share of the glyph height both ways: dust, dots, noise
# ...but this big one way or the other: perhaps a decimal or thousands dot. At 0.08 the
# generator's dust (0.06-0.11 of a digit) made false dots in 3 of samples/' 89 strings; at
# 0.12 none, and the tests' drawn dots (0.14) are still found.
DOT = 0.12
MIN_HEIGHT = 0.4  # shorter than this: a dash, a dot, small print; never a digit of a handwritten string
HUGE = 4.0  # taller than this many glyph heights: a logo, a photo, a page border
SNIPPET = 3.0  # an image fewer glyph heights high than this holds one line: a field, not a page
MERGE_GAP = 0.25  # vertical gap (in glyph heights) across which a broken stroke is rejoined
MERGED_HEIGHT = 1.6
# A mark twice as tall as the page's median mark or more, drawn in a line under OUTLINE of its
# height thick (a rubber stamp's ring, a circle drawn round an item), says nothing of the
# handwriting's height: on a page of two numbers, a date stamp's two rings 3 times as tall as
# the digits set the glyph height, and both numbers were dropped as small print. (1,831 of
# ORAND-CAR-A's real cheque digits are at most 14 times as tall as their stroke is wide, half
# of them under 6; such a ring, 40-55.)
OUTLIER = 2.0
OUTLINE = 1 / 20


@dataclass(frozen=True, eq=False)
class Glyph:
    """A mark on the levelled page: its box and its own ink (bool mask, box-sized)."""

    x: int
    y: int
    width: int
    height: int
    mask: np.ndarray

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def centre_y(self) -> float:
        return self.y + self.height / 2


def bounds(marks: Sequence[Glyph]) -> tuple[int, int, int, int]:
    """The box (x, y, width, height) round the marks."""
    x, y = min(mark.x for mark in marks), min(mark.y for mark in marks)
    return x, y, max(mark.right for mark in marks) - x, max(mark.bottom for mark in marks) - y


def median_height(marks: Iterable[Glyph]) -> float:
    """The median of the marks' heights. Sorted in Python: asked of a string's dozen marks
    hundreds of times a page, numpy's median costs 16 microseconds a call, this under one."""
    return float(statistics.median(mark.height for mark in marks))


def typical_height(heights: np.ndarray, widths: np.ndarray) -> float:
    """Height of the taller glyph-like components (not rules, not dust); 0 when there are none.

    The upper quartile of the marks at least half as tall as the tallest tenth: printed labels
    are often more numerous, and smaller, than the handwriting the page is read for, and the
    loose bits of a broken digit are no glyphs at all.
    """
    shaped = glyph_shaped(heights, widths)
    if not shaped.any():
        return 0.0
    candidates = heights[shaped]
    candidates = candidates[candidates >= 0.5 * np.percentile(candidates, 90)]
    return float(np.percentile(candidates, 75))


def glyph_shaped(heights: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Which boxes are shaped like glyphs, touching digits too: not rules, not dust."""
    return (heights >= 6) & (widths <= 4 * heights) & (widths * 8 >= heights)


def outlines(labels: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Which glyph-shaped components (`component_boxes`) are outlines far taller than the
    page's marks (OUTLIER times their median height, OUTLINE) and than every such mark drawn
    in a pen's line: a stamp's ring, a circle round an item. Looked at tallest first, up to the
    first drawn in a pen's line (on most pages, the first looked at)."""
    widths, heights = boxes[:, 2], boxes[:, 3]
    found = np.zeros(len(boxes), bool)
    sized = heights[heights >= 6]
    if not sized.size:
        return found
    tall = np.flatnonzero(glyph_shaped(heights, widths) & (heights >= OUTLIER * np.median(sized)))
    for index in tall[np.argsort(-heights[tall], kind="stable")]:
        x, y, w, h = boxes[index]
        if not drawn_in_outline(labels[y : y + h, x : x + w] == index + 1):
            break
        found[index] = True
    return found


# A mark inside a ring counts from ENCLOSED_LONG of the page's glyph height along its longer
# side and ENCLOSED_SHORT along its shorter (print inside a ring drawn round it): a cheque's
# printed pattern leaves specks inside real 0s (4x1, 8x1 and 4x4 pixels inside 0s 24-36 high).
ENCLOSED_LONG = 0.3
ENCLOSED_SHORT = 0.15


def encloses(mark: Glyph, boxes: np.ndarray, height: float) -> bool:
    """Whether one of `boxes` (rows of x, y, width, height on the page), or a piece of the
    mark's own ink apart from its largest (a mark inside it, rejoined with it as a broken
    stroke), of a size to count (ENCLOSED_LONG, ENCLOSED_SHORT of the glyph `height`) lies
    inside the mark's box clear of its edges: a ring drawn round something (a handwritten 0
    holds no mark of its own)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(mark.mask.astype(np.uint8), connectivity=8)
    pieces = stats[1:, :4] + [mark.x, mark.y, 0, 0]
    pieces = np.delete(pieces, int(np.argmax(stats[1:, cv2.CC_STAT_AREA])), axis=0) if count > 1 else pieces
    within = np.concatenate([boxes, pieces])
    sides = np.sort(within[:, 2:4], axis=1)
    return bool(
        (
            (sides[:, 1] >= ENCLOSED_LONG * height)
            & (sides[:, 0] >= ENCLOSED_SHORT * height)
            & (within[:, 0] > mark.x)
            & (within[:, 1] > mark.y)
            & (within[:, 0] + within[:, 2] < mark.right)
            & (within[:, 1] + within[:, 3] < mark.bottom)
        ).any()
    )


def line_width(mask: np.ndarray) -> float:
    """Twice the farthest a mark's ink lies from paper: its line's width at its widest."""
    return 2 * float(cv2.distanceTransform(np.pad(mask.astype(np.uint8), 1), cv2.DIST_L2, 3).max())


def drawn_in_outline(mask: np.ndarray) -> bool:
    """Whether a mark's line is under OUTLINE of its height thick (`line_width`)."""
    return line_width(mask) < OUTLINE * mask.shape[0]


def edge_labels(labels: np.ndarray, outline: np.ndarray | None) -> np.ndarray:
    """Labels of components touching the page's edge: the image border, or when the page was
    turned, its `outline` (what the levelled image holds of it: `deskew.page_outline`) give or
    take a pixel, which covers the rasterised edge of the turned page. Read along the edges: no
    page-sized mask."""
    if outline is None:
        rim = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    else:
        height, width = labels.shape
        spread = np.arange(-1, 2)
        rims = []
        for start, end in zip(outline, np.roll(outline, -1, axis=0), strict=True):
            along = np.linspace(0, 1, int(np.ceil(np.abs(end - start).max())) + 1)[:, None]
            xs, ys = np.rint(start + along * (end - start)).astype(np.int64).T
            across_x, across_y = (0, 1) if abs(end[0] - start[0]) >= abs(end[1] - start[1]) else (1, 0)
            xs, ys = xs[:, None] + across_x * spread, ys[:, None] + across_y * spread
            inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
            rims.append(labels[ys[inside], xs[inside]])
        rim = np.concatenate(rims)
    return np.unique(rim[rim > 0])


@dataclass(frozen=True)
class PageMarks:
    """A page's marks by what becomes of them (`find_glyphs`)."""

    glyphs: list[Glyph]  # the marks that may be digits
    height: float  # their typical height
    dots: list[Glyph]  # dust big enough to be a written dot: for separators only
    cut: list[Glyph]  # marks of a digit's size or so on a page's edge: a digit the scan cut through
    huge: list[Glyph]  # taller or wider than any digit: a fold, a long stroke, a logo; not read


def find_glyphs(binary: np.ndarray, outline: np.ndarray | None = None, keep_edges: bool = False) -> PageMarks:
    """Connected components of the ink and their typical height, without dust, huge marks and,
    on a page, marks touching its edge (scanner borders, sheet edges and their shadows). An
    image less than SNIPPET glyph heights high is a snippet of one field (a cheque amount, a
    box cut out by another system), whose digits may well touch its edges: they stay, as they
    do with `keep_edges` (a snippet measured as one line however its marks measure). The
    marks not kept are returned apart where a string beside them may lack a digit: those of a
    digit's size on a page's edge, and huge ones (a fold across the page takes the digit it
    crosses into one mark with it)."""
    labels, boxes = component_boxes(binary, refuse_crowded=True)
    keep = np.ones(len(boxes), bool)
    widths, heights = boxes[:, 2], boxes[:, 3]
    sizing = ~outlines(labels, boxes)  # the marks the glyph height is measured on
    overall = typical_height(heights[sizing], widths[sizing])
    if not keep_edges and (not overall or min(binary.shape) >= SNIPPET * overall):
        keep[edge_labels(labels, outline) - 1] = False
    height = typical_height(heights[keep & sizing], widths[keep & sizing])
    if height == 0:
        return PageMarks([], 0.0, [], [], [])
    speck = (widths < SPECK * height) & (heights < SPECK * height)
    dots = keep & speck & ((widths >= DOT * height) | (heights >= DOT * height))
    sized = ~speck & (heights <= HUGE * height) & (widths <= 3 * HUGE * height)
    cut = ~keep & sized
    huge = ~speck & ~sized
    keep &= sized

    def glyph(index: int) -> Glyph:
        x, y, w, h = boxes[index]
        return Glyph(int(x), int(y), int(w), int(h), labels[y : y + h, x : x + w] == index + 1)

    found, written_dots, cut_marks, huge_marks = (
        [glyph(i) for i in np.flatnonzero(mask)] for mask in (keep, dots, cut, huge)
    )
    return PageMarks(found, height, written_dots, cut_marks, huge_marks)


def digit_sized(glyphs: list[Glyph], height: float) -> list[Glyph]:
    """What is still too short to be a digit once broken strokes are rejoined: dashes, dots, small print."""
    return [glyph for glyph in glyphs if glyph.height >= MIN_HEIGHT * height]


# Twice the farthest a mark's ink lies from paper, over its larger side: up to 0.52 for the
# digits of samples/, of the four sources' validation pages and of the real cheque amounts
# (optdigits' thick strokes the most); about 1 for a filled disc or box.
THICKEST = 0.7
SOLID_FILL = 0.5  # of its box inked: fewer and it is no blot (a quick look before the measure)


def blots(glyphs: list[Glyph]) -> tuple[list[Glyph], list[Glyph]]:
    """The glyphs drawn in strokes, and the solid ones (THICKEST): a hole punched in the sheet
    and scanned dark, a filled box, a blot; no digit, whatever the classifier makes of them
    (a punched hole read as a 0, accepted)."""
    strokes, solid = [], []
    for glyph in glyphs:
        thick = glyph.mask.mean() >= SOLID_FILL and line_width(glyph.mask) >= THICKEST * max(
            glyph.width, glyph.height
        )
        (solid if thick else strokes).append(glyph)
    return strokes, solid


# A straight stroke this many glyph heights long is no handwritten 1 (a 12.7 mm staple beside
# handwriting 7 mm high is 1.8; a slanting 1 of MNIST's 1.3 times its string's height)...
STRAY_LENGTH = 1.6
STRAIGHT_FILL = 0.6  # ...of which this share of its smallest enclosing rectangle is ink...
THIN = 0.15  # ...which is at most this wide for its length (a staple about 0.1; a bold MNIST 1, 0.19)


def stray_stroke(glyph: Glyph, height: float) -> bool:
    """Whether a mark is one straight stroke of even width far longer (STRAY_LENGTH) than
    handwriting `height` high, at any angle: a staple, a line across a margin. Alone, it read
    as a 1, accepted."""
    if np.hypot(glyph.width, glyph.height) < STRAY_LENGTH * height:
        return False
    (_, _), sides, _ = cv2.minAreaRect(cv2.findNonZero(glyph.mask.astype(np.uint8)))
    long, short = max(sides) + 1, min(sides) + 1  # the rectangle runs through pixel centres
    inked = np.count_nonzero(glyph.mask)
    return long >= STRAY_LENGTH * height and short <= THIN * long and inked >= STRAIGHT_FILL * long * short


# A ruler's line standing upright and taller than the digits beside it is a box's side the
# rules missed (cut off from its box by a streak, bent with a curled page), not a written 1:
# between its ends (a rule's stubs may hang from them) its ink keeps to a band at most
# SIDE_BAND of its height wide. Of the 686 1s in ORAND-CAR-A's amounts of two digits or more
# none is so narrow (1% at most 0.16; 34% of those at a string's end are TALLER_SIDE as tall
# as its other digits); of MNIST's 1s 2.5% are, of USPS's (16 pixels high) 10%: never
# without the height.
SIDE_BAND = 0.1
SIDE_ENDS = 0.1  # of its height, at its top and its bottom: where a rule's stubs may hang
TALLER_SIDE = 1.2


def ruled_side(glyph: Glyph, height: float) -> bool:
    """Whether a mark is an upright line, TALLER_SIDE as tall as handwriting `height` or more,
    drawn with a ruler (SIDE_BAND): a box's side, most likely (`2900` was read `12900`)."""
    if glyph.height < TALLER_SIDE * height:
        return False
    ends = int(np.ceil(SIDE_ENDS * glyph.height))
    middle = glyph.mask[ends : glyph.height - ends]
    columns = np.flatnonzero(middle.any(axis=0))
    whole = len(columns) > 0 and bool(middle.any(axis=1).all())  # no gap from end to end
    return whole and columns[-1] - columns[0] + 1 <= SIDE_BAND * glyph.height


def union(a: Glyph, b: Glyph) -> Glyph:
    x, y = min(a.x, b.x), min(a.y, b.y)
    right, bottom = max(a.right, b.right), max(a.bottom, b.bottom)
    mask = np.zeros((bottom - y, right - x), bool)
    for part in (a, b):
        mask[part.y - y : part.bottom - y, part.x - x : part.right - x] |= part.mask
    return Glyph(x, y, right - x, bottom - y, mask)


def belong_together(a: Glyph, b: Glyph, height: float) -> bool:
    """Parts of one broken digit: stacked, nearly touching, digit-sized together. A small piece
    (the loose top bar of a 5) may sit off to one side of the body it broke from."""
    overlap = min(a.right, b.right) - max(a.x, b.x)
    gap = max(a.y, b.y) - min(a.bottom, b.bottom)
    merged_height = max(a.bottom, b.bottom) - min(a.y, b.y)
    if gap > MERGE_GAP * height or merged_height > MERGED_HEIGHT * height or overlap <= 0:
        return False
    if overlap >= 0.5 * min(a.width, b.width):
        return True
    small = min(a.height, b.height) < 0.5 * height
    return small and gap <= 0.1 * height and overlap >= 0.2 * min(a.width, b.width)


def linked_groups(
    glyphs: list[Glyph],
    linked: Callable[[Glyph, Glyph], bool],
    reach: Callable[[Glyph], float],
    first: bool,
    rows_apart: Callable[[Glyph], float] | None = None,
) -> list[list[int]]:
    """Indices of glyphs joined into groups by `linked` (union-find), each group left to right.

    Each glyph is compared with those starting at most `reach(glyph)` past its right edge
    whose middles lie at most `rows_apart(glyph)` above or below its own (where `linked` can
    never join glyphs farther apart: on a page most glyphs in reach of a column stand in other
    rows), with all of them, or (`first`) with the nearest that links only.
    """
    order = sorted(range(len(glyphs)), key=lambda i: glyphs[i].x)
    parent = list(range(len(glyphs)))
    starts = np.array([glyphs[i].x for i in order], float)
    middles = np.array([glyphs[i].centre_y for i in order], float)
    ends = np.searchsorted(starts, [glyphs[i].right + reach(glyphs[i]) for i in order], side="right")

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for position, (i, end) in enumerate(zip(order, ends.tolist(), strict=True)):
        a = glyphs[i]
        near = np.arange(position + 1, max(position + 1, end))
        if rows_apart is not None:
            near = near[np.abs(middles[near] - a.centre_y) <= rows_apart(a)]
        for k in near:
            j = order[k]
            if linked(a, glyphs[j]):
                parent[root(j)] = root(i)
                if first:
                    break
    groups: dict[int, list[int]] = {}
    for i in order:
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def merge_broken(glyphs: list[Glyph], height: float) -> list[Glyph]:
    """Rejoin the parts of broken digits (pairs that `belong_together`, chained). A chain that
    grows taller than one digit (a column of stacked marks) stays apart."""
    out = []
    groups = linked_groups(
        glyphs,
        lambda a, b: belong_together(a, b, height),
        lambda a: 0,
        first=False,
        rows_apart=lambda a: MERGED_HEIGHT * height,  # taller together: never one digit
    )
    for group in groups:
        merged = glyphs[group[0]]
        for i in group[1:]:
            merged = union(merged, glyphs[i])
        out.extend([glyphs[i] for i in group] if merged.height > MERGED_HEIGHT * height else [merged])
    return sorted(out, key=lambda g: g.x)


def trimmed(mask: np.ndarray, x: int, y: int) -> Glyph | None:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return None
    part = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    return Glyph(x + int(cols[0]), y + int(rows[0]), part.shape[1], part.shape[0], part)


def separating_paths(mask: np.ndarray, centres: list[int], reach: int) -> np.ndarray:
    """Per centre and row, the column of a top-to-bottom path crossing the least ink near it.

    A straight cut slices through digits that lean on each other; this path (dynamic
    programming, one column left or right per row, at most `reach` from its centre) slips
    between them and cuts only where they actually touch. All centres go in one pass.
    """
    height, width = mask.shape
    offsets = np.arange(-reach, reach + 1)
    columns = np.asarray(centres)[:, None] + offsets[None, :]  # (centres, band)
    usable = (columns >= 1) & (columns < width - 1)
    ink = mask[:, np.clip(columns, 0, width - 1)].astype(np.float64) * 10  # (rows, centres, band)
    cost = np.where(usable, ink + 0.01 * np.abs(offsets), np.inf)
    total = cost[0].copy()
    step = np.zeros((height, *columns.shape), np.int8)
    from_left = np.full(columns.shape, np.inf)
    from_right = np.full(columns.shape, np.inf)
    for row in range(1, height):
        from_left[:, 1:] = total[:, :-1]
        from_right[:, :-1] = total[:, 1:]
        best = np.minimum(np.minimum(from_left, total), from_right)
        step[row] = np.where(from_left == best, -1, np.where(total == best, 0, 1))
        total = cost[row] + best
    every = np.arange(len(centres))
    position = total.argmin(axis=1)
    path = np.empty((len(centres), height), np.int64)
    path[:, -1] = position
    for row in range(height - 1, 0, -1):
        position = np.minimum(np.maximum(position + step[row, every, position], 0), columns.shape[1] - 1)
        path[:, row - 1] = position
    straight = ~usable.any(axis=1)  # no room to wander: cut straight
    path = np.take_along_axis(columns, path, axis=1)
    path[straight] = np.clip(np.asarray(centres)[straight], 1, width - 1)[:, None]
    return path


def piece_between(glyph: Glyph, left: np.ndarray, right: np.ndarray) -> Glyph | None:
    """The glyph's ink between two cut paths (a column per row each); None if too small to be
    a digit."""
    columns = np.arange(glyph.width)[None, :]
    inside = (columns >= left[:, None]) & (columns < right[:, None])
    piece = trimmed(glyph.mask & inside, glyph.x, glyph.y)
    if piece is None or piece.mask.sum() < 0.08 * glyph.mask.sum() or piece.height < 0.4 * glyph.height:
        return None
    return piece


def cut_reach(glyph: Glyph, pieces: int) -> int:
    """How far from an even split a cut may start and wander: 30% of a digit's width."""
    return max(1, int(0.3 * glyph.width / pieces))


def cut_candidates(glyph: Glyph, pieces: int) -> list[tuple[int, ...]]:
    """Where to start each cut: the even split, half a reach either side of it, and the
    thinnest column near it (digits are rarely of equal width)."""
    ink = glyph.mask.sum(axis=0)
    reach = cut_reach(glyph, pieces)
    choices = []
    for k in range(1, pieces):
        expected = int(k * glyph.width / pieces)
        low, high = max(1, expected - reach), min(glyph.width - 1, expected + reach)
        options = {expected, max(low, expected - reach // 2), min(high - 1, expected + reach // 2)}
        if high > low:
            options.add(low + int(np.argmin(ink[low:high])))
        choices.append(sorted(options))
    return [combo for combo in product(*choices) if all(a < b for a, b in pairwise(combo))]


def most_pieces(glyph: Glyph) -> int:
    """The most digits `split_options` cuts the glyph into: 2-4, one for each half height of
    its width."""
    return min(4, max(2, round(glyph.width / (0.5 * glyph.height))))


def split_options(glyph: Glyph) -> list[list[Glyph]]:
    """Ways to cut the glyph into 2-4 digits (the whole glyph not among them). Splits share
    pieces (a 3-way cut's first piece is the same for every second cut), so each piece is
    made once and the same object stands in every split that has it."""
    most = most_pieces(glyph)
    edges = (np.zeros(glyph.height, np.int64), np.full(glyph.height, glyph.width))
    pieces: dict[tuple[bytes, bytes], Glyph | None] = {}
    options = []
    for count in range(2, most + 1):
        candidates = cut_candidates(glyph, count)
        starts = sorted({centre for centres in candidates for centre in centres})
        if not starts:
            continue
        found = separating_paths(glyph.mask, starts, cut_reach(glyph, count))
        paths = dict(zip(starts, found, strict=True))
        for centres in candidates:
            limits = [edges[0], *(paths[centre] for centre in centres), edges[1]]
            split = []
            for left, right in pairwise(limits):
                key = (left.tobytes(), right.tobytes())
                if key not in pieces:
                    pieces[key] = piece_between(glyph, left, right)
                if pieces[key] is None:
                    break
                split.append(pieces[key])
            else:
                options.append(split)
    return options


def halves(glyph: Glyph) -> tuple[Glyph, Glyph] | None:
    """Where the two digits of a pair read whole lie: either side of the least-ink path near
    the glyph's middle (for their boxes and crops; the pair reader gave their labels)."""
    path = separating_paths(glyph.mask, [glyph.width // 2], cut_reach(glyph, 2))[0]
    left_side = np.arange(glyph.width)[None, :] < path[:, None]
    left = trimmed(glyph.mask & left_side, glyph.x, glyph.y)
    right = trimmed(glyph.mask & ~left_side, glyph.x, glyph.y)
    return None if left is None or right is None else (left, right)


def crops(glyphs: list[Glyph]) -> np.ndarray:
    """Each glyph's own ink, normalised to an MNIST crop."""
    if not glyphs:
        return np.zeros((0, 28, 28), np.uint8)
    return np.stack([to_mnist(glyph.mask, dark_ink=False) for glyph in glyphs])
