"""Marks too faint for the page's threshold, beside a string: a digit written with less ink.

The page is thresholded once, for all its ink (`binarize`); a digit much paler than its
neighbours (a pen running dry, a lighter press, a blurred scan) can fall under that floor and
leave only specks, too small to be read or to count as ink left out (`numbers.left_out_beside`):
its string is then read without it, surely, and a dropped digit is a wrong value. So the grey
pixels around each string are looked at again, at the string's own contrast (`faint_marks`).
A template's field read as empty is looked at again too (`pale_marks`): written too pale to
be read, it is not empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from digitscan.segment.components import shared_area

# Darker than the paper by this share of the string's own ink's contrast, or of its nearest
# digit's where that one is paler: a mark of the string's kind. A register leaf's other side
# showing through (a fifth as dark as the writing or less: `benchmarks/registers.py`) stays out
# beside strings as dark as the page's others; beside a string itself pale it can come in: a
# string flagged for nothing, not a digit lost. The nearest digit's: a pen running dry, or
# glare over a line's end, leaves its last digits paler and paler, and the one lost paler
# still (glare over `samples/`, a one-off script: `31825351` read `318253`, accepted, the
# darkest grey of its last fifth 195 on paper of 244, of its first 64 on 228).
FAINT_SHARE = 0.5
STRONG_SHARE = 0.5  # a mark this much of whose pixels are thresholded ink is a glyph, judged as such
PAPER_SHARE = 0.75  # the grey level this share of the surroundings is at or under: paper (most of it is)
CLEAR_OF_STRING = 0.08  # of the digit height: the blurred fringe of the string's own strokes
OWN_PART = 0.3  # of a mark's box over a glyph's box of the string: that glyph's paler part
# Of the digit height: narrower is a printed line (a comb's divider too light to be found as a
# rule: 1-2 pixels at half the work scale); a digit written with a pen is wider, even a 1.
LINE_WIDTH = 0.15


def faint_marks(
    region: np.ndarray,
    string_ink: np.ndarray,
    string_boxes: Sequence[tuple[int, int, int, int]],
    page_ink: np.ndarray,
    rules: np.ndarray,
    digit_height: float,
    min_height: float,
) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, width, height in `region`) of the marks at least `min_height` tall in a
    string's grey surroundings (`region`, uint8: its line's band, a little above and below its
    digits) that are darker than the paper by FAINT_SHARE of the string's contrast or of their
    nearest glyph's, the paler (`nearest_digit_floor`), and are
    none of: the string's own strokes (`string_ink`, bool) or mostly over one of its glyphs'
    boxes (`string_boxes`, x, y, width, height: a glyph's paler parts, which the threshold left
    out, spread around it); the rules (`rules`, bool); mostly thresholded ink (`page_ink`,
    bool: glyphs are judged as glyphs); a line thinner than LINE_WIDTH (a comb's divider too
    light to be found as a rule); ink reaching the band's top or bottom edge (of the lines
    above and below, a leaf's other side showing through there, a rule across the band: the
    band reaches further than the string's digits, a digit of its line does not)."""
    if not string_ink.any():
        return []
    paper = paper_level(region)
    ink = float(np.median(region[string_ink]))
    if paper - ink <= 0:
        return []
    darker = region < np.maximum(
        paper - FAINT_SHARE * (paper - ink), nearest_digit_floor(region, string_ink, string_boxes, paper)
    )
    reach = max(1, round(CLEAR_OF_STRING * digit_height))
    kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    ours = cv2.dilate(string_ink.astype(np.uint8), kernel) > 0
    candidates = (darker & ~ours & ~rules).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidates, connectivity=8)
    strong = np.bincount(labels[page_ink], minlength=count)
    return [
        (int(x), int(y), int(w), int(h))
        for label, (x, y, w, h, area) in enumerate(stats)
        if label > 0
        and h >= min_height
        and w >= LINE_WIDTH * digit_height
        and strong[label] < STRONG_SHARE * area
        and y > 0
        and y + h < region.shape[0]
        and not any(shared_area((x, y, w, h), box) >= OWN_PART * w * h for box in string_boxes)
    ]


def nearest_digit_floor(
    region: np.ndarray,
    string_ink: np.ndarray,
    string_boxes: Sequence[tuple[int, int, int, int]],
    paper: float,
) -> np.ndarray:
    """For each column of `region`, the grey level a mark must lie under to be as dark as
    FAINT_SHARE of its nearest glyph's contrast (`string_boxes`; the median of its ink,
    `string_ink`); -1 (nothing) where that glyph is no darker than the `paper`."""
    columns = np.arange(region.shape[1])
    if not string_boxes:
        return np.full(len(columns), -1.0)
    floors = []
    for x, y, width, height in string_boxes:
        own = region[y : y + height, x : x + width][string_ink[y : y + height, x : x + width]]
        ink = float(np.median(own)) if own.size else paper
        floors.append(paper - FAINT_SHARE * (paper - ink) if ink < paper else -1.0)
    apart = np.array(
        [np.maximum(0, np.maximum(x - columns, columns - (x + width - 1))) for x, _, width, _ in string_boxes]
    )
    return np.array(floors)[np.argmin(apart, axis=0)]


# Darker than the paper by this share of its level: writing too pale for the page's threshold
# (0.18 of the paper: `binarize.FAINT_THRESHOLD`) yet clearly more than a scan's grain, once
# smoothed over 3x3 pixels.
PALE_DARKER = 0.1


def pale_marks(region: np.ndarray, min_height: float) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, width, height) of the marks at least `min_height` tall in the grey inside
    of a field read as empty (`region`, uint8; clear of its rules), darker than its paper by
    PALE_DARKER of the paper's level: a field written too pale to be read is not empty."""
    paper = paper_level(region)
    darker = cv2.GaussianBlur(region, (3, 3), 0) < (1 - PALE_DARKER) * paper
    _, _, stats, _ = cv2.connectedComponentsWithStats(darker.astype(np.uint8), connectivity=8)
    return [(int(x), int(y), int(w), int(h)) for x, y, w, h, _ in stats[1:] if h >= min_height]


def paper_level(region: np.ndarray) -> float:
    """The grey level PAPER_SHARE of `region` (uint8) is at or under: its paper, where most of it is."""
    levels = np.cumsum(cv2.calcHist([region], [0], None, [256], [0, 256]).ravel())
    return float(np.searchsorted(levels, PAPER_SHARE * region.size))
