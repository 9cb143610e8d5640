"""Glyphs: connected ink, filtered by size, broken strokes merged, touching digits split.

All sizes are relative to the page's typical glyph height, so the same rules hold at 200 and
600 dpi and for small and large handwriting.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from itertools import pairwise, product

import numpy as np

from digitscan.classify import NOT_DIGIT, NOT_PAIR, Classifier, classify_crops
from digitscan.normalize import to_mnist, to_pair
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
NARROW = 0.4  # narrower than this (width/height) is one digit; two touching 1s are ~0.45
WIDE = 0.6  # ...and narrower than this too, unless it reads as no digit (a 1 leaning on a 7 is ~0.8)
CLEARLY_WIDE = 0.9  # wider than this is tried for cuts; narrower only when it reads badly whole
TOO_WIDE = 1.3  # no single digit is this wide for its height
CONFIDENT_WHOLE = 0.5
SURE_WHOLE = 0.99  # a glyph read as one digit this surely is not looked at again (unless too wide for one)
SPLIT_MARGIN = 0.15  # how much better (mean log-probability) a split must read than the whole
PAIR_CONFIDENT = 0.9  # the pair reader's probability for its pair, at least, to read a glyph as two digits


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


def typical_height(heights: np.ndarray, widths: np.ndarray) -> float:
    """Height of the taller glyph-like components (not rules, not dust); 0 when there are none.

    The upper quartile of the marks at least half as tall as the tallest tenth: printed labels
    are often more numerous, and smaller, than the handwriting the page is read for, and the
    loose bits of a broken digit are no glyphs at all.
    """
    shaped = (heights >= 6) & (widths <= 4 * heights) & (widths * 8 >= heights)  # touching digits too
    if not shaped.any():
        return 0.0
    candidates = heights[shaped]
    candidates = candidates[candidates >= 0.5 * np.percentile(candidates, 90)]
    return float(np.percentile(candidates, 75))


def edge_labels(labels: np.ndarray, outline: np.ndarray | None) -> np.ndarray:
    """Labels of components touching the page's edge: the image border, or when the page was
    turned, its `outline` (corners on the levelled page) give or take a pixel, which covers
    the rasterised edge of the turned page. Read along the edges: no page-sized mask."""
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


def find_glyphs(
    binary: np.ndarray, outline: np.ndarray | None = None
) -> tuple[list[Glyph], float, list[Glyph]]:
    """Connected components of the ink and their typical height, without dust, huge marks and,
    on a page, marks touching its edge (scanner borders, sheet edges and their shadows). An
    image less than SNIPPET glyph heights high is a snippet of one field (a cheque amount, a
    box cut out by another system), whose digits may well touch its edges: they stay. Third:
    the dust big enough to be a written dot (DOT of the height), for separators only."""
    labels, boxes = component_boxes(binary, refuse_crowded=True)
    keep = np.ones(len(boxes), bool)
    widths, heights = boxes[:, 2], boxes[:, 3]
    overall = typical_height(heights, widths)
    if not overall or min(binary.shape) >= SNIPPET * overall:
        keep[edge_labels(labels, outline) - 1] = False
    height = typical_height(heights[keep], widths[keep])
    if height == 0:
        return [], 0.0, []
    speck = keep & (widths < SPECK * height) & (heights < SPECK * height)
    dots = speck & ((widths >= DOT * height) | (heights >= DOT * height))
    keep &= ~speck
    keep &= (heights <= HUGE * height) & (widths <= 3 * HUGE * height)

    def glyph(index: int) -> Glyph:
        x, y, w, h = boxes[index]
        return Glyph(int(x), int(y), int(w), int(h), labels[y : y + h, x : x + w] == index + 1)

    return [glyph(i) for i in np.flatnonzero(keep)], height, [glyph(i) for i in np.flatnonzero(dots)]


def digit_sized(glyphs: list[Glyph], height: float) -> list[Glyph]:
    """What is still too short to be a digit once broken strokes are rejoined: dashes, dots, small print."""
    return [glyph for glyph in glyphs if glyph.height >= MIN_HEIGHT * height]


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
    glyphs: list[Glyph], linked: Callable[[Glyph, Glyph], bool], reach: Callable[[Glyph], float], first: bool
) -> list[list[int]]:
    """Indices of glyphs joined into groups by `linked` (union-find), each group left to right.

    Each glyph is compared with those starting at most `reach(glyph)` past its right edge,
    with all of them, or (`first`) with the nearest that links only.
    """
    order = sorted(range(len(glyphs)), key=lambda i: glyphs[i].x)
    parent = list(range(len(glyphs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for position, i in enumerate(order):
        a = glyphs[i]
        for j in order[position + 1 :]:
            b = glyphs[j]
            if b.x - a.right > reach(a):
                break
            if linked(a, b):
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
    for group in linked_groups(glyphs, lambda a, b: belong_together(a, b, height), lambda a: 0, first=False):
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


def digit_log_probability(probabilities: np.ndarray) -> np.ndarray:
    """Per crop: log of the best digit's probability (low when the crop is not a digit)."""
    return np.log(np.maximum(probabilities[:, :NOT_DIGIT].max(axis=1), 1e-6))


def split_options(glyph: Glyph) -> list[list[Glyph]]:
    """Ways to cut the glyph into 2-4 digits (the whole glyph not among them). Splits share
    pieces (a 3-way cut's first piece is the same for every second cut), so each piece is
    made once and the same object stands in every split that has it."""
    most = min(4, max(2, round(glyph.width / (0.5 * glyph.height))))
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
            bounds = [edges[0], *(paths[centre] for centre in centres), edges[1]]
            split = []
            for left, right in pairwise(bounds):
                key = (left.tobytes(), right.tobytes())
                if key not in pieces:
                    pieces[key] = piece_between(glyph, left, right)
                if pieces[key] is None:
                    break
                split.append(pieces[key])
            else:
                options.append(split)
    return options


def may_be_touching(glyph: Glyph, whole: np.ndarray, height: float) -> bool:
    """Glyphs wide enough for two that do not read confidently as one digit (touching digits
    read as "not a digit"; two 1s side by side are narrower than most single digits), and
    glyphs too wide for any single digit."""
    if glyph.height < 0.5 * height or glyph.width <= NARROW * glyph.height:
        return False
    if glyph.width >= TOO_WIDE * glyph.height:
        return True
    reads_as_one = int(np.argmax(whole)) != NOT_DIGIT and float(whole[:NOT_DIGIT].max()) >= CONFIDENT_WHOLE
    if glyph.width <= WIDE * glyph.height:
        return not reads_as_one
    clearly_wide = glyph.width >= CLEARLY_WIDE * glyph.height
    return not reads_as_one or (clearly_wide and float(whole.max()) < SURE_WHOLE)


def may_be_pair(glyph: Glyph, whole: np.ndarray, height: float) -> bool:
    """Glyphs for the pair reader besides those `may_be_touching`: as wide as most digits and
    not read as one for sure (a 1 leaning on a 4 reads as a 4, a little less surely). The
    pair reader learnt single digits as "not a pair", so it is its own check against reading
    one digit as two."""
    return (
        glyph.height >= 0.5 * height
        and WIDE * glyph.height <= glyph.width <= 2 * TOO_WIDE * glyph.height
        and float(whole.max()) < SURE_WHOLE
    )


Read = tuple[list[Glyph], np.ndarray, np.ndarray]  # glyphs, their crops, their class probabilities


def split_touching(
    glyphs: list[Glyph],
    crops: np.ndarray,
    probabilities: np.ndarray,
    height: float,
    classifier: Classifier,
    pair_reader: Classifier | None = None,
    printed: Collection[int] = (),
) -> Read:
    """Cut touching digits apart, or read them whole as a pair (`pair_reader`), where that
    reads clearly better than the whole glyph as one digit. Glyphs in `printed` (indices:
    known print) are left whole.

    Takes and returns glyphs with their crops and class probabilities; every candidate cut of
    the page is classified in one batch, and the chosen pieces keep the probabilities read.
    Cuts and pair readings compete on one score: the mean log-probability of their digits. A
    cut must beat the whole glyph by SPLIT_MARGIN (cuts through single digits are many and
    some read well); a pair reading, judged by a model that has seen single digits, need only
    beat the whole glyph, and the best cut. A cut in two is not made where the pair reader is as
    sure that the glyph is no pair as it must be to read one (a broken 0 cut into "16").
    """
    unprinted = [i for i in range(len(glyphs)) if i not in printed]
    touching = [i for i in unprinted if may_be_touching(glyphs[i], probabilities[i], height)]
    candidates = {i: options for i in touching if (options := split_options(glyphs[i]))}
    pairs: dict[int, tuple[float, Read]] = {}
    no_pairs: set[int] = set()
    if pair_reader is not None:
        tried = [i for i in unprinted if i in touching or may_be_pair(glyphs[i], probabilities[i], height)]
        pairs, no_pairs = read_as_pairs(glyphs, tried, pair_reader)
    if not candidates and not pairs:
        return glyphs, crops, probabilities
    # Splits share pieces (glyphs compare by identity): each is classified once, in one batch.
    splits = (option for options in candidates.values() for option in options)
    pieces = list(dict.fromkeys(part for option in splits for part in option))
    index = {part: row for row, part in enumerate(pieces)}
    piece_crops = np.stack([to_mnist(part.mask, dark_ink=False) for part in pieces]) if pieces else crops[:0]
    piece_probabilities = classify_crops(classifier, piece_crops)
    scores = digit_log_probability(piece_probabilities)
    # Touching digits come apart into digits: a cut that leaves a piece reading as "not a
    # digit" is a wrong cut, however confident the other pieces are.
    scores[piece_probabilities.argmax(axis=1) == NOT_DIGIT] = -np.inf
    replacements = {}
    for i in sorted(set(touching) | set(pairs)):
        best: Read | None = None
        whole = float(digit_log_probability(probabilities[i][None])[0])
        best_score = whole + SPLIT_MARGIN
        for option in candidates.get(i, []):
            rows = [index[part] for part in option]
            if (score := float(scores[rows].mean())) > best_score:
                best = ([pieces[row] for row in rows], piece_crops[rows], piece_probabilities[rows])
                best_score = score
        if best is not None and len(best[0]) == 2 and i in no_pairs:
            best = None
        if i in pairs and pairs[i][0] > (whole if best is None else best_score):
            best = pairs[i][1]
        if best is not None:
            replacements[i] = best
    return replaced(glyphs, crops, probabilities, replacements)


def replaced(glyphs: list[Glyph], crops: np.ndarray, probabilities: np.ndarray, by: dict[int, Read]) -> Read:
    """The glyphs, crops and probabilities with glyph i replaced by the parts in `by[i]`."""
    if not by:
        return glyphs, crops, probabilities
    out_glyphs, out_crops, out_probabilities = [], [], []
    for i, glyph in enumerate(glyphs):
        kept = ([glyph], crops[i : i + 1], probabilities[i : i + 1])
        parts, part_crops, part_probabilities = by.get(i, kept)
        out_glyphs.extend(parts)
        out_crops.extend(part_crops)
        out_probabilities.extend(part_probabilities)
    return out_glyphs, np.stack(out_crops), np.stack(out_probabilities)


def pair_digits(pair_probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and second digit's class probabilities (0-9, not a digit) in pair readings:
    each digit's marginal over the 100 pairs, with "not a pair" as "not a digit"."""
    joint = pair_probabilities[:, :NOT_PAIR].reshape(-1, 10, 10)
    rest = pair_probabilities[:, NOT_PAIR:]
    return np.hstack([joint.sum(axis=2), rest]), np.hstack([joint.sum(axis=1), rest])


def halves(glyph: Glyph) -> tuple[Glyph, Glyph] | None:
    """Where the two digits of a pair read whole lie: either side of the least-ink path near
    the glyph's middle (for their boxes and crops; the pair reader gave their labels)."""
    path = separating_paths(glyph.mask, [glyph.width // 2], cut_reach(glyph, 2))[0]
    left_side = np.arange(glyph.width)[None, :] < path[:, None]
    left = trimmed(glyph.mask & left_side, glyph.x, glyph.y)
    right = trimmed(glyph.mask & ~left_side, glyph.x, glyph.y)
    return None if left is None or right is None else (left, right)


def read_as_pairs(
    glyphs: list[Glyph], tried: list[int], pair_reader: Classifier
) -> tuple[dict[int, tuple[float, Read]], set[int]]:
    """The pair reader's verdicts on the glyphs among `tried`: those it reads as a pair with at
    least PAIR_CONFIDENT (for each, the mean log-probability per digit of that pair, and the
    glyph as its two halves with each digit's probabilities from the pair reading), and those
    it reads as no pair as surely."""
    tried = [i for i in tried if glyphs[i].width <= 2 * TOO_WIDE * glyphs[i].height]
    if not tried:
        return {}, set()
    readings = classify_crops(pair_reader, np.stack([to_pair(glyphs[i].mask) for i in tried]))
    firsts, seconds = pair_digits(readings.astype(np.float32))
    pairs = {}
    no_pairs = {i for row, i in enumerate(tried) if readings[row, NOT_PAIR] >= PAIR_CONFIDENT}
    for row, i in enumerate(tried):
        chance = float(readings[row].max())
        confident = int(np.argmax(readings[row])) != NOT_PAIR and chance >= PAIR_CONFIDENT
        if confident and (parts := halves(glyphs[i])) is not None:
            part_crops = np.stack([to_mnist(part.mask, dark_ink=False) for part in parts])
            digits = np.stack([firsts[row], seconds[row]])
            pairs[i] = (0.5 * float(np.log(chance)), (list(parts), part_crops, digits))
    return pairs, no_pairs


def crops(glyphs: list[Glyph]) -> np.ndarray:
    """Each glyph's own ink, normalised to an MNIST crop."""
    if not glyphs:
        return np.zeros((0, 28, 28), np.uint8)
    return np.stack([to_mnist(glyph.mask, dark_ink=False) for glyph in glyphs])
