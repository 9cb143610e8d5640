"""Glyphs: connected ink, filtered by size, broken strokes merged, touching digits split.

All sizes are relative to the page's typical glyph height, so the same rules hold at 200 and
600 dpi and for small and large handwriting.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise, product

import cv2
import numpy as np

from digitscan.classify import NOT_DIGIT, Classifier
from digitscan.normalize import to_mnist

SPECK = 0.3  # smaller than this share of the glyph height both ways: dust, dots, noise
HUGE = 4.0  # taller than this many glyph heights: a logo, a photo, a page border
MERGE_GAP = 0.25  # vertical gap (in glyph heights) across which a broken stroke is rejoined
MERGED_HEIGHT = 1.6
WIDE = 0.6  # width/height above which a glyph may be touching digits (a 1 leaning on a 7 is ~0.8)
CLEARLY_WIDE = 0.9  # wider than this is split on the score alone; narrower only if it reads badly whole
SPLIT_MARGIN = 0.15  # how much better (mean log-probability) a split must read than the whole


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

    The upper quartile rather than the median: printed labels are often more numerous, and
    smaller, than the handwriting the page is read for.
    """
    shaped = (heights >= 6) & (widths <= 2 * heights) & (widths * 8 >= heights)
    if not shaped.any():
        return 0.0
    return float(np.percentile(heights[shaped], 75))


def component_stats(binary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    return labels, stats[1:]


def find_glyphs(binary: np.ndarray, height: float) -> list[Glyph]:
    """Connected components of the ink, without dust and without huge marks."""
    labels, stats = component_stats(binary)
    glyphs = []
    for index, (x, y, w, h, _area) in enumerate(stats, start=1):
        if (w < SPECK * height and h < SPECK * height) or h > HUGE * height or w > 3 * HUGE * height:
            continue
        glyphs.append(Glyph(int(x), int(y), int(w), int(h), labels[y : y + h, x : x + w] == index))
    return glyphs


def union(a: Glyph, b: Glyph) -> Glyph:
    x, y = min(a.x, b.x), min(a.y, b.y)
    right, bottom = max(a.right, b.right), max(a.bottom, b.bottom)
    mask = np.zeros((bottom - y, right - x), bool)
    for part in (a, b):
        mask[part.y - y : part.bottom - y, part.x - x : part.right - x] |= part.mask
    return Glyph(x, y, right - x, bottom - y, mask)


def belong_together(a: Glyph, b: Glyph, height: float) -> bool:
    """Parts of one broken digit: stacked above each other, nearly touching, digit-sized together."""
    overlap = min(a.right, b.right) - max(a.x, b.x)
    if overlap < 0.5 * min(a.width, b.width):
        return False
    gap = max(a.y, b.y) - min(a.bottom, b.bottom)
    merged_height = max(a.bottom, b.bottom) - min(a.y, b.y)
    return gap <= MERGE_GAP * height and merged_height <= MERGED_HEIGHT * height


def merge_broken(glyphs: list[Glyph], height: float) -> list[Glyph]:
    merged = sorted(glyphs, key=lambda g: g.x)
    changed = True
    while changed:
        changed = False
        for i, a in enumerate(merged):
            for j in range(i + 1, len(merged)):
                b = merged[j]
                if b.x > a.right:
                    break
                if belong_together(a, b, height):
                    merged[i] = union(a, b)
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    return merged


def trimmed(mask: np.ndarray, x: int, y: int) -> Glyph | None:
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return None
    part = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    return Glyph(x + int(cols[0]), y + int(rows[0]), part.shape[1], part.shape[0], part)


def separating_path(mask: np.ndarray, centre: int, reach: int) -> np.ndarray:
    """Per row, the column of a top-to-bottom path crossing the least ink near `centre`.

    A straight cut slices through digits that lean on each other; this path (dynamic
    programming, one column left or right per row) slips between them and cuts only where
    they actually touch.
    """
    height, width = mask.shape
    low, high = max(1, centre - reach), min(width - 1, centre + reach + 1)
    columns = np.arange(low, high)
    cost = mask[:, low:high].astype(np.float64) * 10 + 0.01 * np.abs(columns - centre)[None, :]
    total = cost.copy()
    step = np.zeros(cost.shape, np.int64)
    for row in range(1, height):
        previous = total[row - 1]
        options = np.stack([np.r_[np.inf, previous[:-1]], previous, np.r_[previous[1:], np.inf]])
        step[row] = options.argmin(axis=0) - 1
        total[row] += options.min(axis=0)
    path = np.empty(height, np.int64)
    path[-1] = int(total[-1].argmin())
    for row in range(height - 1, 0, -1):
        path[row - 1] = path[row] + step[row, path[row]]
    return path + low


def cut(glyph: Glyph, centres: tuple[int, ...]) -> list[Glyph] | None:
    """The glyph cut along separating paths near `centres`; None if a piece is too small to be a digit."""
    reach = max(1, int(0.3 * glyph.width / (len(centres) + 1)))
    columns = np.arange(glyph.width)[None, :]
    bounds = [np.zeros(glyph.height, np.int64)]
    bounds += [separating_path(glyph.mask, c, reach) for c in centres]
    bounds.append(np.full(glyph.height, glyph.width))
    total = glyph.mask.sum()
    pieces = []
    for left, right in pairwise(bounds):
        inside = (columns >= left[:, None]) & (columns < right[:, None])
        piece = trimmed(glyph.mask & inside, glyph.x, glyph.y)
        if piece is None or piece.mask.sum() < 0.08 * total or piece.height < 0.4 * glyph.height:
            return None
        pieces.append(piece)
    return pieces


def cut_candidates(glyph: Glyph, pieces: int) -> list[tuple[int, ...]]:
    """Where to look for each cut: the even split, and the thinnest column near it."""
    ink = glyph.mask.sum(axis=0)
    choices = []
    for k in range(1, pieces):
        expected = int(k * glyph.width / pieces)
        reach = max(1, int(0.3 * glyph.width / pieces))
        low, high = max(1, expected - reach), min(glyph.width - 1, expected + reach)
        options = {expected}
        if high > low:
            options.add(low + int(np.argmin(ink[low:high])))
        choices.append(sorted(options))
    return [combo for combo in product(*choices) if all(a < b for a, b in pairwise(combo))]


def digit_log_probability(probabilities: np.ndarray) -> np.ndarray:
    """Per crop: log of the best digit's probability (low when the crop is not a digit)."""
    return np.log(np.maximum(probabilities[:, :NOT_DIGIT].max(axis=1), 1e-6))


def best_split(glyph: Glyph, classifier: Classifier) -> list[Glyph]:
    """Read the glyph whole and cut into 2-4 pieces; keep whichever reads most like digits."""
    most = min(4, max(2, round(glyph.width / (0.4 * glyph.height))))
    options: list[list[Glyph]] = [[glyph]]
    for pieces in range(2, most + 1):
        for columns in cut_candidates(glyph, pieces):
            split = cut(glyph, columns)
            if split is not None:
                options.append(split)
    if len(options) == 1:
        return [glyph]
    crops = np.stack([to_mnist(part.mask, dark_ink=False) for option in options for part in option])
    scores = digit_log_probability(classifier.probabilities(crops))
    means, start = [], 0
    for option in options:
        means.append(float(scores[start : start + len(option)].mean()))
        start += len(option)
    best = int(np.argmax(means))
    if best == 0 or means[best] < means[0] + SPLIT_MARGIN:
        return [glyph]
    if glyph.width < CLEARLY_WIDE * glyph.height and means[0] > np.log(0.5):
        return [glyph]  # narrow enough for one digit, and read as one: leave it whole
    return options[best]


def split_touching(glyphs: list[Glyph], height: float, classifier: Classifier) -> list[Glyph]:
    out: list[Glyph] = []
    for glyph in glyphs:
        if glyph.width > WIDE * glyph.height and glyph.height >= 0.5 * height:
            out.extend(best_split(glyph, classifier))
        else:
            out.append(glyph)
    return out


def crops(glyphs: list[Glyph]) -> np.ndarray:
    """Each glyph's own ink, normalised to an MNIST crop."""
    if not glyphs:
        return np.zeros((0, 28, 28), np.uint8)
    return np.stack([to_mnist(glyph.mask, dark_ink=False) for glyph in glyphs])
