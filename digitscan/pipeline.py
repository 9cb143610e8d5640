"""Page -> readings: the only module that knows the order of the stages (a form's fields are
read through it one by one: `forms`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from digitscan import numbers, orientation, recognize, touching
from digitscan.calibration import with_temperature
from digitscan.classify import (
    Classifier,
    Label,
    classify_crops,
    labels_from_probabilities,
    recalibrated,
    reporting_temperature,
)
from digitscan.containers import (
    BLURRED,
    CURRENCY_SIGN,
    FAINT_INK,
    INK_LEFT_OUT,
    MINUS_SIGN,
    ORIENTATION_UNSURE,
    PRINTED_SCREEN,
    READERS_DISAGREE,
    SHADE_EDGE,
    Box,
    Digit,
    DigitString,
    PageReading,
)
from digitscan.errors import CrowdedPage
from digitscan.normalize import LinePlacement, to_line, to_mnist
from digitscan.pages import Page, check_array, to_gray
from digitscan.reasons import shape_reasons
from digitscan.segment import binarize, components, deskew, faint, glyphs, lines, resample, streaks, strings

WORK_DPI = 200  # digits ~40 px tall: plenty for 28x28 crops, a quarter of the pixels of 400 dpi
# A first look at which way up a page stands (`glance_turn`): type 10 px high still shows its
# lines' ragged edge, at a quarter of WORK_DPI's pixels.
GLANCE_DPI = 100
GLANCE_LEAST_SIDE = 100  # pixels: never shrunk further, whatever dpi the file claims
GLANCE_MOST_MARKS = 2000  # forms hold at most ~450 marks (`components.MIN_COMPONENTS_TO_REFUSE`)
# A page under LOWEST_DPI is enlarged to WORK_DPI, unless its handwriting is already as tall
# as WORK_DPI makes it (a page's dpi is often a guess from its size: a photo, a crop): at
# 70-105 dpi a box side is a grey pixel wide, breaks up when thresholded, and its pieces read
# as 1s inside accepted fields. Snippets of one field keep their size: ORAND-CAR-A's amounts
# read enlarged lost 3 of 216 (the string reader learnt them as they come).
LOWEST_DPI = 150
# Handwriting shorter than this (pixels) once a page is reduced to WORK_DPI: read at a larger
# scale. On samples/ shrunk to 0.6 but said to be 300 dpi (writing 22-32 px at the work scale)
# 11% of the accepted fields were wrong; at 30 px, pages whose writing came out 30-32 px still
# read box sides as 1s. The generated form sets' writing measures 42 px and more: never re-read.
SMALL_WRITING = 36
RULES_MISSIZED = 2.0  # the glyph height rules were looked for at, this many times the one measured
TYPICAL_DIGIT_INCHES = 0.22  # ~5.5 mm: handwriting in form fields
LETTER_LONG_SIDE_INCHES = 11.4  # between Letter (11) and A4 (11.7): a guess when the file has no dpi
# The classifier learnt "not a digit" from as many marks as two digit classes (odds 2 against
# each digit); inside a digit string perhaps 1 mark in 50 is not a digit (odds ~0.2): a tenth.
IN_STRING_NOT_DIGIT_ODDS = 0.1


# A Letter or A4 page scanned at even LEAST_PAGE_DPI is over 400 pixels each way: an image
# with no resolution and a shorter side may be a snippet of one field, and is measured by its
# ink; one of those too small to be such a page at all is, whatever it holds. (Images over 400
# pixels each way are taken for pages still: crops 450 x 520 of samples/' forms measured by
# their ink were measured by their boxes, and a 9 cut by the crop's edge read 7, accepted.)
LEAST_PAGE_DPI = 50
SNIPPET_MAX_SIDE = 400


def page_dpi(page: Page, binarization: str = "floored") -> float:
    """The page's resolution: as the file says; for a field snippet (a cheque amount, a box
    cut by another system) or an image too small to be a page, from its handwriting's height;
    else as if it were a Letter page. (A 109x181 px cheque amount with paper round it, taken
    for a Letter page, was at 16 dpi: enlarged to WORK_DPI 12.6 times, its hatching read as
    digits.)"""
    if page.dpi:
        return page.dpi
    shortest, longest = sorted(page.image.shape[:2])
    if shortest <= SNIPPET_MAX_SIDE:
        binary = snippet_ink(page.image, binarization)
        height = rough_glyph_height(binary) or full_glyph_height(binary)
        if height and (holds_one_line(binary, height) or longest < LEAST_PAGE_DPI * LETTER_LONG_SIDE_INCHES):
            # Marks taller than the snippet's short side: it stands on end (turned a quarter),
            # its digits run together down its length; the short side is the line's height.
            return min(height, shortest) / TYPICAL_DIGIT_INCHES
    return longest / LETTER_LONG_SIDE_INCHES


def snippet_ink(image: np.ndarray, binarization: str) -> np.ndarray:
    """A snippet thresholded whole, for measuring: a window half its short side."""
    return binarize.binarize(image, window=max(15, min(image.shape[:2]) // 2 | 1), method=binarization)


def unframed(page: Page, binarization: str = "floored") -> tuple[Page, tuple[int, int]]:
    """A snippet cut out with its box's edges, some or all of them, cut again inside them
    (`lines.frame_sides`), and where what is left starts (x, y); any other page as it is, at
    (0, 0). Thresholded with its frame, the ink beside it came out otherwise, and its
    handwriting was measured with the frame (digits touching it joined to it): ORAND-CAR-A's
    amounts framed by a dark line 3 pixels thick, the frame cleared once thresholded, read
    74.54% exact against 80.56% as they came. A frame all round lighter than the handwriting
    (a box printed grey) is found on the grey, and a box all round with paper beyond it
    (`lines.box_all_round`, `light_box_all_round`)."""
    if min(page.image.shape[:2]) > SNIPPET_MAX_SIDE:
        return page, (0, 0)
    gray = to_gray(page.image)
    binary = snippet_ink(gray, binarization)
    # A side the thresholded ink shows keeps its depth: taken on the grey as well, the deeper
    # cut left 3 fewer of the amounts framed dark 2 or 3 pixels accepted (none more right).
    boxed = np.maximum(lines.box_all_round(binary), lines.light_box_all_round(gray, binary))
    top, bottom, left, right = (
        dark or int(box) for dark, box in zip(lines.frame_sides(binary), boxed, strict=True)
    )
    if not (top or bottom or left or right):
        return page, (0, 0)
    rows, cols = page.image.shape[:2]
    return replace(page, image=page.image[top : rows - bottom, left : cols - right]), (left, top)


def moved(box: Box, start: tuple[int, int]) -> Box:
    """A box on a snippet's inside (`unframed`, from `start`) on the snippet as loaded."""
    return replace(box, x=box.x + start[0], y=box.y + start[1])


def framed_back(reading: PageReading, start: tuple[int, int], shape: tuple[int, ...]) -> PageReading:
    """The reading of a snippet's inside (`unframed`, from `start`) on the snippet as loaded
    (`shape`)."""
    strings = tuple(
        replace(
            s, box=moved(s.box, start), digits=tuple(replace(d, box=moved(d.box, start)) for d in s.digits)
        )
        for s in reading.strings
    )
    return replace(reading, width=shape[1], height=shape[0], strings=strings)


def rereading_scale(dpi: float, scale: float, glyph_height: float) -> float | None:
    """The scale (of the page as loaded) to read a page at again, or None; a snippet of one
    line (`holds_one_line`) is not asked: it keeps its size. A page under LOWEST_DPI whose
    handwriting is shorter than WORK_DPI makes it is enlarged to WORK_DPI; one reduced to
    WORK_DPI whose handwriting came out under SMALL_WRITING pixels (small boxes, a form printed
    small) is read again at the scale that makes it as tall as WORK_DPI's usual handwriting,
    past the scan's own resolution if need be. `glyph_height`: at `scale`."""
    usual = TYPICAL_DIGIT_INCHES * WORK_DPI
    if dpi * scale < LOWEST_DPI and glyph_height < usual:
        return WORK_DPI / dpi
    if scale < 1 and glyph_height < SMALL_WRITING:
        return scale * usual / glyph_height
    return None


def to_work_scale(gray: np.ndarray, scale: float) -> np.ndarray:
    """The page reduced by `scale` (< 1): by whole blocks first (OpenCV's fast exact path), then
    by linear interpolation for the rest, which is at most a halving, so no pixel is left out.
    At 300 dpi that is all linear: on samples/ and three larger generated sets it read 4 more
    fields than area averaging (strokes stay crisper), in a fifth of the time."""
    blocks = max(1, int(1 / scale))
    if blocks > 1:
        gray = resample.shrink(gray, blocks)
    size = (round(gray.shape[1] * scale * blocks), round(gray.shape[0] * scale * blocks))
    if size == (gray.shape[1], gray.shape[0]):
        return gray
    return cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR)


def holds_one_line(binary: np.ndarray, glyph_height: float) -> bool:
    """Whether a snippet's ink is one line of handwriting: under `glyphs.SNIPPET` times
    `glyph_height` high, or times the height of the glyph-shaped mark that holds the median
    pixel of such marks' ink (`inkiest_height`), whichever is taller."""
    least = min(binary.shape) / glyphs.SNIPPET  # the least height of one line's handwriting
    return glyph_height > least or inkiest_height(binary) > least


def inkiest_height(binary: np.ndarray) -> float:
    """The height of the glyph-shaped mark (`glyphs.glyph_shaped`) holding the median pixel of
    such marks' ink; 0 where there are none. A cheque's hatching, thresholded, is hundreds of
    specks that sway a typical height however it is taken (ORAND-CAR-A's `1000` on hatched
    paper, turned 3 degrees, measured 12 px with its `1` 36 px tall, and was read as a page,
    its hatching as digits), but they hold little of the ink."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    widths, heights, areas = (
        stats[1:, cv2.CC_STAT_WIDTH],
        stats[1:, cv2.CC_STAT_HEIGHT],
        stats[1:, cv2.CC_STAT_AREA],
    )
    shaped = glyphs.glyph_shaped(heights, widths)
    if not shaped.any():
        return 0.0
    order = np.argsort(heights[shaped])
    ink = np.cumsum(areas[shaped][order])
    return float(heights[shaped][order][np.searchsorted(ink, ink[-1] / 2)])


def full_glyph_height(binary: np.ndarray) -> float:
    """Typical glyph height at full resolution: for a snippet whose handwriting, under about
    24 px, is too short at half resolution to count as glyphs (`typical_height` asks for 6 px):
    ORAND-CAR-A's amounts at half their size were read as Letter pages at 9 dpi, their
    cheques' hatching as marks."""
    boxes = components.boxes_of(binary)
    return glyphs.typical_height(boxes[:, 3], boxes[:, 2])


def rough_glyph_height(binary: np.ndarray) -> float:
    """Typical glyph height, measured at half resolution: only the rules' kernel sizes need it."""
    half = resample.shrink(binary, 2)
    _, solid = cv2.threshold(half, 0, 255, cv2.THRESH_BINARY)  # any ink in the 2x2 block
    return 2 * full_glyph_height(solid)


@dataclass(frozen=True)
class Candidates:
    """A page made ready for reading: levelled, thresholded, ruled lines gone, its glyphs
    found and cropped. Boxes here are in pixels of the levelled, reduced page."""

    binary: np.ndarray
    glyphs: list[glyphs.Glyph]
    crops: np.ndarray
    printed: set[int]  # glyphs in lines of type (strings.type_lines): a form's printed titles
    small: list[glyphs.Glyph]  # marks not read: too short (dots, dashes, pieces of a broken digit) or solid
    height: float
    rules: lines.Rules
    angle: float
    scale: float
    dots: list[glyphs.Glyph]  # dust big enough to be a written dot: separators, nothing else
    gray: np.ndarray  # the page as thresholded, before levelling (`deskew.levelled_region`)
    keystone: deskew.Keystone | None = None  # a page photographed at a slant, straightened
    cut: tuple[glyphs.Glyph, ...] = ()  # marks of a digit's size on the page's edge: not read
    huge: tuple[glyphs.Glyph, ...] = ()  # marks too large for digits (`glyphs.PageMarks`): not read
    descreened: bool = False  # read once a printed screen's dots were blurred away (`find_candidates`)
    blurred: bool = False  # its ink's edges smeared (`binarize.edge_spread`)
    one_line: bool = False  # its ink measured as one line before its rules were cleared (`holds_one_line`)

    @property
    def snippet(self) -> bool:
        """Whether the image is a snippet of one field: measured as one line, or under
        `glyphs.SNIPPET` glyph heights high."""
        return self.one_line or min(self.binary.shape) < glyphs.SNIPPET * self.height


def find_candidates(
    gray: np.ndarray, dpi: float, binarization: str, turned_from: float | None = None
) -> Candidates:
    """Binarise, level, clear the rules and find the glyphs of one page (no reading yet). A
    page refused for its thousands of marks is tried once more through a 3x3 median filter:
    scanner grain is finer than that, a form's strokes and print are not (samples/ with
    grey-level noise of sigma 10 lost one page of 13 to the refusal, at 14 ten, at 18 all);
    refused again, a last time with a printed screen's dots blurred away (`descreened`). A
    page refused for its share of ink is not: grain does not make a third of a page ink.
    `turned_from`: the page's wide skew as found before it was turned by quarters
    (`deskew.level`'s `near`)."""
    try:
        return candidates_of(gray, dpi, binarization, turned_from=turned_from)
    except CrowdedPage:
        pass
    try:
        return candidates_of(cv2.medianBlur(gray, 3), dpi, binarization, turned_from=turned_from)
    except CrowdedPage:
        screened = binarize.descreened(gray, threshold_window(dpi))
        if screened is None:
            raise
        seen = candidates_of(screened, dpi, binarization, turned_from=turned_from)
        return replace(seen, descreened=True, blurred=False)  # the blur of its screen is ours


def threshold_window(dpi: float) -> int:
    """The thresholding neighbourhood's side: a sixth of an inch, wider than any pen's stroke."""
    return max(15, round(dpi / 6))


def candidates_of(
    gray: np.ndarray, dpi: float, binarization: str, enlarge: bool = True, turned_from: float | None = None
) -> Candidates:
    """`find_candidates` without the second try; a page whose handwriting comes out small is
    read again at a larger scale (`enlarge`, `rereading_scale`)."""
    as_loaded = gray
    scale = min(1.0, WORK_DPI / dpi)
    if scale < 0.83:
        gray = to_work_scale(gray, scale)
    else:
        scale = 1.0
    window = threshold_window(dpi * scale)
    binary = binarize.binarize(gray, window=window, method=binarization)
    snippet = min(binary.shape) <= SNIPPET_MAX_SIDE
    binary = binarize.drop_border(binary, binarize.dark_border(gray, binary, window))
    # at the work scale, not enlarged, and before a printed screen is blurred even
    blurred = enlarge and binarize.edge_spread(gray, binary) >= binarize.BLURRED_FROM
    gray, binary = binarize.even_grounds(gray, binary, window)
    components.refuse_noise(binary)
    if snippet:  # a snippet's walls, before they sway the skew
        binary = lines.without_edge_walls(binary)
    # A page photographed at a slant has no one skew: it is turned by its middle's, then
    # straightened (`deskew.Keystone`).
    # A snippet is one field: a line of digits turned is a slope (`strings`), not a page turned.
    angle, keystone = deskew.level(binary, whole_page=not snippet, near=turned_from)
    outline = None
    if abs(angle) >= 0.1:
        binary = deskew.rotate(binary, angle, fill=0, nearest=True)
        outline = deskew.page_outline(binary.shape, angle)
    else:
        angle = 0.0
    if keystone is not None:
        binary = deskew.straighten(binary, keystone)
    dashed = lines.dashed_lines(binary)  # off the page before its dots are taken for its marks
    binary = cv2.bitwise_and(binary, cv2.bitwise_not(cv2.bitwise_or(dashed.horizontal, dashed.vertical)))
    measured = rough_glyph_height(binary)
    one_line = snippet and bool(measured) and holds_one_line(binary, measured)
    better = rereading_scale(dpi, scale, measured) if enlarge and measured and not one_line else None
    if better is not None:
        if better > 1:
            rescaled = cv2.resize(as_loaded, None, fx=better, fy=better, interpolation=cv2.INTER_CUBIC)
        else:
            rescaled = to_work_scale(as_loaded, better) if better < 1 else as_loaded
        seen = candidates_of(rescaled, WORK_DPI, binarization, enlarge=False, turned_from=turned_from)
        return replace(seen, scale=seen.scale * better, blurred=blurred)
    # Where every digit touches a rule nothing looks like a glyph yet: then assume the usual
    # handwriting size for the resolution, and measure again once the rules are gone.
    guess = measured or TYPICAL_DIGIT_INCHES * dpi * scale
    rules = lines.find_rules(binary, guess, dashed)
    cleaned = lines.remove_rules(binary, rules)
    marks = glyphs.find_glyphs(cleaned, outline, keep_edges=one_line)
    if marks.glyphs and (
        guess > RULES_MISSIZED * marks.height or (measured and marks.height > RULES_MISSIZED * guess)
    ):
        # The rules were looked for at a size the glyphs are not: a grid's rules, joined into
        # one mark the page's height, were taken for its handwriting (short lengths of its rules
        # then too short to be rules); or every digit of a number sits on its underline, one
        # mark with it, and the page's loose bits of digits were measured for its handwriting
        # (the bars of its 7s and 5s then long enough to be rules, its stems boxes' sides:
        # `737518` read as `52` and `315`). Looked for again at the glyphs' size, measured
        # without them. Not where the usual size was assumed, nothing measured: 1s filling the
        # cells of a comb, looked for again at their own size, are a cell's sides.
        rules = lines.find_rules(binary, marks.height, dashed)
        cleaned = lines.remove_rules(binary, rules)
        marks = glyphs.find_glyphs(cleaned, outline, keep_edges=one_line)
    binary, height = cleaned, marks.height
    merged = glyphs.merge_broken(marks.glyphs, height)
    found, solid = glyphs.blots(glyphs.digit_sized(merged, height))
    small = [glyph for glyph in merged if glyph.height < glyphs.MIN_HEIGHT * height] + solid
    printed = strings.type_lines(found, rules.sides) if found else set()
    return Candidates(
        binary,
        found,
        glyphs.crops(found),
        printed,
        small,
        height,
        rules,
        angle,
        scale,
        marks.dots,
        gray,
        keystone,
        tuple(marks.cut),
        tuple(marks.huge),
        blurred=blurred,
        one_line=one_line,
    )


def glyph_boxes(found: list[glyphs.Glyph]) -> np.ndarray:
    return np.array([(g.x, g.y, g.width, g.height) for g in found], float).reshape(-1, 4)


def handwritten_sample(seen: Candidates) -> np.ndarray:
    """Indices of the glyphs (not in lines of type) the orientation tests read."""
    handwritten = np.array([i for i in range(len(seen.glyphs)) if i not in seen.printed], int)
    return handwritten[orientation.sample_indices(len(handwritten))]


def text_lines(marks: list[glyphs.Glyph], sides: Sequence[lines.Rect] = ()) -> list[np.ndarray]:
    """The boxes of a page's `marks` (small ones included: a line of type's lower-case letters)
    line by line, for `orientation.baseline_excess`."""
    return [glyph_boxes([marks[i] for i in run]) for run in strings.runs(marks, sides)]


def quarter_turned(marks: list[glyphs.Glyph], rows: int) -> list[glyphs.Glyph]:
    """The `marks` of a page `rows` high as they stand on it turned 90 degrees clockwise."""
    return [glyphs.Glyph(rows - g.bottom, g.x, g.height, g.width, np.rot90(g.mask, -1)) for g in marks]


def sideways_turn(seen: Candidates) -> int:
    """How far to turn a sideways page clockwise: 270 degrees where its text lines, turned 90,
    clearly stand upside down (`orientation.baseline_excess`); else 90, and the half-turn
    test that follows settles it (a third reading of the page where it turns)."""
    turned = quarter_turned(seen.glyphs + seen.small, seen.binary.shape[0])
    return 270 if orientation.baseline_excess(text_lines(turned)) <= -orientation.LINES_DECIDE else 90


def glance_marks(gray: np.ndarray, dpi: float, binarization: str) -> tuple[list[glyphs.Glyph], int]:
    """The marks of a page thresholded at about GLANCE_DPI, unlevelled, its rules left in
    (`orientation.text_sized` keeps those of about its text's size), and its rows there; none
    where there are more than a form holds (noise or a picture: the page stage refuses it, or
    reads it as it came)."""
    blocks = max(1, min(int(dpi // GLANCE_DPI), min(gray.shape[:2]) // GLANCE_LEAST_SIDE))
    # every `blocks`th pixel, near enough (a tenth of area averaging's time at 300 dpi): the
    # strokes of type and handwriting are wider than that
    size = (gray.shape[1] // blocks, gray.shape[0] // blocks)
    small = cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR) if blocks > 1 else gray
    ink = binarize.binarize(small, threshold_window(dpi / blocks), binarization)
    if cv2.countNonZero(ink) > components.MAX_INK_SHARE * ink.size:  # refused by the page stage
        return [], small.shape[0]
    boxes = orientation.text_sized(components.boxes_of(ink))
    if len(boxes) > GLANCE_MOST_MARKS:
        return [], small.shape[0]
    # each mark's mask is all the ink in its box: only its box counts here (`text_lines`)
    return [glyphs.Glyph(x, y, w, h, ink[y : y + h, x : x + w] > 0) for x, y, w, h in boxes], small.shape[0]


@dataclass(frozen=True)
class Glance:
    """A first look at a page (`glance_turn`): how far its text lines say to turn it clockwise
    (0 where they do not clearly say, and for a snippet), and the marks of about its text's
    size it looked at (none for a snippet)."""

    turn: int
    marks: list[glyphs.Glyph]


def glance_turn(image: np.ndarray, dpi: float, binarization: str) -> Glance:
    """How far a first look at a page's text lines says to turn it clockwise before it is
    found: sideways by its marks' arrangement (`orientation.is_sideways`), which quarter and
    which way up by the lines' ragged edge once levelled (`orientation.levelled`,
    `orientation.baseline_excess`). A turned page is so found once instead of found as it came
    and again turned: `see_upright` still asks the page found which way up it stands, and
    turns it on where the first look was wrong."""
    if min(image.shape[:2]) <= SNIPPET_MAX_SIDE:
        return Glance(0, [])
    marks, rows = glance_marks(image, dpi, binarization)
    sideways = orientation.is_sideways(glyph_boxes(marks))
    lines = orientation.levelled(text_lines(quarter_turned(marks, rows) if sideways else marks))
    excess = orientation.baseline_excess(lines)
    if sideways:
        turn = 90 if excess >= orientation.LINES_DECIDE else 270 if excess <= -orientation.LINES_DECIDE else 0
    else:
        turn = 180 if excess <= -orientation.LINES_DECIDE else 0
    return Glance(turn, marks)


# The crops' quarter turns counter-clockwise that show them as the page stands turned 0, 180,
# 90 and 270 degrees clockwise: the order `orientation.upright_or_upside_down` takes them in.
FOUR_WAYS = (0, 2, 3, 1)


def few_marks_quarter(marks: list[glyphs.Glyph], classifier: Classifier) -> int:
    """For a page of a few marks at the first look (`orientation.FEW_TURN_MARKS` up to
    `MIN_TO_TURN`), the quarter turn clockwise (90 or 270) its marks read clearly surer at as
    digits, by the test `see_upright` puts to a page of a few numbers found
    (`orientation.upright_or_upside_down`); else 0. A guess, confirmed on the page found so
    (`turned_as_found_would_be`): a page of a few numbers fed on its side was found as it came,
    read, and found again turned, 1.5-2x an upright page's time."""
    if not orientation.FEW_TURN_MARKS <= len(marks) < orientation.MIN_TO_TURN:
        return 0
    crops = glyphs.crops(marks)
    upright, upside_down, *quarters = (read_turned(classifier, crops, k) for k in FOUR_WAYS)
    turn = orientation.upright_or_upside_down(upright, upside_down, quarters).turn
    return turn if turn in (90, 270) else 0


def turned_as_found_would_be(
    seen: Candidates, probabilities: np.ndarray, classifier: Classifier, quarter: int
) -> bool:
    """Whether a page found turned `quarter` degrees clockwise (its crops read as
    `probabilities`) is a page of a few numbers that, found as it came, `see_upright` would
    turn so: its handwritten marks, turned back, read as digits clearly surer turned `quarter`
    (`orientation.upright_or_upside_down`, on the same views of the page as it came)."""
    sample = handwritten_sample(seen)
    if one_field(seen) or len(sample) >= orientation.MIN_TO_TURN:
        return False
    # views[k]: the crops turned k quarters counter-clockwise; the page as it came is these
    # turned back, `quarter` clockwise undone
    views = [probabilities[sample], *(read_turned(classifier, seen.crops[sample], k) for k in (1, 2, 3))]
    as_came = [views[(k + quarter // 90) % 4] for k in FOUR_WAYS]
    verdict = orientation.upright_or_upside_down(as_came[0], as_came[1], as_came[2:])
    return verdict == orientation.Verdict(quarter, True)


def read_turned(classifier: Classifier, crops: np.ndarray, quarter_turns: int) -> np.ndarray:
    """The classifier's probabilities for `crops` turned counter-clockwise `quarter_turns` times."""
    return classify_crops(classifier, np.rot90(crops, quarter_turns, axes=(1, 2)).copy())


def reads_better_turned(seen: Candidates, classifier: Classifier, quarter_turns: tuple[int, ...]) -> bool:
    """Whether the page's marks read clearly more surely turned by any of `quarter_turns`
    than as they are: what confirms a page whose marks stand above one another (a column of
    one-digit answers does too) is really on its side."""
    sample = handwritten_sample(seen)
    if len(sample) < orientation.MIN_TO_TURN:
        return False
    as_they_are = orientation.certainty(classify_crops(classifier, seen.crops[sample]))
    turned = [orientation.certainty(read_turned(classifier, seen.crops[sample], k)) for k in quarter_turns]
    return max(turned) > as_they_are + orientation.required_margin(len(sample))


def quarter_reading_surer(
    image: np.ndarray, dpi: float, binarization: str, classifier: Classifier
) -> tuple[int, Candidates]:
    """Which quarter turn clockwise (90 or 270 degrees) a snippet on its side reads surer at,
    and its candidates found so: found afresh each way, by how surely their handwritten marks
    read as digits (`orientation.digit_certainty`). Found afresh, not its marks turned: on its
    side, the line a field is written on stands upright and joins its digits into one mark,
    which reads as nothing either way (ORAND-CAR-A's 216 amounts turned 90 and 270 degrees were
    read the right way up 123 and 124 times, against 110 and 110 by their crops turned). The
    two ways are a half turn apart: read upside down, a digit that reads surely as "not a digit"
    is no evidence for that way (`orientation.certainty`, which counts it as sure: 100 and 98)."""
    found = []
    for rotation in (90, 270):
        seen = find_candidates(orientation.turn_image(image, rotation), dpi, binarization)
        sample = seen.crops[handwritten_sample(seen)]
        # all its marks set in type: nothing to tell by; flagged either way
        sureness = orientation.digit_certainty(classify_crops(classifier, sample)) if len(sample) else -np.inf
        found.append((sureness, rotation, seen))
    _, rotation, seen = max(found, key=lambda way: way[0])
    return rotation, seen


def read_page(
    page: Page,
    classifier: Classifier,
    binarization: str = "floored",
    pair_reader: Classifier | None = None,
    line_reader: Classifier | None = None,
) -> PageReading:
    """Every digit string on one page, in reading order, the page first turned the right way
    up (`orientation`). `binarization`: see segment.binarize; `pair_reader`
    (classify.load_pair_reader) reads touching pairs whole, in competition with cuts;
    `line_reader` (classify.load_line_reader) reads each string whole (`recognize`).
    InputFileError, naming the page's source, for an image no page can be (`check_array`)."""
    check_array(page.source, page.image)
    loaded = as_scanned_clean(page)
    page, start = unframed(loaded, binarization)
    seen, probabilities, rotation, flags, half_turn_check = see_upright(page, classifier, binarization)
    reading = read_candidates(
        page,
        seen,
        probabilities,
        classifier,
        pair_reader,
        rotation,
        flags,
        line_reader,
        one_field(seen),
        half_turn_check,
    )
    return reading if page is loaded else framed_back(reading, start, loaded.image.shape)


def as_scanned_clean(page: Page) -> Page:
    """The page as the stages expect it: dark on light (`as_written`) and without a feeder's
    streaks, down it or across it (`segment.streaks`). A snippet keeps its lines: one cut from a streaked page
    holds the streak from edge to edge, as one cut from a comb holds the comb's teeth."""
    page = as_written(page)
    if min(page.image.shape[:2]) <= SNIPPET_MAX_SIDE:
        return page
    cleared = streaks.without_any_streaks(page.image)
    return page if cleared is page.image else replace(page, image=cleared)


def as_written(page: Page) -> Page:
    """The page dark on light: a negative (a snippet light on dark, `binarize.light_on_dark`;
    a whole page filmed or scanned as one, `binarize.negative_page`) turned back, so that its
    ink is read as the ink; any other page as it is."""
    gray = to_gray(page.image)
    snippet = min(gray.shape) <= SNIPPET_MAX_SIDE
    if binarize.light_on_dark(gray) if snippet else binarize.negative_page(gray):
        return replace(page, image=255 - gray)
    return page if gray is page.image else replace(page, image=gray)


def one_field(seen: Candidates) -> bool:
    """Whether the image is a snippet of one field with glyphs on it (`Candidates.snippet`)."""
    return bool(seen.glyphs) and seen.snippet


def see_upright(
    page: Page, classifier: Classifier, binarization: str = "floored"
) -> tuple[Candidates, np.ndarray, int, tuple[str, ...], orientation.HalfTurnCheck]:
    """A page's candidates found the right way up, their probabilities, the page's rotation,
    its flags (`orientation-unsure`, `printed-screen`, `blurred`) and what the string reader
    may do to its orientation flag (`read_candidates`): lift a snippet's doubt of which way up
    alone, or raise it on a page of a few numbers read as it came."""
    dpi = page_dpi(page, binarization)
    # Found first turned as a first look at its text lines says (as it came, mostly): the
    # tests below turn it on from there where it needs it.
    glance = glance_turn(page.image, dpi, binarization)
    rotation = glance.turn
    quarter = 0 if rotation else few_marks_quarter(glance.marks, classifier)
    if quarter:
        # A page of a few numbers on its side, by its marks at the first look: found turned,
        # and read so where the page found says, as the page found as it came would have,
        # flagged all the same (`orientation.upright_or_upside_down`); else found as it came.
        seen = find_candidates(orientation.turn_image(page.image, quarter), dpi, binarization)
        probabilities = classify_crops(classifier, seen.crops)
        if turned_as_found_would_be(seen, probabilities, classifier, quarter):
            flags = (ORIENTATION_UNSURE, *scan_flags(seen))
            return seen, probabilities, quarter, flags, orientation.HalfTurnCheck.NONE
    seen = find_candidates(orientation.turn_image(page.image, rotation), dpi, binarization)
    wide = seen.angle if abs(seen.angle) >= deskew.EITHER_WAY_FROM and not seen.snippet else None
    boxes = glyph_boxes(seen.glyphs)
    on_end = one_field(seen) and (
        orientation.stands_on_end(boxes, seen.height) or orientation.line_on_end(seen.binary)
    )
    if on_end:
        # A snippet on its side is read turned the quarter its marks read surer, and flagged
        # all the same: too few marks to be sure of it, or of which way up it then stands.
        rotation, seen = quarter_reading_surer(page.image, dpi, binarization, classifier)
    elif orientation.is_sideways(boxes) and reads_better_turned(seen, classifier, (1, 3)):
        rotation = (rotation + sideways_turn(seen)) % 360
        seen = find_candidates(orientation.turn_image(page.image, rotation), dpi, binarization, wide)
    sample = handwritten_sample(seen)
    excess = orientation.baseline_excess(text_lines(seen.glyphs + seen.small, seen.rules.sides))
    verdict = orientation.from_lines(excess, len(sample))
    # The marks are read only once the text lines have had their say: a page they find upside
    # down is turned and found again before any of its marks is read the wrong way up.
    probabilities = None
    few = False
    if verdict is None:
        probabilities = classify_crops(classifier, seen.crops)
        # A page of a few numbers is also read turned a quarter: too few marks to tell sideways
        # by their arrangement (read turned where its digits read clearly surer so, flagged:
        # `orientation.FEW_TURN_MARGIN`). A snippet of one field is told so (`stands_on_end`),
        # and its 1s and 0s read as surely turned a quarter (6 of ORAND-CAR-A's 216 validation
        # amounts flagged so, all read right).
        few = len(sample) < orientation.MIN_TO_TURN and not one_field(seen)
        turns = FOUR_WAYS[1:] if few else FOUR_WAYS[1:2]  # as the page turned 180 (90, 270) clockwise
        upside_down, *quarter_turned = (read_turned(classifier, seen.crops[sample], k) for k in turns)
        verdict = orientation.upright_or_upside_down(probabilities[sample], upside_down, quarter_turned)
    if verdict.turn:
        rotation = (rotation + verdict.turn) % 360
        seen = find_candidates(orientation.turn_image(page.image, rotation), dpi, binarization, wide)
        probabilities = None
    if probabilities is None:
        probabilities = classify_crops(classifier, seen.crops)
    # A snippet taller than wide with ink along its length that its glyphs do not reach over:
    # on its side, though nothing in it stood on end
    short = one_field(seen) and orientation.glyphs_fall_short(
        glyph_boxes(seen.glyphs), glyph_boxes(seen.small), seen.binary.shape
    )
    # A page of a few numbers read as it came whose digits stand close one above another is a
    # number on its side whose 0s, 1s and 8s read as digits that way too (`underline.py --turn
    # 90`: `117000` read as three `0`s, accepted)
    stacked = (
        few and not verdict.turn and orientation.number_on_end(glyph_boxes(seen.glyphs + ones_on_side(seen)))
    )
    unsure = verdict.unsure or on_end or short or stacked
    flags = (ORIENTATION_UNSURE,) if unsure else ()
    half_turn_check = orientation.HalfTurnCheck.NONE
    if one_field(seen) and verdict.unsure and not (on_end or short):
        half_turn_check = orientation.HalfTurnCheck.LIFT
    elif few and not (verdict.turn or unsure):  # flagged already: nothing to raise
        half_turn_check = orientation.HalfTurnCheck.RAISE
    return seen, probabilities, rotation, flags + scan_flags(seen), half_turn_check


def ones_on_side(seen: Candidates) -> list[glyphs.Glyph]:
    """The marks too short for glyphs (`Candidates.small`) as wide as a 1 on its side is long
    (`orientation.ONE_ON_SIDE`), which stand in a number on its side's stack."""
    return [mark for mark in seen.small if mark.width >= orientation.ONE_ON_SIDE * seen.height]


def scan_flags(seen: Candidates) -> tuple[str, ...]:
    """What the scan itself casts doubt on, for every string found on it: `printed-screen`,
    `blurred`."""
    return (PRINTED_SCREEN,) * seen.descreened + (BLURRED,) * seen.blurred


@dataclass(frozen=True)
class FoundStrings:
    """A page's glyphs after touching digits are parted, their labels (the network's own
    probabilities), the runs they link into, the digit strings among them (indices into
    `glyphs`) and the marks beside the strings that the string reader's span may reach over."""

    glyphs: list[glyphs.Glyph]
    crops: np.ndarray
    probabilities: np.ndarray
    labels: list[Label]
    runs: list[list[int]]
    members: list[list[int]]
    beside: list[glyphs.Glyph]
    maybe_two: set[int]  # glyphs read as one 1 that may be two touching (`touching.maybe_two_ones`)
    narrow_pairs: set[int]  # digits read out of a mark too narrow for two (`touching.parted_narrow`)
    # glyphs in lines of type (`Candidates.printed`), renumbered as `glyphs`, and the `$`s
    # taken off strings: print, no digits written small, no ink left out
    typeset: set[int]
    dollars: set[int]  # strings (indices into `members`) whose first mark, a `$`, was taken off


def find_strings(
    seen: Candidates,
    probabilities: np.ndarray,
    classifier: Classifier,
    pair_reader: Classifier | None,
    one_field: bool = False,
) -> FoundStrings:
    """Touching digits parted, the glyphs labelled and grouped into digit strings (`one_field`:
    see `numbers.group_strings`)."""
    found, crops = seen.glyphs, seen.crops
    if found:
        found, crops, probabilities = touching.split_touching(
            found, crops, probabilities, seen.height, classifier, pair_reader, seen.printed
        )
    labels = labels_from_probabilities(probabilities)
    runs = strings.runs(found, seen.rules.sides)
    grouped = numbers.group_strings(found, labels, runs, one_field)
    # A printed `$` reads as a 5, surely (0.97-0.99 in OpenCV's faces): the first mark of a
    # string drawn as one is its sign, not its first digit (`540937` was accepted for 40937).
    dollars = {
        k: first
        for k, (first, *rest) in enumerate(grouped)
        if rest and labels[first].digit == 5 and strings.dollar_shaped(found[first].mask)
    }
    grouped = [members[1:] if k in dollars else members for k, members in enumerate(grouped)]
    # Inside a digit string a digit-wide mark is a digit far more often than in the classifier's
    # training mix: its '?' is read again at those odds. Wider marks keep the pair reader's verdict.
    unread = [
        i
        for s in grouped
        for i in s
        if labels[i].digit is None and found[i].width < touching.TOO_WIDE * found[i].height
    ]
    in_context = labels_from_probabilities(probabilities[unread], IN_STRING_NOT_DIGIT_ODDS)
    for i, label in zip(unread, in_context, strict=True):
        labels[i] = label
    # Glyphs in no string that are not set in type may be digits written small beside one (the
    # zeros of a cheque's "1.000", too short to chain with the 1): the string reader sees them.
    in_strings = {i for members in grouped for i in members}
    printed = {seen.glyphs[i] for i in seen.printed}  # by identity: parting renumbers the glyphs
    typeset = {i for i, g in enumerate(found) if g in printed} | set(dollars.values())
    loose = [g for i, g in enumerate(found) if i not in in_strings and i not in typeset]
    two = (
        touching.maybe_two_ones(found, probabilities, seen.height, pair_reader, typeset)
        if pair_reader
        else set()
    )
    narrow = touching.parted_narrow(seen.glyphs, found, labels)
    return FoundStrings(
        found,
        crops,
        probabilities,
        labels,
        runs,
        grouped,
        [*loose, *seen.small],
        two,
        narrow,
        typeset,
        set(dollars),
    )


def string_regions(
    page: Page, classifier: Classifier, pair_reader: Classifier | None = None, binarization: str = "floored"
) -> list[tuple[np.ndarray, Box]]:
    """What the string reader is handed for each digit string of a page (`string_region`'s
    mask, `levelled`) and that region's box on the page as loaded: its training data, cut as
    reading cuts it."""
    page, start = unframed(as_scanned_clean(page), binarization)
    seen, probabilities, rotation, *_ = see_upright(page, classifier, binarization)
    found = find_strings(seen, probabilities, classifier, pair_reader, one_field(seen))
    out = []
    for members in found.members:
        string = [found.glyphs[i] for i in members]
        mask, left, top = strings.string_region(seen.binary, string, found.beside, seen.rules.sides)
        box = (left, top, mask.shape[1], mask.shape[0])
        levelled = strings.levelled(mask, left, top, string)
        out.append((levelled, moved(box_on_page(box, seen, page.image.shape, rotation), start)))
    return out


def box_on_page(
    box: tuple[int, int, int, int], seen: Candidates, shape: tuple[int, ...], rotation: int
) -> Box:
    """A box on the levelled page at work scale mapped back to the page as loaded (`shape`)."""
    rows, cols = shape[:2]
    turned_shape = (cols, rows) if rotation % 180 else (rows, cols)
    if seen.keystone is not None:
        box = deskew.unstraighten_box(box, seen.keystone)
    x, y, w, h = deskew.unrotate_box(box, seen.binary.shape, seen.angle)
    scaled = (round(x / seen.scale), round(y / seen.scale), round(w / seen.scale), round(h / seen.scale))
    return Box(*orientation.unturn_box(scaled, turned_shape, rotation))


def read_candidates(
    page: Page,
    seen: Candidates,
    probabilities: np.ndarray,
    classifier: Classifier,
    pair_reader: Classifier | None,
    rotation: int,
    flags: tuple[str, ...],
    line_reader: Classifier | None = None,
    one_field: bool = False,
    half_turn_check: orientation.HalfTurnCheck = orientation.HalfTurnCheck.NONE,
) -> PageReading:
    """The page's glyphs read, touching digits parted, strings grouped, boxes mapped back to
    the page as loaded (`one_field`: see `numbers.group_strings`). `half_turn_check`: what the
    string reader, reading each string also turned half round, may do to the page's
    `orientation-unsure` flag (`orientation.HalfTurnCheck`)."""
    found_strings = find_strings(seen, probabilities, classifier, pair_reader, one_field)
    found, crops, labels, grouped = (
        found_strings.glyphs,
        found_strings.crops,
        found_strings.labels,
        found_strings.members,
    )
    rows, cols = page.image.shape[:2]
    string_marks = [[found[i] for i in members] for members in grouped]

    def page_box(g: list[glyphs.Glyph]) -> Box:
        return box_on_page(glyphs.bounds(g), seen, page.image.shape, rotation)

    whole = read_lines(
        line_reader,
        seen.binary,
        string_marks,
        found_strings.beside,
        seen.rules.sides,
        half_turn_check != orientation.HalfTurnCheck.NONE,
    )
    raise_doubt = half_turn_check == orientation.HalfTurnCheck.RAISE
    if raise_doubt and orientation.lines_read_surer_upside_down(
        [(line.reading, line.upside_down) for line in whole if line is not None]
    ):
        flags = (ORIENTATION_UNSURE, *flags)
    # Every decision above used the network's own probabilities; the confidences reported
    # are calibrated (`calibration`): the same labels, probabilities that mean what they say.
    # The competition below sets these calibrated confidences against the string reader's own
    # (uncalibrated) probabilities: the figures in the README were measured so.
    calibrated = with_temperature(found_strings.probabilities, reporting_temperature(classifier))
    labels = [recalibrated(label, row) for label, row in zip(labels, calibrated, strict=True)]
    unread = numbers.left_out_beside(
        found, labels, grouped, found_strings.runs, seen.small, found_strings.typeset, seen.cut, seen.huge
    )
    left_out = [
        lacking or faint_beside(seen, marks) for lacking, marks in zip(unread, string_marks, strict=True)
    ]
    reach = max(2, seen.rules.thickness)
    punctuation = [
        mark
        for mark in [*seen.small, *seen.dots]
        if not lines.touches_rule(seen.rules, mark.x, mark.y, mark.width, mark.height, reach)
    ]
    boxes = [page_box(marks) for marks in string_marks]
    light = [
        faint or faint_digit(seen, marks)
        for faint, marks in zip(faint_boxes(page.image, boxes), string_marks, strict=True)
    ]
    # a digit may lie beyond the page's edge where a string ends at it (a snippet's digits, a
    # template's field cut out with its margin, touch theirs)
    edge = None if seen.snippet else deskew.page_outline(seen.binary.shape, seen.angle)
    at_edge = [edge is not None and ends_at_edge(edge, marks) for marks in string_marks]
    shapes = shape_reasons(
        found,
        labels,
        grouped,
        seen.binary,
        seen.rules,
        seen.height,
        [*seen.small, *seen.dots],
        found_strings.narrow_pairs,
        light,
    )
    readings = []
    for index, (members, marks, box, lacking, ends, pale, line, shape) in enumerate(
        zip(grouped, string_marks, boxes, left_out, at_edge, light, whole, shapes, strict=True), start=1
    ):
        digits = tuple(Digit(page_box([found[i]]), labels[i], crops[i]) for i in members)
        separators = punctuation
        settled = (
            half_turn_check == orientation.HalfTurnCheck.LIFT
            and line is not None
            and orientation.line_reads_upright(line.reading, line.upside_down)
        )
        reasons = (
            *(flag for flag in flags if not (settled and flag == ORIENTATION_UNSURE)),
            *((INK_LEFT_OUT,) if lacking or ends else ()),
            *((FAINT_INK,) if pale else ()),
            *(
                (SHADE_EDGE,)
                if any(labels[i].digit == 1 and shade_edge(seen, found[i]) for i in members)
                else ()
            ),
            *shape,
        )
        # the pair reader reads two digits where the classifier reads one 1
        disagree = bool(found_strings.maybe_two.intersection(members))
        if line is not None:
            reading = line.reading
            confidences = [
                label.confidence if label.digit is not None else label.second_confidence
                for label in (labels[i] for i in members)
            ]
            verdict = recognize.decide("".join(labels[i].text for i in members), confidences, reading)
            if verdict.use_line:
                read = recognize.digit_glyphs(reading, line.placement, *line.region)
                # glyphs the string reader read as no digit may be separators (a date's slashes)
                separators = [*punctuation, *outside_all(marks, read)]
                marks = read
                digits = tuple(
                    Digit(page_box([mark]), Label(int(text), p, *second), to_mnist(mark.mask))
                    for mark, text, p, second in zip(
                        marks, reading.text, reading.probabilities, line.seconds, strict=True
                    )
                )
            disagree = disagree or verdict.disagree
        if disagree:
            reasons = (*reasons, READERS_DISAGREE)
        text = "".join(digit.label.text for digit in digits)
        raw = strings.with_separators(marks, text, separators)
        if strings.minus_before(marks, punctuation):  # marks of their own, no digit's pieces
            raw, reasons = "-" + raw, (*reasons, MINUS_SIGN)
        if index - 1 in found_strings.dollars:
            raw, reasons = "$" + raw, (*reasons, CURRENCY_SIGN)
        readings.append(
            DigitString(
                index,
                box,
                digits,
                reasons,
                raw=raw if raw != text else None,
            )
        )
    return PageReading(
        page.source, page.number, cols, rows, seen.angle, tuple(readings), rotation, dpi=page.dpi
    )


EDGE_NEAR = 1.0  # of a string's height: its end this close to the page's edge, a digit may lie beyond


def ends_at_edge(outline: np.ndarray, string: list[glyphs.Glyph]) -> bool:
    """Whether the string starts or ends within EDGE_NEAR of its height of the page's edge
    (`outline`: the levelled page as the image holds it, `deskew.page_outline`): a scan that
    cut a field short leaves no mark of what it cut off."""
    x, y, width, height = glyphs.bounds(string)
    middle = y + height / 2
    return any(
        cv2.pointPolygonTest(outline, (float(end), float(middle)), True) < EDGE_NEAR * height
        for end in (x, x + width)
    )


BAND_MARGIN = 0.15  # of the digit height, above and below a string: its line's band
# Digit heights before and after a string looked at for faint marks: twice `numbers.BESIDE`,
# since a faint digit's thinner strokes (a 2's tail reaching for the next digit) fall apart
# even at the string's own contrast, and what is left of it can stand that far off.
FAINT_BESIDE = 2.0
FAINT_STEP = 2  # pixels of the work scale a pixel of the faint marks' search


def faint_beside(seen: Candidates, string: list[glyphs.Glyph]) -> bool:
    """Whether a mark of digit size, too faint for the page's threshold, lies beside or inside
    the `string` on its line (`faint.faint_marks`): the string may lack a digit. Looked for at
    half the work scale (FAINT_STEP): a quarter of the time, and such a mark (a third of a
    digit high) is still 7 pixels or more there."""
    height = glyphs.median_height(string)
    rows, cols = seen.binary.shape
    left = max(0, int(min(g.x for g in string) - FAINT_BESIDE * height))
    right = min(cols, int(max(g.right for g in string) + FAINT_BESIDE * height))
    top = max(0, int(min(g.y for g in string) - BAND_MARGIN * height))
    bottom = min(rows, int(max(g.bottom for g in string) + BAND_MARGIN * height))
    step = FAINT_STEP
    box = (left, top, right - left, bottom - top)
    region = deskew.levelled_region(seen.gray, seen.angle, seen.keystone, box, step)
    string_ink = np.zeros((bottom - top, right - left), bool)
    for g in string:
        string_ink[g.y - top : g.bottom - top, g.x - left : g.right - left] |= g.mask
    # the rules' grey edges, those of rules just outside the band included
    reach = max(2, seen.rules.thickness)
    above, before = min(top, reach), min(left, reach)
    near = (slice(top - above, bottom + reach), slice(left - before, right + reach))
    ruled = cv2.dilate(
        cv2.bitwise_or(seen.rules.horizontal[near], seen.rules.vertical[near]),
        np.ones((2 * reach + 1, 2 * reach + 1), np.uint8),
    )
    rules = ruled[above : above + bottom - top : step, before : before + right - left : step] > 0
    page_ink = seen.binary[top:bottom:step, left:right:step] > 0
    boxes = [
        ((g.x - left) // step, (g.y - top) // step, -(-g.width // step), -(-g.height // step)) for g in string
    ]
    marks = faint.faint_marks(
        region,
        string_ink[::step, ::step],
        boxes,
        page_ink,
        rules,
        height / step,
        numbers.LEFT_OUT * height / step,
    )
    return bool(marks)


def faint_boxes(image: np.ndarray, boxes: Sequence[Box]) -> list[bool]:
    """For each box on the page as loaded, whether its ink is far lighter than the others'
    (`numbers.faint`): the reason `faint-ink`."""
    gray = to_gray(image)
    return numbers.faint([binarize.ink_contrast(gray, (b.x, b.y, b.width, b.height)) for b in boxes])


FAINT_DIGIT_STEP = 2  # pixels of the work scale a pixel of the glyphs' grey (a quarter of the time)


def faint_digit(seen: Candidates, string: list[glyphs.Glyph]) -> bool:
    """Whether one glyph of the `string` is far lighter than its others (`numbers.faint_digit`):
    the reason `faint-ink`. Each glyph's ink is the darker quarter of the grey under its own
    mask, not of its box: a rule's print beside a 1 showing through, darker than any pen, is no
    part of it, and a thin 1's grey edges are half its pixels."""
    if len(string) < 2:
        return False
    step = FAINT_DIGIT_STEP
    x, y, width, height = glyphs.bounds(string)
    region = deskew.levelled_region(seen.gray, seen.angle, seen.keystone, (x, y, width, height), step)
    owner = np.zeros(region.shape, np.int32)  # 1 + the glyph a pixel is ink of, 0 for none
    for index, g in enumerate(string, start=1):
        down, across = g.y - y, g.x - x
        mask = g.mask[down % step :: step, across % step :: step]
        top, left = -(-down // step), -(-across // step)
        owner[top : top + mask.shape[0], left : left + mask.shape[1]][mask] = index
    # every glyph's histogram of grey levels in one count, and the whole region's
    counts = np.bincount((owner * 256 + region).ravel(), minlength=(len(string) + 1) * 256).reshape(-1, 256)
    below = np.cumsum(np.vstack([counts.sum(axis=0), counts[1:]]), axis=1)
    shares = [0.75] + [0.25] * len(string)
    paper, *inks = (
        float(np.searchsorted(row, share * row[-1])) for row, share in zip(below, shares, strict=True)
    )
    return numbers.faint_digit(paper, inks)


# A 1 may be no stroke but the edge of a darker area: beside a stroke the paper is as light on
# either side, beside an edge one side is nearly as dark as the mark itself. The grey within
# SIDE_REACH of its height beyond each side (other ink left out), from the mark's own ink's
# grey to the lighter side's: the darker side lay 0.54 of the way or more for every mark of a
# string narrower than half its height (its 1s among them) on the pages of samples/, of the
# four sources' validation digits and the cheque amounts (a one-off probe), 0.00-0.08 for a
# sheet's shadowed edge on a scanner's white lid (`scans.py`: four 1s read off it, accepted).
SIDE_REACH = 0.15
EDGE_SHADE = 0.3
SIDE_SEEN = 0.3  # of a side's pixels, at least, not ink: less, and the side is not told


def shade_edge(seen: Candidates, mark: glyphs.Glyph) -> bool:
    """Whether a mark is the edge of a darker area (`EDGE_SHADE`): a sheet's shadow on a
    lighter lid, a shaded box's side; the reason `shade-edge`."""
    reach = max(2, round(SIDE_REACH * mark.height))
    left = mark.x - reach
    grey = deskew.levelled_region(
        seen.gray, seen.angle, seen.keystone, (left, mark.y, mark.width + 2 * reach, mark.height)
    ).astype(np.float32)
    inked = np.zeros(grey.shape, bool)  # any mark's ink, the page's edges beyond it none
    start, stop = max(0, left), min(seen.binary.shape[1], mark.right + reach)
    inked[:, start - left : stop - left] = seen.binary[mark.y : mark.bottom, start:stop] > 0
    rows = mark.mask.any(axis=1)
    first = mark.mask.argmax(axis=1)[rows] + reach
    last = mark.mask.shape[1] - 1 - mark.mask[:, ::-1].argmax(axis=1)[rows] + reach
    columns = np.arange(grey.shape[1])
    own = np.zeros(grey.shape, bool)
    own[:, reach : reach + mark.width] = mark.mask
    ink = float(np.median(grey[own]))
    shades = []
    for band in (
        (columns >= first[:, None] - reach) & (columns < first[:, None]),
        (columns > last[:, None]) & (columns <= last[:, None] + reach),
    ):
        paper = band & ~inked[rows]
        if paper.sum() < SIDE_SEEN * band.sum():
            return False
        shades.append(float(np.median(grey[rows][paper])))
    dark, light = min(shades), max(shades)
    return light > ink and dark - ink < EDGE_SHADE * (light - ink)


def outside_all(marks: list[glyphs.Glyph], read: list[glyphs.Glyph]) -> list[glyphs.Glyph]:
    """The `marks` whose columns lie mostly outside every glyph of `read`."""
    return [
        mark
        for mark in marks
        if all(min(mark.right, g.right) - max(mark.x, g.x) < 0.5 * mark.width for g in read)
    ]


@dataclass(frozen=True)
class LineRead:
    """The string reader's reading of a string's whole image: its digits, each digit's
    likeliest other (`recognize.read_with_seconds`), where the image was placed in its field,
    the image (mask, left, top: `strings.string_region`), and the reading of it turned half
    round where that was asked for."""

    reading: recognize.LineReading
    seconds: tuple[tuple[int, float], ...]
    placement: LinePlacement
    region: tuple[np.ndarray, int, int]
    upside_down: recognize.LineReading | None = None


def read_lines(
    line_reader: Classifier | None,
    binary: np.ndarray,
    members: list[list[glyphs.Glyph]],
    beside: list[glyphs.Glyph],
    sides: Sequence[lines.Rect] = (),
    upside_down: bool = False,
) -> list[LineRead | None]:
    """Each string's whole image read by the string reader (None for all without one), its
    span reaching over the marks in no string `beside` it, up to a table's column rules among
    the box `sides` (`strings.string_region`); with `upside_down`, also turned half round."""
    if line_reader is None or not members:
        return [None] * len(members)
    regions = [strings.string_region(binary, string, beside, sides) for string in members]
    levelled = [strings.levelled(*region, string) for region, string in zip(regions, members, strict=True)]
    placed = [to_line(mask) for mask in levelled]
    fields = [field for field, _ in placed]
    if upside_down:
        fields += [to_line(np.rot90(mask, 2).copy())[0] for mask in levelled]
    steps = classify_crops(line_reader, np.stack(fields))
    turned = [recognize.greedy_decode(step) for step in steps[len(placed) :]] or [None] * len(placed)
    out: list[LineRead | None] = []
    for step, (_, placement), region, other_way in zip(
        steps[: len(placed)], placed, regions, turned, strict=True
    ):
        reading, seconds = recognize.read_with_seconds(step)
        out.append(LineRead(reading, seconds, placement, region, other_way))
    return out


IN_MEMORY = "<image>"  # the source an in-memory image's errors and results name


def read_image(
    image: np.ndarray,
    classifier: Classifier,
    dpi: float | None = None,
    pair_reader: Classifier | None = None,
    line_reader: Classifier | None = None,
) -> PageReading:
    """Read an in-memory grayscale, BGR or BGRA image (library use); InputFileError for an
    array no page can be."""
    image = np.asarray(image)
    check_array(IN_MEMORY, image)
    page = Page(IN_MEMORY, 1, to_gray(image), dpi)
    return read_page(page, classifier, pair_reader=pair_reader, line_reader=line_reader)
