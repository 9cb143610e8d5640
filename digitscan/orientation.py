"""Which way up a page is: 0, 90, 180 or 270 degrees, from its glyphs and the classifier.

Sideways pages are told by geometry: digits and letters stand side by side along a text
line, so a glyph's nearest neighbour lies beside it on an upright page and above or below it
on a page turned a quarter; as a column of one-digit answers stands the same way, the
classifier must also read the marks more surely turned a quarter (`pipeline`). Which way up a
page stands, and which quarter a sideways one turns, its text lines say first
(`baseline_excess`): type and handwriting stand on a baseline, whatever their letters, so they
need no reading, and where they are clear (nearly every form with words on it) they decide.
Where they are not (handwriting alone, all capitals) the classifier tells upright from upside
down by how sure it is: the right way up, a digit reads as a digit and a printed letter as
"not a digit", both with probabilities near 1; upside down, both read as something in between
(a turned 7 as a weak 2 or L, a turned letter as a weak digit). Lines of type are left out of
that: a form's titles would drown the handwriting. A page of 0s, 1s and 8s, or of slanted
type, reads about as surely both ways up; its lines do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np

from digitscan.classify import NOT_DIGIT
from digitscan.recognize import LineReading
from digitscan.segment.lines import opened

MAX_SAMPLE = 64  # crops also read upside down: ~6 ms a page at ~10,000 crops/s
MIN_NEIGHBOURS = 6  # glyphs needed before their arrangement says anything
# Shares of glyphs whose nearest neighbour lies beside them rather than above or below.
# The eight samples/ pages measured 0.93-1.0 upright and 0.0-0.13 turned a quarter;
# under 0.35 is sideways.
SIDEWAYS_BELOW = 0.35
STACKED = 0.5  # glyph heights down a snippet's glyphs spread, at least, to stand on end
# A snippet holding a straight upright line this many times its width stands on end. Of
# ORAND-CAR-A's 216 validation amounts turned 90 degrees that `stands_on_end` missed (68), 38
# hold one at 2, 16 at 2.5, 8 at 3 (as they come, none is taller than wide).
ON_END_LINE = 2.5
# A number's digits stand apart by a fifth to two fifths of their height (0.15 to 0.45 on the
# pages of `benchmarks/underline.py`); on its side, as close one above another. ON_END_MARKS
# of them so close stand on end (`number_on_end`); one-digit answers written in a column
# stand a line apart (1.4 to 3 heights on `benchmarks/orientation.py`'s pages).
ON_END_GAP = 0.6
ON_END_MARKS = 3
# A 1 on its side is a flat bar too short to be a glyph; a mark too short (`Candidates.small`)
# at least ONE_ON_SIDE of the handwriting's height wide stands in the stack too (USPS's
# `900108` turned 270: its 1 parted the stack in two of two marks, read `0` and `2`, accepted).
ONE_ON_SIDE = 0.5
# A snippet taller than wide whose glyphs reach over under GLYPHS_REACH of the rows its marks
# (a third of its width tall or more) reach over is flagged: a field on its side that nothing
# stood on end in, its marks one above another read as one (ORAND-CAR-A's `80000` turned 90
# degrees: three 0s joined one above another, taller than the rest, read as an 8 at 0.99, the
# other marks too short beside it to be digits; accepted).
GLYPHS_REACH = 0.75
# Mean log-probability of each crop's likeliest class, upright minus upside down. The eight
# samples/ pages measured +0.03 to +0.09 upright and -0.03 to -0.10 turned; within
# UNSURE_WITHIN of zero the evidence is too thin either way (a page of 0s, 1s and 8s).
UNSURE_WITHIN = 0.02
FLOOR = 0.02
# A page is turned upside down on the evidence of at least this many handwritten marks; with
# fewer (a snippet of one field, a page of a few numbers) it is read as it comes (a page of a
# few numbers unless its digits read clearly surer turned a quarter: FEW_TURN_MARGIN), and flagged
# unless it reads surer as it is than turned any other way (a snippet also where it reads as
# another number upside down: BOTH_WAYS_SURE): a few marks of 0, 1, 6, 8 and 9
# read as surely upside down ("12000" as "00021"), and 3% of ORAND-CAR-A's training amounts
# turned half round were read so and accepted when only a snippet that read surer upside down
# by UNSURE_WITHIN was flagged; a page of two numbers turned a quarter reads its digits one by
# one, too few to tell sideways by, and its 0s as 0s (such a page: surer of digits,
# `digit_certainty`).
MIN_TO_TURN = 12  # a probability floor, so that a few odd marks cannot outweigh the rest
# A page of a few numbers (no snippet) whose marks read as digits surer turned a quarter than
# as they came, by FEW_TURN_MARGIN times `required_margin`, is read turned that way and flagged
# all the same, as a snippet on its side is: a person confirms its numbers as written instead
# of retyping garbage. A quarter only: turned a quarter, digits read as no digit, while upside
# down most still read as digits, and pages read better upside down than upright were turned
# half round on so few marks (the damaged marks of a digit cut in two, a ring round a printed
# YES). Twice the margin: at once it, and with the half turn, 6 of the 1,600 upright numbers on
# pages of their own of `benchmarks/underline.py` were turned and read wrong; at twice, 2, both
# turned half round; with quarters only, none.
FEW_TURN_MARGIN = 2.0
# ...and only where, turned so, its marks read as digits at even odds or better (the geometric
# mean of their likeliest digits' probabilities): a page of `benchmarks/touching.py`'s touching
# pairs, each mark two digits that read as no digit every way, read surer turned a quarter, but
# at a mean log-probability of -1.28, and was turned, its eight numbers lost.
FEW_TURN_SURE = float(np.log(0.5))
FEW_TURN_MARKS = 3  # a page of two marks (a 5 and a touching pair, `540`) was turned on them
# A snippet of one field is read as it comes; where its marks also read as another number
# turned half round, each a digit at BOTH_WAYS_SURE or more (0, 1, 2, 5, 6, 8 and 9 can:
# ORAND-CAR-A's `60` upside down read `09` at 1.00, `2068` `8902` at 0.91, both accepted),
# which way up it was written only a person can tell, and it is flagged. On the classifier's
# own probabilities, at the default `--min-confidence`'s figure: at 0.9 the validation amounts
# as they come lost 7 of their 89 accepted, one wrong by its annotation (`178` read `198`), and
# those turned half round both of theirs; at 0.95 one stayed.
BOTH_WAYS_SURE = 0.9
# ...unless the string reader, which reads the whole string at once (its digits' run and
# spacing, not each mark alone), reads it as it came surer than turned half round by
# LINE_SURER (the mean log-probability of its digits), two digits or more. Of ORAND-CAR-A's
# amounts as they come that this doubt alone flagged, it settles 5 of the 10 validation ones
# (by 0.05-0.24) and 20 of the 43 training ones, all read right; of those fed upside down that
# it alone flagged, none of 8 and 20. The amounts that read as another number either way
# (`60` and `09`, `9365` and `5986`, `11653` and `85911`, and `178`, read `198`) lie within
# 0.003 of a tie: LINE_SURER keeps well clear of them. A single digit says too little: on a
# page of one-digit answers fed upside down, a 4 as it came beat the 7 it read turned by 0.56.
LINE_SURER = 0.05
# Latin type and handwriting stand on a baseline: a text line's marks share their bottoms
# (but for g j p q y) far more than their tops (capitals, b d f h k l t and figures over the
# lower-case letters; a digit taller than the rest on the line it is written on). Upside down
# the line's ragged edge is at the bottom. A mark is off a line's top (the median of its marks'
# tops) or bottom when it is OFF_LINE of the line's height from it: the ascenders of slanted
# type rise a quarter of its line's height over its small letters (0.3 missed them), print's
# overshoot and a scan's pixel steps are far less. A line needs LINE_MARKS marks for its
# medians to mean anything.
LINE_MARKS = 4
OFF_LINE = 0.15
# Marks off the top but on the bottom minus the other way round, in standard deviations of a
# fair coin over as many marks (a sign test): from 3 on (p < 0.003 that the excess is chance)
# the lines' shape decides.
LINES_DECIDE = 3.0


# A first look at a page (`pipeline.glance_turn`) keeps the marks of about its text's size:
# from TEXT_SMALLEST of their median height (lower-case letters, not an i's dot, which stands
# off its line's bottom and would count as a ragged top) to TEXT_TALLEST of it and at most
# TEXT_WIDEST of it across (not rules, boxes or pictures); the median of those of
# TEXT_MIN_PIXELS high or more (not dust).
TEXT_SMALLEST = 0.35
TEXT_TALLEST = 3.0
TEXT_WIDEST = 4.0
TEXT_MIN_PIXELS = 3


def text_sized(boxes: np.ndarray) -> np.ndarray:
    """The boxes (x, y, w, h rows) of about a page's text's size (`TEXT_SMALLEST`)."""
    heights = boxes[:, 3]
    if not (heights >= TEXT_MIN_PIXELS).any():
        return boxes[:0]
    typical = float(np.median(heights[heights >= TEXT_MIN_PIXELS]))
    keep = (
        (heights >= max(TEXT_MIN_PIXELS, TEXT_SMALLEST * typical))
        & (heights <= TEXT_TALLEST * typical)
        & (boxes[:, 2] <= TEXT_WIDEST * typical)
    )
    return boxes[keep]


@dataclass(frozen=True)
class Verdict:
    """Turn the page by `turn` degrees clockwise to read it (0 or 180; 90 or 270 only for a
    page of a few numbers, `upright_or_upside_down`); `unsure` when the evidence could not
    tell the ways apart."""

    turn: int
    unsure: bool


def turn_image(image: np.ndarray, degrees: int) -> np.ndarray:
    """The image turned clockwise by a multiple of 90 degrees."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    degrees %= 360
    return image if degrees == 0 else cv2.rotate(image, codes[degrees])


def unturn_box(
    box: tuple[int, int, int, int], turned_shape: tuple[int, ...], degrees: int
) -> tuple[int, int, int, int]:
    """A box on the page turned clockwise by `degrees` mapped back to the page as loaded."""
    x, y, w, h = box
    rows, cols = turned_shape[:2]
    degrees %= 360
    if degrees == 90:  # the loaded page's row r became the turned page's column cols-1-r
        return y, cols - x - w, h, w
    if degrees == 180:
        return cols - x - w, rows - y - h, w, h
    if degrees == 270:  # the loaded page's column c became the turned page's row rows-1-c
        return rows - y - h, x, h, w
    return box


def side_by_side_share(boxes: np.ndarray) -> float | None:
    """Share of glyphs (x, y, w, h rows) whose nearest neighbour is more beside them than
    above or below; None with too few glyphs to tell."""
    if len(boxes) < MIN_NEIGHBOURS:
        return None
    centres = boxes[:, :2] + boxes[:, 2:4] / 2.0
    sample = centres[:: max(1, len(centres) // 400)]  # 400 are plenty; bounds the n^2 below
    dx = sample[:, None, 0] - sample[None, :, 0]
    dy = sample[:, None, 1] - sample[None, :, 1]
    distance = dx * dx + dy * dy
    np.fill_diagonal(distance, np.inf)
    nearest = distance.argmin(axis=1)
    rows = np.arange(len(sample))
    return float((np.abs(dx[rows, nearest]) > np.abs(dy[rows, nearest])).mean())


def is_sideways(boxes: np.ndarray) -> bool:
    share = side_by_side_share(boxes)
    return share is not None and share < SIDEWAYS_BELOW


def stands_on_end(boxes: np.ndarray, height: float) -> bool:
    """Whether the glyphs (x, y, w, h rows) of a snippet of one field stand above one another:
    their centres spread more down than across, and by more than STACKED glyph heights. A
    field is written along one line, so such a snippet is on its side (too few glyphs for
    `is_sideways`: ORAND-CAR-A's 1,080 amounts turned a quarter either way stood so in 1,352
    of the 1,416 with two glyphs or more, upright or upside down in none of 2,070)."""
    if len(boxes) < 2:
        return False
    centres = boxes[:, :2] + boxes[:, 2:4] / 2.0
    down, across = np.ptp(centres[:, 1]), np.ptp(centres[:, 0])
    return bool(down > across and down > STACKED * height)


def number_on_end(boxes: np.ndarray) -> bool:
    """Whether ON_END_MARKS marks (x, y, w, h rows) or more stand one below another, each under
    ON_END_GAP of the taller's height below the one above and across from it by half the
    narrower's width or more: a number written along a line, on its side. One-digit answers
    written in a column stand a line apart."""
    order = boxes[np.argsort(boxes[:, 1])]
    longest = np.ones(len(order), int)  # the longest such run of marks ending at each
    for below in range(len(order)):
        x, y, w, h = order[below]
        for above in range(below):
            ax, ay, aw, ah = order[above]
            gap = y - (ay + ah)
            across = min(x + w, ax + aw) - max(x, ax)
            if -0.5 * min(h, ah) <= gap < ON_END_GAP * max(h, ah) and across >= 0.5 * min(w, aw):
                longest[below] = max(longest[below], longest[above] + 1)
    return bool(len(order)) and int(longest.max()) >= ON_END_MARKS


def line_on_end(binary: np.ndarray) -> bool:
    """Whether a snippet of one field (its ink, 255) is taller than wide and holds a straight
    upright line ON_END_LINE times as long as it is wide: the line its field was written on,
    stood on end. Turned a quarter, the line joins the digits standing on it into one mark, and
    `stands_on_end` has no marks to go by (56 of ORAND-CAR-A's 216 amounts turned 90 degrees
    came out one mark, 55 of them two or more as they come)."""
    height, width = binary.shape[:2]
    if height <= width:
        return False
    return bool(opened(binary, 1, round(ON_END_LINE * width)).any())


def glyphs_fall_short(glyphs: np.ndarray, marks: np.ndarray, shape: tuple[int, ...]) -> bool:
    """Whether a snippet of `shape`, taller than wide, has its glyphs (x, y, w, h rows) reach over
    under GLYPHS_REACH of the rows its glyphs and its other `marks` a third of its width tall or
    more reach over: ink along its length that is read as nothing."""
    height, width = shape[:2]
    if height <= width or not len(glyphs):
        return False
    sized = marks[marks[:, 3] >= width / 3]
    every = np.vstack([glyphs, sized]).astype(int)
    first, last = every[:, 1].min(), (every[:, 1] + every[:, 3]).max()
    reached = np.zeros(height, bool)
    for _, y, _, h in glyphs.astype(int):
        reached[y : y + h] = True
    return bool(reached[first:last].mean() < GLYPHS_REACH)


def sample_indices(count: int) -> np.ndarray:
    """At most MAX_SAMPLE glyphs spread evenly over the page's reading order."""
    if count == 0:
        return np.zeros(0, int)
    return np.linspace(0, count - 1, min(count, MAX_SAMPLE)).round().astype(int)


def certainty(probabilities: np.ndarray) -> float:
    """Mean log-probability of each crop's likeliest class, "not a digit" included."""
    return float(np.log(np.maximum(probabilities.max(axis=1), FLOOR)).mean())


def digit_certainty(probabilities: np.ndarray) -> float:
    """Mean log-probability of each crop's likeliest digit, "not a digit" left out."""
    return certainty(probabilities[:, :NOT_DIGIT])


def reads_both_ways(upright: np.ndarray, upside_down: np.ndarray) -> bool:
    """Whether crops (in reading order) read upside down as another number, each of its digits
    at BOTH_WAYS_SURE or more: a `60` as `09` (an `8` or a `69` reads the same either way up)."""
    turned = upside_down[:, :NOT_DIGIT]
    if not len(turned) or (turned.max(axis=1) < BOTH_WAYS_SURE).any():
        return False
    return not np.array_equal(turned.argmax(axis=1)[::-1], upright.argmax(axis=1))


def line_reads_upright(as_read: LineReading, upside_down: LineReading | None) -> bool:
    """Whether the string reader, reading a snippet's string as it came (`as_read`) and turned
    half round (`upside_down`; None: not read so), reads two digits or more as it came,
    LINE_SURER surer."""
    if upside_down is None:
        return False
    return len(as_read.text) >= 2 and as_read.score > upside_down.score + LINE_SURER


class HalfTurnCheck(Enum):
    """What the string reader, reading each string also turned half round, may do to a page's
    `orientation-unsure` flag: nothing (NONE); lift it from a string it reads surer as it
    came, where the flag is a snippet's doubt of which way up alone (LIFT,
    `line_reads_upright`); raise it on a page of a few numbers read as it came, not flagged,
    whose strings it reads as surely upside down (RAISE, `lines_read_surer_upside_down`)."""

    NONE = "none"
    LIFT = "lift"
    RAISE = "raise"


def lines_read_surer_upside_down(readings: Sequence[tuple[LineReading, LineReading | None]]) -> bool:
    """Whether the string reader reads a page's strings (each as it came and turned half
    round), all told, at least as surely upside down as they came: the sum of their score
    margins (`LineReading.score`) is not above 0. The classifier, reading a few marks one by
    one, was surer of some pages upside down (a `589` read `385` at 0.94, `901 561 99000` read
    `00066 1079 106`); the string reader, reading a string's digits together, reads them
    surer the way they were written. Pages of one six-digit number (`benchmarks/underline.py`,
    1,600 upright and 1,600 turned half round): of the 73 turned ones read as they came and not
    flagged, 67 are at 0 or under (37 at -0.05: a margin lets most through); of the 1,563
    upright ones read as they came, 68, of which 12 had been accepted (all right)."""
    margins = [
        as_read.score - upside_down.score
        for as_read, upside_down in readings
        if upside_down is not None and (as_read.text or upside_down.text)
    ]
    return bool(margins) and sum(margins) <= 0


def required_margin(marks: int) -> float:
    """How much surer a reading turned must be to turn the page: UNSURE_WITHIN with a full
    sample, more with fewer marks (the mean of fewer varies more). Pages of eight one-digit
    answers in a column measured up to +0.044 turned a quarter; sideways forms +0.03 to +0.18
    with a full sample."""
    return UNSURE_WITHIN * float(np.sqrt(MAX_SAMPLE / max(1, marks)))


def upright_or_upside_down(
    upright: np.ndarray, upside_down: np.ndarray, quarter_turned: Sequence[np.ndarray] = ()
) -> Verdict:
    """From the classifier's probabilities for the same crops read both ways up (and, for a
    page of too few marks to turn on that is no snippet, `quarter_turned`: read as if the page
    were turned 90 and 270 degrees clockwise, in that order)."""
    if len(upright) == 0:
        return Verdict(0, False)
    margin = certainty(upright) - certainty(upside_down)
    if len(upright) < MIN_TO_TURN and not quarter_turned:  # a snippet: never turned on so few
        either_way = certainty(upright) <= certainty(upside_down) or reads_both_ways(upright, upside_down)
        return Verdict(0, either_way)
    if len(upright) < MIN_TO_TURN:
        # A page of a few numbers is judged by how surely its marks read as digits: turned a
        # quarter, a number's digits stand one above another and read surely as "not a
        # digit", which `certainty` counts as sure (`387`, `09` and `765` turned 90 degrees, 5
        # of their 8 marks rejected at 0.9 or more, read surer as they came than turned back,
        # and two strings `0` were accepted). Not a snippet: ORAND-CAR-A's amounts turned half
        # round and so judged accepted one more wrong.
        sure = digit_certainty(upright)
        sideways = [(way, digit_certainty(read)) for way, read in zip((90, 270), quarter_turned, strict=True)]
        turn, surest = max(sideways, key=lambda way: way[1])
        if len(upright) >= FEW_TURN_MARKS and surest > max(
            sure + FEW_TURN_MARGIN * required_margin(len(upright)), FEW_TURN_SURE
        ):
            return Verdict(turn, True)
        return Verdict(0, sure <= max(surest, digit_certainty(upside_down)))
    turn = margin < -required_margin(len(upright))
    looks_turned = margin < -UNSURE_WITHIN and not turn  # but on too few marks to act on
    return Verdict(180 if turn else 0, abs(margin) <= UNSURE_WITHIN or looks_turned)


def baseline_excess(lines: Sequence[np.ndarray]) -> float:
    """Marks off their text line's top but on its bottom, minus those off its bottom but on
    its top, over the page's lines (each given as its marks' (x, y, w, h) rows), in standard
    deviations of a fair coin: positive upright, negative upside down, near 0 where the lines
    say nothing (handwriting alone, all capitals)."""
    ragged_top = ragged_bottom = 0
    for boxes in lines:
        if len(boxes) < LINE_MARKS:
            continue
        tops, bottoms = boxes[:, 1], boxes[:, 1] + boxes[:, 3]
        top, bottom = float(np.median(tops)), float(np.median(bottoms))
        near = OFF_LINE * (bottom - top)
        off_top, off_bottom = np.abs(tops - top) > near, np.abs(bottoms - bottom) > near
        ragged_top += int((off_top & ~off_bottom).sum())
        ragged_bottom += int((off_bottom & ~off_top).sum())
    marks = ragged_top + ragged_bottom
    return (ragged_top - ragged_bottom) / np.sqrt(marks) if marks else 0.0


def levelled(lines: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Text lines (each its marks' (x, y, w, h) rows) found on a page not levelled (a first
    look), sheared level by the page's skew: the median slope of its lines' tops and bottoms
    (least squares, lines of LINE_MARKS marks or more). A skew of a degree or two parts a
    line's tops by more than OFF_LINE over a few words: 4 of samples/' 8 pages said nothing
    unlevelled, each said which way up it stands levelled."""
    slopes = []
    for boxes in lines:
        if len(boxes) < LINE_MARKS:
            continue
        middles = boxes[:, 0] + boxes[:, 2] / 2
        middles -= middles.mean()
        if not middles.any():
            continue
        for edge in (boxes[:, 1], boxes[:, 1] + boxes[:, 3]):
            slopes.append(float(middles @ (edge - edge.mean()) / (middles @ middles)))
    slope = float(np.median(slopes)) if slopes else 0.0
    return [
        np.column_stack([b[:, 0], b[:, 1] - slope * (b[:, 0] + b[:, 2] / 2), b[:, 2], b[:, 3]]) for b in lines
    ]


def from_lines(excess: float, marks: int) -> Verdict | None:
    """The text lines' verdict from their `baseline_excess`, None where it does not decide. A
    page of fewer than MIN_TO_TURN handwritten marks (a snippet) is never turned, only flagged."""
    if abs(excess) < LINES_DECIDE:
        return None
    turn = excess < 0 and marks >= MIN_TO_TURN
    return Verdict(180 if turn else 0, excess < 0 and not turn)
