"""A feeder's streaks: thin dark lines down the whole page, drawn by a speck on the glass.

An automatic document feeder moves the sheet past a fixed line of sensors, so dust or ink on
its glass darkens the same column of every row: a line one to a few pixels wide from the top
of the image to its bottom, exactly upright as stored, whatever the page's own skew. Left in,
it is a table's column rule to the page stage (nothing is chained across one): a number it
crosses was read as two numbers, each accepted, and a digit beside it dropped. It is found on
the page as loaded, before anything else, and painted out from the paper either side of it.

A sensor element that saw dust while the scanner calibrated its white draws the opposite: a
light line, seen only where it crosses ink, which it cuts (a digit in two pieces, read as
two digits or none). It is found by the ink missing from its columns and painted over the
same way, joining the strokes it cut.

A page fed sideways and turned upright by the scanner's software has its streaks across it,
from its left edge to its right: they are looked for both ways (`without_any_streaks`). Left
in, a line across a page lies along the image, not along the page's skewed print: a skewed
page's levelling took such a line for its print, its tilted rules were not found as rules,
and numbers on them were lost.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitscan.segment.lines import true_runs

WIDEST = 6  # pixels: a streak is at most this wide (a speck on the glass, not a sheet's edge)
ROW_STEP = 4  # rows sampled: a streak darkens every one of them
# Darker by this many grey levels than the paper either side: ink, not a scanner's grain (grain
# of sigma 14 is darker than the lightest of its 12 neighbours along the row by this much in 1
# pixel of 16, and in at most 1 row of 10 in any column of a page of it).
CONTRAST = 40
# Of the rows sampled, the share a column must be darker than both its sides in: a streak
# crosses everything (it is hidden only where a rule or a stroke runs across it); the tallest
# column of handwriting or print darkens a fraction of a page's rows.
COVERAGE = 0.9
UNDER = 20  # grey levels darker than a streak's own: ink under it
MOST_STREAKS = 4  # more whole-height lines than this are print: squared paper, a ledger's columns
# A light streak (2 columns wide at least: a single empty column is a gap between strokes
# too often) holds at most this share of the ink of the columns either side, and those at
# least CROSSINGS sampled rows of ink each: enough strokes crossing to tell a cut. (Of 168
# pages of digits without streaks, 4 had such columns with 12 rows, 1 with 20, a single one.)
CLEARED = 0.1
CROSSINGS = 20
MARGIN = 2  # columns: a line this close to the image's edge is its frame, not a streak


def sampled_rows(gray: np.ndarray) -> np.ndarray:
    """Every ROW_STEP-th row of `gray`, contiguous. Of a transposed view (`without_any_streaks`)
    they are the page's columns, taken from it as columns (a quarter of the time of copying
    them out of the view element by element)."""
    if gray.flags.c_contiguous:
        return gray[::ROW_STEP]
    return np.ascontiguousarray(np.ascontiguousarray(gray.T[:, ::ROW_STEP]).T)


def find_streaks(gray: np.ndarray) -> list[tuple[int, int]]:
    """The streaks on a grey page as loaded: (first column, column after the last), left to
    right. Only whole-height lines at most WIDEST pixels wide, clear of the image's edges, and
    at most MOST_STREAKS of them; none on a table cropped tight, whose column rules run from
    its top to its bottom too: a row's rule ends at one of them (`rule_ends_at`), as a rule
    ends at a streak only where it happens to start just there (then all are kept, as before)."""
    rows = sampled_rows(gray)
    kernel = np.ones((1, 2 * WIDEST + 1), np.uint8)  # fills any dark run up to WIDEST across
    darker = cv2.subtract(cv2.morphologyEx(rows, cv2.MORPH_CLOSE, kernel), rows) >= CONTRAST
    streaked = np.count_nonzero(darker, axis=0) >= COVERAGE * len(rows)
    if not streaked.any():
        return []
    width = gray.shape[1]
    inside = [(a, b) for a, b in true_runs(streaked) if a >= MARGIN and b <= width - MARGIN]
    lines = [(a, b) for a, b in inside if b - a <= WIDEST]
    if len(lines) > MOST_STREAKS:
        return []
    return [] if any(rule_ends_at(gray, line) for line in lines) else lines


# Of the page's width: a dark run this long along a row is a rule, longer than any stroke of
# handwriting (a streak through a digit has the digit's strokes beside it); a rule is at
# most 2 * WIDEST rows thick (a dark sheet's edge beside a streak is no rule).
RULE_LENGTH = 1 / 12


def rule_ends_at(gray: np.ndarray, line: tuple[int, int]) -> bool:
    """Whether a rule along a row ends at the upright `line` (a table's T): a thin line darker
    by CONTRAST than the rows either side of it, running RULE_LENGTH from right beside the
    line on one side (joined to it), and no such line on the other side within as many rows
    (a rule a little off level crosses a line a row or two lower on its far side). Darker
    than its own surround, not than the page: a shadow's edge is no rule."""
    first, end = line
    reach = max(8, round(RULE_LENGTH * gray.shape[1]))
    across = np.ones((2 * WIDEST + 1, 1), np.uint8)  # fills a rule up to 2 * WIDEST rows thick

    def ruled(columns: np.ndarray) -> np.ndarray:
        darker = cv2.subtract(cv2.morphologyEx(columns, cv2.MORPH_CLOSE, across), columns) >= CONTRAST
        return darker.all(axis=1)

    runs = [
        ruled(np.ascontiguousarray(gray[:, max(0, first - reach) : first])),
        ruled(np.ascontiguousarray(gray[:, end : end + reach])),
    ]
    near = [np.convolve(run, np.ones(4 * WIDEST + 1), mode="same") > 0 for run in runs]
    return any(
        end - first <= 2 * WIDEST
        for one_sided in (runs[0] & ~near[1], runs[1] & ~near[0])
        for first, end in true_runs(one_sided)
    )


def find_light_streaks(gray: np.ndarray) -> list[tuple[int, int]]:
    """The light streaks on a grey page as loaded (as `find_streaks`): runs of 2 to WIDEST
    columns nearly empty of the ink that the columns either side of them hold."""
    rows = sampled_rows(gray)
    threshold = np.median(rows[::4, ::4]) - CONTRAST
    counts = np.count_nonzero(rows < threshold, axis=0).astype(np.float32)
    around = cv2.dilate(counts[None], np.ones((1, 2 * WIDEST + 3), np.uint8))[0]
    emptied = (counts <= CLEARED * around) & (around >= CROSSINGS)
    if not emptied.any():
        return []
    width = gray.shape[1]
    lines = []
    for first, end in true_runs(emptied):
        if not 2 <= end - first <= WIDEST or first < MARGIN + WIDEST or end > width - MARGIN - WIDEST:
            continue
        left, right = counts[first - WIDEST - 1 : first], counts[end : end + WIDEST + 1]
        beside = min(left.max(), right.max())
        # Cut sharp: the columns right beside it hold half their side's ink at least (a gap
        # between strokes, or a box's side, thins out towards it).
        sharp = left[-1] >= 0.5 * left.max() and right[0] >= 0.5 * right.max()
        if (
            sharp
            and beside >= CROSSINGS
            and counts[first:end].max() <= CLEARED * beside
            and cuts_through(gray, first, end, threshold)
        ):
            lines.append((first, end))
    return [] if len(lines) > MOST_STREAKS else lines


def cuts_through(gray: np.ndarray, first: int, end: int, threshold: float) -> bool:
    """Whether columns `first` to `end` cut strokes: CROSSINGS rows (every one, not those
    sampled) or more with a stroke's ink (darker than `threshold`) just beside them on both
    sides, of which at most CLEARED hold ink between. A rule along them is no stroke cut (a
    box's foot under the gap below its digits, the digits' feet above: found as a light
    streak across `samples/` at 0.35 of its resolution); a line through them makes them a gap,
    not a cut (the sides of a row of boxes through the gap between their tops and the digits
    in them, which the sampled rows missed: `06750` was read `26752`)."""
    crossing = strokes(gray[:, first - 2] < threshold) & strokes(gray[:, end + 1] < threshold)
    inside = (gray[:, first:end] < threshold).any(axis=1)
    crossed = np.count_nonzero(crossing)
    return crossed >= CROSSINGS and np.count_nonzero(inside & crossing) <= CLEARED * crossed


def strokes(ink: np.ndarray) -> np.ndarray:
    """The ink along a column that crosses it (`ink`, bool): runs at most 4 * WIDEST long; a
    longer one runs along it (a rule)."""
    out = ink.copy()
    for first, end in true_runs(ink):
        if end - first > 4 * WIDEST:
            out[first:end] = False
    return out


def without_streaks(gray: np.ndarray, streaks: list[tuple[int, int]]) -> np.ndarray:
    """The page with each streak (and a column either side of it, its blurred edges) painted
    over, row by row, by the grey levels from the column left of it to the column right of it:
    paper where it crossed paper, a stroke joined where it crossed one. What is clearly darker
    than the streak's own grey is ink under it and stays: a box's side or a digit's stroke
    running along the streak, which the sides' grey levels know nothing of."""
    if not streaks:
        return gray
    out = gray.copy()
    for first, end in streaks:
        left, right = max(0, first - 2), min(gray.shape[1] - 1, end + 1)
        share = (np.arange(left + 1, right) - left) / (right - left)
        before, after = (gray[:, [column]].astype(np.float32) for column in (left, right))
        painted = np.round(before * (1 - share) + after * share).astype(gray.dtype)
        covered = gray[:, left + 1 : right]
        under = covered.astype(np.int16) < np.median(covered, axis=0).astype(np.int16) - UNDER
        out[:, left + 1 : right] = np.where(under, covered, painted)
    return out


def without_any_streaks(gray: np.ndarray) -> np.ndarray:
    """The grey page as loaded with its streaks painted over (`without_streaks`): those down
    it, then those across it (found on the page transposed)."""
    for transposed in (False, True):
        image = gray.T if transposed else gray  # a view: only the rows sampled are copied
        found = find_streaks(image) + find_light_streaks(image)
        if found:
            image = without_streaks(image, found)
            gray = np.ascontiguousarray(image.T) if transposed else image
    return gray
