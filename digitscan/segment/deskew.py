"""Page skew: the angle at which rows of ink line up best (projection-profile method)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from digitscan.segment.lines import true_runs
from digitscan.segment.resample import shrink

MAX_SAMPLES = 200_000
# A tilt must earn its keep: the rows' profile at least this much sharper per degree turned
# than level. The form pages of samples/ gain 18-47% a degree, three lines of five digits 3%; a
# page of a few short, level numbers gains under 1% a degree at any angle (turning it would
# only hurt).
GAIN_PER_DEGREE = 0.015
# From this many degrees on, a tilt must also sharpen the rows of each part of the page apart
# (`sharpness_apart`). Lining up two numbers written half a digit height apart takes 5-10
# degrees; under 2, the parts of lines a little off level (a cheque amount, a register's
# faint rows, tilted 0.28-0.64 degrees) gain too little apart to tell from noise: not asked.
APART_FROM = 2.0


def profile_sharpness(xs: np.ndarray, ys: np.ndarray, angle_deg: float, bow: float = 0.0) -> float:
    """How peaked the row histogram of ink is once the page is turned by `angle_deg` (and its
    rows' `bow` taken out: `Keystone.bow`, in the points' own units)."""
    return float(sharpness_over(xs, ys, [angle_deg], bow)[0])


# Points times angles turned in one numpy pass at most (8 MB an array of them). A search's
# dozens of angles taken together level a page in 14-15 ms against 16-18 one by one (44 pages
# of samples/ and run.py's, the same angles found).
POINTS_AT_ONCE = 1 << 20


def sharpness_over(
    xs: np.ndarray, ys: np.ndarray, angles_deg: Sequence[float], bow: float = 0.0
) -> np.ndarray:
    """`profile_sharpness` at each of `angles_deg`: the squared row counts' sum, exactly."""
    sharpness = []
    together = max(1, POINTS_AT_ONCE // max(1, len(xs)))
    for first in range(0, len(angles_deg), together):
        rows = point_rows_over(xs, ys, angles_deg[first : first + together], bow)
        span = int(rows.max()) + 1
        shifted = rows + span * np.arange(len(rows))[:, None]  # each angle's rows apart
        counts = np.bincount(shifted.ravel(), minlength=span * len(rows)).reshape(len(rows), span)
        sharpness.extend((counts * counts).sum(axis=1).tolist())
    return np.array(sharpness, np.float64)


def row_counts(xs: np.ndarray, ys: np.ndarray, angle_deg: float, bow: float = 0.0) -> np.ndarray:
    """How many ink points lie in each row, from the first, once the page is turned by
    `angle_deg` (and its rows' `bow` taken out)."""
    return np.bincount(point_rows(xs, ys, angle_deg, bow))


def point_rows(xs: np.ndarray, ys: np.ndarray, angle_deg: float, bow: float = 0.0) -> np.ndarray:
    """The row each ink point lies in, from the first, once the page is turned by `angle_deg`
    (and its rows' `bow` taken out)."""
    return point_rows_over(xs, ys, [angle_deg], bow)[0]


def point_rows_over(
    xs: np.ndarray, ys: np.ndarray, angles_deg: Sequence[float], bow: float = 0.0
) -> np.ndarray:
    """`point_rows` at each of `angles_deg` (angles x points)."""
    # Each angle's sine and cosine as a scalar: numpy's vectorised loops may round them
    # differently, and the rows found must not depend on how many angles are asked at once.
    radians = [np.deg2rad(angle) for angle in angles_deg]
    cosines = np.array([np.cos(angle) for angle in radians])[:, None]
    sines = np.array([np.sin(angle) for angle in radians])[:, None]
    rows = np.round(ys * cosines + xs * sines - bow * xs**2).astype(np.int64)
    return rows - rows.min(axis=1, keepdims=True)


def ink_points(binary: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int] | None:
    """The ink's points (x from the middle column, y) on the page reduced to about 1200
    pixels (at most MAX_SAMPLES of them), the reduction, and the reduced page's width; None
    on a page without ink."""
    factor = max(1, round(max(binary.shape) / 1200))
    small = shrink(binary, factor)
    _, inked = cv2.threshold(small, 64, 255, cv2.THRESH_BINARY)
    points = cv2.findNonZero(inked)  # row by row, as np.nonzero, in a third of its time
    if points is None:
        return None
    xs, ys = points.reshape(-1, 2).T
    if len(xs) > MAX_SAMPLES:
        keep = np.random.default_rng(0).choice(len(xs), MAX_SAMPLES, replace=False)
        xs, ys = xs[keep], ys[keep]
    return xs.astype(np.float64) - small.shape[1] / 2, ys.astype(np.float64), factor, small.shape[1]


def skew_of(
    xs: np.ndarray, ys: np.ndarray, max_angle: float = 10.0, sparse: int = 1, around: float = 0.0
) -> float | None:
    """Degrees to rotate the page by (counter-clockwise positive, as cv2) to level the lines of
    its ink points (`ink_points`), from every `sparse`-th of them, searched within `max_angle`
    of `around` (in the points' own sense: the opposite of the answer's); None where they say
    nothing (too few, or no angle sharpens their rows enough to be believed, or the rows of
    each part of the page apart: `sharpness_apart`)."""
    if len(xs) < 50:
        return None
    best = around
    # The coarse search only has to land within half a degree: a quarter of the ink will do.
    for step, span, every in ((0.5, max_angle, 4 * sparse), (0.1, 0.5, sparse), (0.02, 0.1, sparse)):
        candidates = np.arange(best - span, best + span + step / 2, step)
        best = float(candidates[np.argmax(sharpness_over(xs[::every], ys[::every], candidates))])
    if profile_sharpness(xs, ys, best) < (1 + GAIN_PER_DEGREE * abs(best)) * profile_sharpness(xs, ys, 0.0):
        return None if abs(best) > 0.1 else 0.0
    if abs(best) >= APART_FROM and sharpness_apart(xs, ys, best) <= sharpness_apart(xs, ys, 0.0):
        return None
    return -best


def sharpness_apart(xs: np.ndarray, ys: np.ndarray, angle_deg: float, strips: int = 4) -> float:
    """`profile_sharpness` of the ink in `strips` upright strips of as many points each, taken
    apart and added. A skew levels the lines within each strip; the angle that lines a number
    up with another written lower down beside it on a sparse page (two level lines: 19 of 30
    such pages were turned 5-10 degrees, two numbers read as one) sharpens the rows only by
    lining the one up with the other, across strips, and tilts each."""
    strip = np.searchsorted(np.quantile(xs, np.arange(1, strips) / strips), xs)
    return sum(profile_sharpness(xs[strip == k], ys[strip == k], angle_deg) for k in np.unique(strip))


def rotation_matrix(shape: tuple[int, ...], angle: float) -> np.ndarray:
    height, width = shape[:2]
    return cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)


def rotate(image: np.ndarray, angle: float, fill: int, nearest: bool = False) -> np.ndarray:
    """`image` turned by `angle` degrees about its centre, same size, corners filled with `fill`."""
    flags = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    matrix = rotation_matrix(image.shape, angle)
    return cv2.warpAffine(image, matrix, (image.shape[1], image.shape[0]), flags=flags, borderValue=fill)


def page_outline(shape: tuple[int, ...], angle: float) -> np.ndarray:
    """The corners (x, y, float32) of what the image holds of a page of `shape` once turned by
    `angle`, as `rotate` turns it: the turned page cut by the image's own edges, which clip
    its corners (a staple across one, cut there, was read as a 1 and accepted)."""
    height, width = shape[:2]
    right, bottom = width - 1, height - 1
    corners = np.array([[0, 0, 1], [right, 0, 1], [right, bottom, 1], [0, bottom, 1]], np.float64)
    turned = (corners @ rotation_matrix(shape, angle).T).astype(np.float32)
    frame = corners[:, :2].astype(np.float32)
    _, held = cv2.intersectConvexConvex(turned, frame)
    return frame if held is None else held.reshape(-1, 2)


def unrotate_box(
    box: tuple[int, int, int, int], shape: tuple[int, ...], angle: float
) -> tuple[int, int, int, int]:
    """A box on the levelled page mapped back to the page as loaded (its axis-aligned hull)."""
    if angle == 0:
        return box
    x, y, w, h = box
    inverse = cv2.invertAffineTransform(rotation_matrix(shape, angle))
    corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], np.float64)
    mapped = corners @ inverse.T
    x0, y0 = np.floor(mapped.min(axis=0)).astype(int)
    x1, y1 = np.ceil(mapped.max(axis=0)).astype(int)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(shape[1], x1), min(shape[0], y1)
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


# The skews of a page's top and bottom thirds differ by this many degrees or more: a page
# photographed at a slant (its rules fan out); one skew levels the middle and leaves the rules
# above and below tilted too far to be found as rules.
KEYSTONE = 0.5
KEYSTONE_ROWS = 300  # each third at least this tall: a snippet's thirds are a few strokes high


@dataclass(frozen=True)
class Keystone:
    """A page photographed at a slant, or off a curled sheet, once turned level in its middle:
    a line `d` rows below its middle row falls `spread * d` rows for each column to the right
    (a slant), and every line lies `bow * c**2` rows lower `c` columns either side of the
    middle column (a curl: the sheet bent about an upright axis, its rows bowed). Reading it
    straightened, a point (x, y) of the straight page lies at (x, `source_row`)."""

    spread: float
    middle: tuple[float, float]  # x, y
    bow: float = 0.0

    def source_row(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        cx, cy = self.middle
        return y + self.spread * (y - cy) * (x - cx) + self.bow * (x - cx) ** 2


# A page photographed or fed turned further than `skew_of`'s usual 10 degrees: its rows are
# looked for every WIDE_STEP degrees up to WIDE_ANGLE either way (a quarter turn further is
# `orientation`'s), on every WIDE_EVERY-th ink point; where they line up best WIDE_FROM
# degrees or more from level, WIDE_PEAK times as sharply as at the median angle (END_PEAK from
# SLANT_FROM on), the skew is searched around there. Turned 15 degrees on a dark desk, samples/
# read 70% of its fields; 25 degrees the other way, 58% and 20% of the accepted wrong. The
# search runs past 45 degrees: a page turned 45 whose print is tilted 4 degrees on its sheet
# has its rows at 49 (its columns at -41, less sharp); turned 55, at up to 59.
WIDE_ANGLE = 59.0  # the grid: odd degrees
WIDE_STEP = 2.0
WIDE_EVERY = 8
WIDE_FROM = 9.0
# Rows line up at one angle: samples/' pages upright 2.2-3.5 times as sharply as at the median
# angle, turned on a desk 2.3-4.9. A page of a few scattered numbers lines up about as well at
# any: of the 40 of `benchmarks/orientation.py`, 17 lined up best 9 degrees or more from level
# (searched to 45), 16 of them 1.2-1.6 times as sharply as at the median, one 2.0 at 45
# degrees, where the slant of handwriting lines its strokes up (most of the 17 were there).
WIDE_PEAK = 2.0
# From 45 degrees on the rows must line up END_PEAK times as sharply, at their best within
# half a step of the grid's angle: there samples/ turned 45-55 degrees either way measured
# 2.36-3.10, the 40 pages of a few numbers at most 1.89 (at 47 degrees). Below 45 a page is
# judged at the grid's angle, as before: a stroke across it (an entry crossed out with an X)
# lines up sharply at its own angle only (`tests/test_segment.py`'s X, 38 degrees: 1.43 at
# the grid's 39, 2.07 within a degree of it). Levelled by 40-50 degrees a page stands upright
# or on its side; `orientation` turns it a quarter where it stands on its side.
SLANT_FROM = 45.0
END_PEAK = 2.2
# ...and a page has lines: at that angle its row profile rises over a tenth of its peak in
# WIDE_BANDS separate bands or more (`samples/` turned 15-35 degrees: 29-71; nine boxed
# numbers turned 22: 9 and 25, on a white and a dark ground). One number written up a slope
# on an empty page gives 1-3: its digits stand upright, and the page is not turned (the slope
# is read as one: `strings`); turned with it, a `2` of it was read as a `1`. Where the angle a
# quarter turn away is searched too, either may show them: its rows or its columns (samples/'
# forms-05-07 page 3 turned 45: 4 bands at -45, where its ink lines up best, 13 at 45).
WIDE_BANDS = 6
WIDE_BAND_SHARE = 0.1
# From here a page's rows and its columns both lie within the search (its best angle a step
# either side of the grid's): which it levels is a toss-up, and a page turned a quarter
# after it is searched again near its first skew (`level`'s `near`).
EITHER_WAY_FROM = 90 - WIDE_ANGLE - WIDE_STEP


def turned_skew(xs: np.ndarray, ys: np.ndarray) -> float | None:
    """The skew (`skew_of`) of a page turned WIDE_FROM degrees or more; None for any other."""
    if len(xs) < 50:  # as few as `skew_of` reads nothing from
        return None
    angles = np.arange(-WIDE_ANGLE, WIDE_ANGLE + WIDE_STEP / 2, WIDE_STEP)
    few_xs, few_ys = xs[::WIDE_EVERY], ys[::WIDE_EVERY]
    sharpness = sharpness_over(few_xs, few_ys, angles)
    best = int(np.argmax(sharpness))
    coarse = float(angles[best])
    if abs(coarse) < WIDE_FROM:
        return None
    if abs(coarse) < SLANT_FROM:
        peak, needed = sharpness[best], WIDE_PEAK
    else:
        near_coarse = np.arange(coarse - WIDE_STEP / 2, coarse + WIDE_STEP * 0.6, WIDE_STEP / 8)
        peak, needed = float(sharpness_over(few_xs, few_ys, near_coarse).max()), END_PEAK
    if peak < needed * np.median(sharpness):
        return None
    quarter_away = coarse - 90 * np.sign(coarse)
    ways = (coarse, quarter_away) if abs(quarter_away) <= WIDE_ANGLE else (coarse,)
    if max(row_bands(few_xs, few_ys, angle) for angle in ways) < WIDE_BANDS:
        return None
    return skew_of(xs, ys, max_angle=WIDE_STEP, around=coarse)


def row_bands(xs: np.ndarray, ys: np.ndarray, angle_deg: float) -> int:
    """How many separate bands of rows hold over WIDE_BAND_SHARE of the fullest row's ink
    points once the page is turned by `angle_deg`."""
    counts = row_counts(xs, ys, angle_deg)
    full = counts > WIDE_BAND_SHARE * counts.max()
    return int(full[0]) + int(np.count_nonzero(full[1:] & ~full[:-1]))


def level(
    binary: np.ndarray, whole_page: bool = True, near: float | None = None
) -> tuple[float, Keystone | None]:
    """Degrees to rotate the page by (`skew_of`; 0 where its ink says nothing) and, for a page
    photographed at a slant, the keystone to straighten it by once turned (the angle is then
    its middle third's), from the page's ink points, found once. A `whole_page`, not a snippet
    (one field, a line of digits), turned further than the usual skew (`turned_skew`) is only
    turned, and is levelled by its print, not by lines across it (`across_lines`). `near`:
    the skew this page was found to have before it was turned by quarters, searched around
    again. A quarter turn does not change a skew, but near 45 degrees a page's rows and its
    columns may line up alike, and searched afresh the page turned a quarter was levelled back
    on its side: samples/ turned 45 degrees on a grey desk, whose sheet's edges (no border to
    drop) line up as sharply as its print, read 0.00% of its fields (64.04% kept near)."""
    points = ink_points(binary)
    if points is None:
        return (near or 0.0), None
    xs, ys, factor, width = points
    found = level_points(xs, ys, factor, binary.shape, whole_page, near)
    if not whole_page:  # a snippet is one field: its box's rules run across it
        return found
    across = across_lines(xs, ys, found[0], width)
    if not across.any():
        return found
    rest = level_points(xs[~across], ys[~across], factor, binary.shape, whole_page, near)
    if abs(rest[0] - found[0]) < CROSSING_APART:
        return found
    # The lines across may be the print's own rules, and what levels the rest a crease across
    # it: the ink on neither's lines (the writing and the words) says which is the print's.
    neither = ~(across | across_lines(xs, ys, rest[0], width))
    text = level_points(xs[neither], ys[neither], factor, binary.shape, whole_page, near)
    return rest if abs(text[0] - rest[0]) < abs(text[0] - found[0]) else found


def level_points(
    xs: np.ndarray,
    ys: np.ndarray,
    factor: int,
    shape: tuple[int, ...],
    whole_page: bool,
    near: float | None,
) -> tuple[float, Keystone | None]:
    """`level` from the page's ink points (`ink_points`)."""
    if near is not None:
        found = skew_of(xs, ys, max_angle=WIDE_STEP, around=-near)
        return (near if found is None else found), None
    if whole_page and (turned := turned_skew(xs, ys)) is not None:
        return turned, None
    warped = keystone_of(xs, ys, factor, shape) or bow_of(xs, ys, factor, shape)
    return warped if warped is not None else (skew_of(xs, ys) or 0.0, None)


# A line across the whole image (its ink reaching across ACROSS_SHARE of the image's width
# along a row at the skew found) is a fold's crease or its shadow, or a streak: it may lie off
# the page's print, and it outweighs print (a crease 1.5 degrees off it levelled the page by
# itself, its rules left tilted and not found, numbers on them lost). At most ACROSS_MOST of
# them (more are a ruled sheet's own lines), none thicker than ACROSS_THICKEST rows (a desk
# round a photographed sheet, a dark band); the rest of the ink levels the page instead where
# it lies CROSSING_APART degrees or more otherwise, and the ink on neither's lines agrees
# (`level`). Reach, not the number of points: a title's thick underline across four fifths of
# a form, or two fields' underlines side by side, hold as many points as a thin line across
# all of it, and every page of `benchmarks/run.py` was levelled twice for them.
ACROSS_SHARE = 0.85
ACROSS_MOST = 4
ACROSS_THICKEST = 8  # rows of the reduced page (`ink_points`): 16 pixels of a page read at 200 dpi
CROSSING_APART = 1.0
# Columns of the reduced page looked at together for a line's ink: a page of more than
# MAX_SAMPLES ink points keeps a share of them, and a thin line may keep none in a column
# (with a third kept, a stretch of 8 columns of a line a point thick keeps none at odds of (2/3)^8: 1 in 26).
ACROSS_STRETCH = 8


def across_lines(xs: np.ndarray, ys: np.ndarray, angle: float, width: int) -> np.ndarray:
    """Which ink points lie on a line across the whole image at `angle` (as `level` answers):
    rows where ink, with the rows either side, lies in ACROSS_SHARE of the stretches of
    ACROSS_STRETCH columns of the image's `width` (`ink_points`), and the rows either side of
    those (the line's thickness); none where more than ACROSS_MOST lines are, or one thicker
    than ACROSS_THICKEST."""
    rows = point_rows(xs, ys, -angle)  # in the points' own sense
    stretches = ((xs + width / 2) // ACROSS_STRETCH).astype(np.int64)
    inked = np.zeros((rows.max() + 1, stretches.max() + 1), bool)
    inked[rows, stretches] = True
    # Three rows together: a line turned by a little more or less than the angle, or thinned
    # when the page was reduced, lies half in one row and half in the next.
    held = inked.copy()
    held[1:] |= inked[:-1]
    held[:-1] |= inked[1:]
    runs = true_runs(held.sum(axis=1) >= ACROSS_SHARE * np.ceil(width / ACROSS_STRETCH))
    lines = np.zeros(len(held) + 1, bool)
    if len(runs) > ACROSS_MOST or any(end - first > ACROSS_THICKEST for first, end in runs):
        return lines[rows]
    for first, end in runs:
        lines[max(0, first - 1) : end + 1] = True
    return lines[rows]


def skews_apart(xs: np.ndarray, ys: np.ndarray, third: np.ndarray) -> tuple[float, float, float] | None:
    """The skews of the three thirds of a page's ink points (`third`: each point's, 0-2) where
    the first and last are KEYSTONE apart or more and the middle's lies between them (one
    straightening levels them all); else None, as where a third does not speak."""
    # Every other point: the test needs a third's skew to a tenth of a degree; the straightening
    # (rare) is measured on all of them.
    first, last = (skew_of(xs[third == k], ys[third == k], sparse=2) for k in (0, 2))
    if first is None or last is None or abs(first - last) < KEYSTONE:
        return None
    first, middle, last = (skew_of(xs[third == k], ys[third == k]) for k in range(3))
    if first is None or middle is None or last is None or abs(first - last) < KEYSTONE:
        return None
    if not min(first, last) <= middle <= max(first, last):
        return None
    return first, middle, last


def keystone_of(
    xs: np.ndarray, ys: np.ndarray, factor: int, shape: tuple[int, ...]
) -> tuple[float, Keystone] | None:
    """From the page's ink points, its middle third's skew and its keystone; None on a flat page
    (or one whose thirds do not all speak, or whose middle third does not lie between the
    others: one spread would not level it)."""
    height, width = shape[:2]
    third = height // 3
    if third < KEYSTONE_ROWS:
        return None
    skews = skews_apart(xs, ys, np.minimum(ys // (third / factor), 2))
    if skews is None:
        return None
    top, middle, bottom = skews
    top_slope, bottom_slope = np.tan(np.deg2rad(top)), np.tan(np.deg2rad(bottom))
    spread = (bottom_slope - top_slope) / (2 * third)  # the thirds' middles lie this far apart
    return middle, Keystone(float(spread), (width / 2, height / 2))


def bow_of(
    xs: np.ndarray, ys: np.ndarray, factor: int, shape: tuple[int, ...]
) -> tuple[float, Keystone] | None:
    """From the page's ink points, its middle third's skew and how its rows bow (`Keystone.bow`):
    a sheet photographed curled (a page lifted off the table, bent along its fold) tilts its
    rules one way at its left and the other at its right, by degrees at the edges; one skew
    levels the middle, and leaves the boxes beside the margins tilted too far for their rules
    to be found (their sides were read as 1s beside the number, accepted). The left and right
    thirds' skews, KEYSTONE apart or more, the middle's between, give the bow; None on a flat
    page (or one whose thirds do not all speak, or whose rows the bow levels no better than
    one skew)."""
    width = shape[1]
    third = width // 3
    if third < KEYSTONE_ROWS:
        return None
    # xs run from the middle column of the page reduced `factor` times
    skews = skews_apart(xs, ys, np.clip(np.floor((xs * factor + width / 2) / third), 0, 2))
    if skews is None:
        return None
    left, middle, right = skews
    # From the left third's middle to the right's, 2 * third columns apart, a rule's slope grows
    # evenly, by g a column: its rows then lie g / 2 * c**2 lower c columns out (`bow` = g / 2).
    bow = float((np.tan(np.deg2rad(right)) - np.tan(np.deg2rad(left))) / (2 * third) / 2)
    # A bow must earn its keep: the rows bowed back sharper than one skew makes them (a page
    # shaded by a coarse printed screen had its thirds' skews apart too: bowed, it lost six
    # fields; on the curled pages of `benchmarks/scans.py` the bow sharpened them 4-58%).
    single = skew_of(xs, ys) or 0.0
    if profile_sharpness(xs, ys, -middle, bow * factor) <= profile_sharpness(xs, ys, -single):
        return None
    return middle, Keystone(0.0, (width / 2, shape[0] / 2), bow)


def straighten(binary: np.ndarray, keystone: Keystone) -> np.ndarray:
    """The page with every line level (`Keystone`), nearest pixels, paper beyond its edges."""
    height, width = binary.shape
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    rows = keystone.source_row(xs, ys).astype(np.float32)
    return cv2.remap(binary, xs, rows, cv2.INTER_NEAREST, borderValue=0)


def levelled_region(
    gray: np.ndarray,
    angle: float,
    keystone: Keystone | None,
    box: tuple[int, int, int, int],
    step: int = 1,
) -> np.ndarray:
    """The pixels `rotate` by `angle` (then `straighten` by `keystone`) would put in `box`
    (x, y, width, height) of the levelled page, every `step`-th each way, taken from `gray` as
    it was before: one region's worth of the grey page levelled, not the whole page's.
    Bilinear; beyond the page, its nearest edge."""
    x, y, width, height = box
    inverse = cv2.invertAffineTransform(rotation_matrix(gray.shape, angle))
    if keystone is None:  # one affine map from the region's pixels to the page's
        sampled = inverse @ np.array([[step, 0, x], [0, step, y], [0, 0, 1]], np.float64)
        size = (len(range(0, width, step)), len(range(0, height, step)))
        return cv2.warpAffine(
            gray,
            sampled,
            size,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
    xs, ys = np.meshgrid(
        np.arange(x, x + width, step, dtype=np.float32), np.arange(y, y + height, step, dtype=np.float32)
    )
    ys = keystone.source_row(xs, ys).astype(np.float32)
    source_x = (inverse[0, 0] * xs + inverse[0, 1] * ys + inverse[0, 2]).astype(np.float32)
    source_y = (inverse[1, 0] * xs + inverse[1, 1] * ys + inverse[1, 2]).astype(np.float32)
    return cv2.remap(gray, source_x, source_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def unstraighten_box(box: tuple[int, int, int, int], keystone: Keystone) -> tuple[int, int, int, int]:
    """A box on the straightened page mapped back to the levelled page (its axis-aligned hull)."""
    x, y, w, h = box
    columns = np.linspace(x, x + w, 5)  # a bowed row is lowest or highest between its ends
    xs, ys = np.concatenate([columns, columns]), np.repeat(np.array([y, y + h], np.float64), 5)
    rows = keystone.source_row(xs, ys)
    top, bottom = int(np.floor(rows.min())), int(np.ceil(rows.max()))
    return x, top, w, bottom - top
