"""Ink/paper separation that survives uneven light, shadows, grey paper, noise and faint ink.

The default ("floored") marks a pixel as ink where it is darker than the mean of its
neighbourhood by a fixed margin (OpenCV's adaptive mean: thin and faint strokes, pencil next
to dark print, stay whole and as wide as written) *and* clearly darker than the paper around
it. The paper's brightness is estimated with a max filter wider than any pen stroke and
divided out; the floor on that flattened page is what keeps scanner noise on empty paper,
which the adaptive mean alone turns into specks and strings of "digits", out.

The alternatives (the flattened page with one Otsu cut and a local cut for pencil, global
Otsu, the adaptive mean alone, Sauvola) stay selectable so that `benchmarks/binarization.py`
can compare them on the same pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import cv2
import numpy as np

from digitscan.segment.resample import shrink

# Ink darker than this share of the local paper is ink even on a page with no contrast to learn from.
LOWEST_THRESHOLD = 0.55
HIGHEST_THRESHOLD = 0.88
FAINT_THRESHOLD = 0.82  # clearly darker than paper (pencil too); lighter is paper, stains, noise
ADAPTIVE_MARGIN = 15  # grey levels below the neighbourhood's mean


def light_on_dark(gray: np.ndarray) -> bool:
    """Whether the image is written light on a dark ground (a microfilm's negative, a field cut
    from an inverted scan): its typical grey is dark, and its lightest pixels lie farther
    above it than its darkest below (dark ink on a dark-shaded field lies below)."""
    darkest, typical, lightest = np.percentile(gray, (1, 50, 99))
    return bool(typical < 128 and lightest - typical > 2 * (typical - darkest))


NEGATIVE_LONG_SIDE = 1000  # pixels a page's long side is reduced to for telling a negative
STROKE_KERNEL = 7  # of the reduced page: wider than a stroke there (Letter at 1000 px is ~90 dpi)
NEGATIVE_STROKES = 1.5  # light strokes over dark: samples/ 0.4, on a dark desk 0.4-0.8, negatives 2.4-2.8


def negative_page(gray: np.ndarray) -> bool:
    """Whether a whole page is a negative (a microfilm's, an inverted scan's): its typical grey
    is dark and its strokes are lighter than what surrounds them. A page photographed on a
    dark desk is dark round its paper too, but its strokes are dark: the light ones counted
    (a white top-hat) are set against the dark ones (a black top-hat), both narrower than
    `STROKE_KERNEL` on the page reduced to `NEGATIVE_LONG_SIDE`."""
    small = shrink(gray, max(1, max(gray.shape) // NEGATIVE_LONG_SIDE))
    if not light_on_dark(sample := small[::4, ::4]):  # every 4th pixel each way: its grey levels
        return False
    darkest, lightest = np.percentile(sample, (1, 99))
    contrast = max(16, int(lightest - darkest) // 4)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (STROKE_KERNEL, STROKE_KERNEL))
    light = np.count_nonzero(cv2.morphologyEx(small, cv2.MORPH_TOPHAT, kernel) > contrast)
    dark = np.count_nonzero(cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, kernel) > contrast)
    return light > NEGATIVE_STROKES * max(dark, 1)


def paper_brightness(gray: np.ndarray, window: int) -> np.ndarray:
    """Local paper level (1-255): a max filter (erasing strokes thinner than `window`) on a
    reduced image."""
    factor = max(1, window // 8)
    small = shrink(gray, factor)
    size = max(3, (window // factor) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    paper = cv2.dilate(small, kernel)
    paper = cv2.blur(paper, (size, size))
    # At least 1 for the division; set on the reduced image, which interpolation keeps it on.
    np.maximum(paper, 1, out=paper)
    return cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)


def flatten(gray: np.ndarray, window: int) -> np.ndarray:
    """The page divided by its paper level, as uint8: paper near 255, ink darker."""
    paper = paper_brightness(gray, window)
    return cv2.divide(gray, paper, scale=255.0)  # saturates at 255: paper brighter than its estimate


# A scanner's dark border (the lid beyond a smaller sheet, the bed beyond a register's page)
# is darker than this share of the paper, solid, and reaches the image's edge.
BORDER_DARK = 0.5
BORDER_EDGE_SHARE = 0.02  # of the image's outermost pixels dark: below this, no border to look for
BORDER_INK_SHARE = 0.01  # of a border's inside (blocks of `shrink`): dust, noise; a form has far more


def dark_border(gray: np.ndarray, binary: np.ndarray, window: int) -> np.ndarray | None:
    """Mask (uint8, 255) of a dark scanner border and of the band along its inner edge, or
    None where the page has none (`binary`: the page thresholded). Thresholded, such a
    border's inner edge is a frame of thick, straight, axis-aligned "rules" that sets the
    skew to zero and every rule's thickness to its own: its ink is to be dropped
    (`drop_border`).

    A border is what stays dark under an opening wider than pen strokes (`window` is a few
    of them: strokes, rules and print vanish, solid dark areas stay), touches the image's
    edge (a dark logo inside the page does not) and holds no ink away from its edge (a page
    in deep shadow is dark and reaches the edge too, but its writing is still found)."""
    # The upper quartile, not the median: a sheet photographed on a dark desk may cover under
    # half the image (samples/ turned 35 degrees: half of it; 45: 48%), and the desk's grey was
    # taken for the paper's. No border was found, and the sheet's edges, left as rules, levelled
    # the page by the sheet where its print is tilted on it.
    paper = float(np.percentile(gray[::16, ::16], 75))
    dark_level = BORDER_DARK * paper
    edge = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.count_nonzero(edge < dark_level) < BORDER_EDGE_SHARE * len(edge):
        return None
    factor = max(1, window // 8)
    small = shrink(gray, factor)
    dark = cv2.compare(small, dark_level, cv2.CMP_LT)
    size = max(3, window // 2 // factor)
    solid = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    count, labels = cv2.connectedComponents(solid)
    on_edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    # The adaptive threshold turns the step from border to paper into ink up to half its
    # window away, and the scan blurs the step itself: that band is the border's too. Ink is
    # looked for twice as far in, clear of the band where two borders meet in a corner (a
    # border too narrow to have an inside holds no writing either).
    reach = np.ones((window // factor + 3,) * 2, np.uint8)
    inside = cv2.erode(solid, np.ones((2 * len(reach) - 1,) * 2, np.uint8)) > 0
    inked = shrink(binary, factor)[: small.shape[0], : small.shape[1]] > 0
    area = np.bincount(labels[inside], minlength=count)
    ink = np.bincount(labels[inside & inked], minlength=count)
    plain = [label for label in on_edge if label > 0 and ink[label] <= BORDER_INK_SHARE * area[label]]
    if not plain:
        return None
    border = cv2.dilate(np.isin(labels, plain).astype(np.uint8) * 255, reach)
    rows, cols = gray.shape
    enlarged = (border.shape[1] * factor, border.shape[0] * factor)
    full = cv2.resize(border, enlarged, interpolation=cv2.INTER_NEAREST)
    return cv2.copyMakeBorder(full, 0, rows - full.shape[0], 0, cols - full.shape[1], cv2.BORDER_REPLICATE)


# A printed screen (a field shaded in dots: offset print, a coarse laser halftone, a scan at
# 600 dpi) thresholds into thousands of dots and the page was refused as crowded. Its dots are
# marks at most SCREEN_DOT windows across, at least SCREEN_DOTS of them in a window's square
# (a dotted line has fewer; a 40-lpi screen at 300 dpi has 44); a page that is more than
# MOST_SCREENED screen is a dithered picture, not a form with shaded fields.
SCREEN_DOT = 0.3
SCREEN_DOTS = 12
MOST_SCREENED = 0.5
SCREEN_BLUR = 0.6  # of the dots' pitch: the screen's period left at under a thousandth of its contrast
# On a wide area found as ground the pitch is not measured: the least blur of those for dots a
# 16th and an 8th of a window apart (3 and 6 px at 300 dpi) that leaves it even; coarser
# screens come apart into dots (`descreened`).
SCREEN_PITCHES = (16, 8)
SCREEN_LOOSE = 0.96  # of the paper: screens are looked for again this light once one is found


# Of the window: areas darker than paper this wide are looked for on the shrunk page (coarse:
# a 5.5 mm hole is no wider there)... and kept where a circle GROUND_WIDTH across fits in them
# on the page (4.6 mm at 200 dpi): no pen's stroke is that wide; a shaded field, a punched hole
# (5-8 mm) or a filled box is. Thick strokes run together can be (`compact` tells).
GROUND_LOOK = 1.0
GROUND_WIDTH = 1.1
PLAIN_SPREAD = 2 * ADAPTIVE_MARGIN  # grey levels: the most an even ground's middle half spans


def even_grounds(gray: np.ndarray, binary: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """`gray` and `binary` with each wide area of one even shade darker than paper
    (GROUND_WIDTH) taken as the ground it is, a printed screen's dots on it blurred into the
    grey they print (in `gray` too: later stages look at the page's grey levels again). The
    adaptive threshold keeps a thick ring inside such an area's edge, its middle no darker
    than its neighbourhood: a field shaded 28% grey left a frame taken for the page's
    handwriting size (its digits then too small to read: the field lost), a hole punched in
    the sheet and scanned dark a ring read as a 0, accepted; a screen's dots were thousands of
    marks (the page refused) or, finer, a mesh read as 1s and 0s. On a ground, ink is what is
    clearly darker than the ground (FAINT_THRESHOLD of it); a round or square dark
    ground with nothing written on it (no stroke's length of pixels darker) is made solid:
    no pen's stroke (`glyphs.blots`). Dark grounds are looked for apart from light ones (a
    hole in a grey margin is one), and areas reaching the image's edge are left alone: a
    scanner's border (`dark_border`) or a shadow."""
    paper = float(np.median(gray[::16, ::16]))
    factor = max(1, window // 8)
    small = shrink(gray, factor)
    cleared, toned = binary, gray
    # (dark, darker than, only the rest of a screen found); a screen found appends a pass,
    # which this loop then reaches
    passes = [(True, BORDER_DARK * paper, False), (False, FAINT_THRESHOLD * paper, False)]
    screens: list[tuple[slice, slice]] = []
    for dark_pass, darker_than, rest_of_screens in passes:
        for box, ground, depth in wide_areas(gray, small, factor, window, darker_than, not dark_pass):
            shade = gray[box]
            inside = depth >= 2  # clear of the blurred edge
            if rest_of_screens:
                screened = any(holds(box, screen) for screen in screens)
                if not screened:
                    continue
            else:
                screened = spread(shade[inside]) > PLAIN_SPREAD  # a printed screen's dots and gaps?
            if screened:
                if not screens:
                    # where the light on the page varies, part of a screen can be lighter than
                    # FAINT_THRESHOLD of the paper (its dots left, taken for the page's marks),
                    # or print on it can leave this part uneven, blurred or not
                    passes.append((False, SCREEN_LOOSE * paper, True))
                screens.append(box)
                shade = screen_blurred(shade, inside, [window / pitches for pitches in SCREEN_PITCHES])
                if shade is None:
                    continue  # no even ground: a gradient, a shadow, a picture
            levels = shade[inside]
            level = float(np.median(levels))
            if (level < BORDER_DARK * paper) != dark_pass:
                continue  # the other pass's
            if cleared is binary:
                cleared = binary.copy()
            if screened:
                if toned is gray:
                    toned = gray.copy()
                np.copyto(toned[box], shade, where=ground > 0)
            region = cleared[box]
            written = np.count_nonzero(levels < level - PLAIN_SPREAD) >= window  # a stroke's length
            if written or not dark_pass:
                above = cv2.bitwise_and(ground, cv2.compare(shade, FAINT_THRESHOLD * level, cv2.CMP_GE))
                cv2.bitwise_and(region, cv2.bitwise_not(above), dst=region)
            elif compact(ground, depth):
                cv2.bitwise_or(region, ground, dst=region)
    return toned, cleared


def holds(box: tuple[slice, slice], other: tuple[slice, slice]) -> bool:
    """Whether `box` holds the middle of `other`."""
    row, column = ((part.start + part.stop) // 2 for part in other)
    return box[0].start <= row < box[0].stop and box[1].start <= column < box[1].stop


def spread(levels: np.ndarray) -> float:
    """The grey levels' middle half's span."""
    lower, upper = np.percentile(levels, [25, 75])
    return float(upper - lower)


def screen_blurred(shade: np.ndarray, inside: np.ndarray, pitches: Iterable[float]) -> np.ndarray | None:
    """`shade` blurred over a printed screen's dots by the least blur, of those for dots
    `pitches` pixels apart, that leaves it even `inside` (the less, the less the writing on it
    is blurred), or None where none does: no screen."""
    for pitch in pitches:
        smooth = cv2.GaussianBlur(shade, (0, 0), SCREEN_BLUR * float(pitch))
        if spread(smooth[inside]) <= PLAIN_SPREAD:
            return smooth
    return None


def wide_areas(
    gray: np.ndarray, small: np.ndarray, factor: int, window: int, darker_than: float, screens: bool
) -> Iterator[tuple[tuple[slice, slice], np.ndarray, np.ndarray]]:
    """The page's areas darker than `darker_than` that a circle GROUND_WIDTH windows across fits
    in (with `screens`, a printed screen's dots blurred together), reaching no edge: each one's
    box, its mask there (uint8, 255) and each pixel's distance from its edge. Looked for on
    `small`, the page shrunk `factor` times (GROUND_LOOK), and measured on the page. Blurred,
    a thick digit's filled loop can be that wide: dark grounds (holes) are looked for unblurred."""
    if screens:  # and where it is over three blocks: a printed screen's dots alias into lighter blocks
        small = cv2.min(small, cv2.blur(small, (3, 3)))
    dark = cv2.compare(small, darker_than, cv2.CMP_LT)
    size = max(3, round(GROUND_LOOK * window / factor))
    square = max(1, int(size / np.sqrt(2)))  # fits in the circle: where it does not, neither does the circle
    if not cv2.erode(dark, np.ones((square, square), np.uint8)).any():
        return  # most pages: their marks are strokes (a square erosion, a third of the opening's time)
    wide = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(wide)
    for label in range(1, count):
        x, y, width, height, _ = stats[label]
        if x == 0 or y == 0 or x + width == wide.shape[1] or y + height == wide.shape[0]:
            continue
        blocks = (
            slice(max(0, y - 2), min(wide.shape[0], y + height + 2)),
            slice(max(0, x - 2), min(wide.shape[1], x + width + 2)),
        )
        box = (
            slice(blocks[0].start * factor, blocks[0].stop * factor),
            slice(blocks[1].start * factor, blocks[1].stop * factor),
        )
        shade = gray[box]
        if screens:  # and where a printed screen's dots, blurred, print the grey
            shade = cv2.min(shade, cv2.GaussianBlur(shade, (0, 0), SCREEN_BLUR * window / SCREEN_PITCHES[-1]))
        # the area's blocks, two blocks wider (its edge on the page is finer than a block)
        near = cv2.dilate((labels[blocks] == label).astype(np.uint8), np.ones((5, 5), np.uint8))
        near = cv2.resize(near, (shade.shape[1], shade.shape[0]), interpolation=cv2.INTER_NEAREST)
        ground = cv2.compare(shade, darker_than, cv2.CMP_LT) & near * 255
        # paper all round the box: strokes running out of it are not as wide as they are long
        depth = cv2.distanceTransform(
            cv2.copyMakeBorder(ground, 1, 1, 1, 1, cv2.BORDER_CONSTANT), cv2.DIST_L2, 3
        )
        depth = depth[1:-1, 1:-1]
        if 2 * depth.max() >= GROUND_WIDTH * window:
            yield box, ground, depth


COMPACT = 1.6  # a dark area at most this many times its widest circle's area is a hole or a box


def compact(ground: np.ndarray, depth: np.ndarray) -> bool:
    """Whether the part of `ground` around its deepest point is round or square, as a punched
    hole or a filled box is; thick strokes run together are long (two bold 1s, read on a page
    taken for 140 dpi, were as wide as a window)."""
    _, labels = cv2.connectedComponents(ground)
    deepest = np.unravel_index(int(np.argmax(depth)), depth.shape)
    area = np.count_nonzero(labels == labels[deepest])
    return area <= COMPACT * np.pi * float(depth.max()) ** 2


def descreened(gray: np.ndarray, window: int) -> np.ndarray | None:
    """The page with its printed screens blurred into the even grey they print (a ground for
    `even_grounds`; writing on them blurred a little), or None where it has none, is mostly
    screen or no blur evens it. For pages refused as crowded only: it thresholds the page
    once more and blurs it whole up to a few times."""
    _, _, stats, centres = cv2.connectedComponentsWithStats(binarize(gray, window), connectivity=8)
    largest = SCREEN_DOT * window
    dots = (stats[1:, cv2.CC_STAT_WIDTH] <= largest) & (stats[1:, cv2.CC_STAT_HEIGHT] <= largest)
    columns, rows = np.round(centres[1:][dots]).astype(np.int64).T
    found = np.zeros(gray.shape, np.float32)
    np.add.at(found, (rows, columns), 1.0)
    screen = cv2.compare(cv2.boxFilter(found, -1, (window, window), normalize=False), SCREEN_DOTS, cv2.CMP_GE)
    area = cv2.countNonZero(screen)
    if area == 0 or area > MOST_SCREENED * screen.size:
        return None
    inside = cv2.erode(screen, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (window | 1, window | 1))) > 0
    finest = np.sqrt(area / max(1.0, float(found[screen > 0].sum())))  # split dots make it finer
    blurred = screen_blurred(gray, inside if inside.any() else screen > 0, np.geomspace(finest, largest, 6))
    if blurred is None:
        return None
    # over the writing on it too (its strokes are no dots), and out to the screen's edge
    screen = cv2.dilate(screen, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (window | 1, window | 1)))
    return np.where(screen > 0, blurred, gray)


def drop_border(binary: np.ndarray, border: np.ndarray | None) -> np.ndarray:
    """The ink of `binary` outside `border` (dark_border's mask)."""
    return binary if border is None else cv2.bitwise_and(binary, cv2.bitwise_not(border))


# A scan's ink edges rise from ink to paper over a pixel or two; blurred, over as many as the
# blur is wide. Measured where they run across one axis, the blurrier axis's (a shaken camera
# smears one way), as the ink's contrast over the steep end (90th percentile) of the grey
# level's change a pixel across them, on the page at the work scale. samples/ every way
# `benchmarks/scans.py` gives it (other resolutions, JPEG, pens, grain, screens, turned on a
# desk or a lid...): 1.87-3.23 pixels; ORAND-CAR-A's 1,080 real cheque scans 2.21 in the median,
# 2.97 at the 99th percentile, 3.92 at most. Out of focus by 0.2 mm: 3.65-4.35 (read as well
# as scanned); by 0.35 mm: 5.53-6.82 (1.85% of the accepted fields wrong); shaken 1 and 2 mm:
# 6.89-8.00 and 12.43-14.26 (33% of the accepted wrong at 2 mm: digits smeared into one
# another); photographed on a dark desk, turned 20 degrees, shaken 1 mm or out of focus by
# 0.35 mm: 4.51-6.49.
# The edge pixels of every EDGE_ROWS-th row are looked at, fewer skipped on a page under
# EDGE_ROWS_FROM rows high per row skipped (a snippet's every row), and of those at most
# EDGE_SAMPLE: the 90th percentile needs no more.
EDGE_ROWS = 4
EDGE_ROWS_FROM = 256
EDGE_SAMPLE = 10_000
EDGE_PIXELS = 50  # of an axis's edges, at least, to say anything
BLURRED_FROM = 4.5  # pixels at the work scale: a page's strings are flagged `blurred`


def edge_spread(gray: np.ndarray, binary: np.ndarray) -> float:
    """Pixels the ink's edges of `binary` (thresholded from `gray`) spread over across the
    blurrier axis; 0.0 where there are too few edges to tell. The contrast is the paper's
    grey (the upper quartile of what is no ink: a dark desk round a sheet may be half the
    image) less the ink's (its lower quartile)."""
    boundary = cv2.subtract(binary, cv2.erode(binary, np.ones((3, 3), np.uint8)))
    every = max(1, min(EDGE_ROWS, binary.shape[0] // EDGE_ROWS_FROM))
    found = cv2.findNonZero(np.ascontiguousarray(boundary[1:-1:every, 1:-1]))
    if found is None or len(found) < 2 * EDGE_PIXELS:
        return 0.0
    at = found.reshape(-1, 2)[:: max(1, len(found) // EDGE_SAMPLE)]
    cols, rows = at[:, 0] + 1, at[:, 1] * every + 1
    across = np.abs(gray[rows, cols + 1].astype(np.int16) - gray[rows, cols - 1]) / 2
    down = np.abs(gray[rows + 1, cols].astype(np.int16) - gray[rows - 1, cols]) / 2
    sample = (slice(None, None, 7), slice(None, None, 7))
    inked = binary[sample] > 0
    ink, paper = gray[sample][inked], gray[sample][~inked]
    if len(ink) == 0 or len(paper) == 0:
        return 0.0
    contrast = float(np.percentile(paper, 75)) - float(np.percentile(ink, 25))
    widths = []
    for change, other in ((across, down), (down, across)):
        steep = change[change > 2 * other]
        if len(steep) < EDGE_PIXELS:
            return 0.0
        widths.append(contrast / max(float(np.percentile(steep, 90)), 1.0))
    return max(widths)


def ink_contrast(gray: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """How much darker the ink in a box (x, y, width, height) is than its paper: the 75th
    percentile of its grey levels (strokes cover far less of a string's box) less the 5th."""
    x, y, width, height = box
    # Every pixel, from their histogram (a fraction of np.percentile's time): every other pixel
    # each way took a different quarter of them where the page came turned, and a register
    # page fed upside down flagged a string `faint-ink` that upright was not.
    region = np.ascontiguousarray(gray[max(0, y) : y + height, max(0, x) : x + width])
    if region.size == 0:
        return 0.0
    share = np.cumsum(cv2.calcHist([region], [0], None, [256], [0, 256]).ravel()) / region.size
    paper, ink = np.searchsorted(share, [0.75, 0.05])
    return float(paper - ink)


def binarize(gray: np.ndarray, window: int, method: str = "floored") -> np.ndarray:
    """uint8 mask, 255 where there is ink. `window`: a few stroke widths, e.g. dpi / 6.
    `method`: one of METHODS."""
    return METHODS[method](gray, window)


# Ink this far below the paper (flattened, the median of what is thresholded as ink) is
# what the margins above were set for: black and blue pens, print, pencil beside them. Not
# more: 82% of 300 of ORAND-CAR-A's grey cheque scans lie under 150, and shrinking the margins
# there takes in their printed patterns (benchmarks/README.md, "Faint ink").
FULL_CONTRAST = 80


def floored_adaptive(gray: np.ndarray, window: int) -> np.ndarray:
    """Darker than the neighbourhood's mean, and clearly darker than paper. On a page whose
    ink is all faint (faded ink, a light scan) both margins shrink with its contrast: at the
    usual ones its lighter strokes, whole digits among them, would be paper."""
    flat = flatten(gray, window)
    binary = floored(gray, flat, window, 1.0)
    sample = flat[::4, ::4][binary[::4, ::4] > 0]
    contrast = 255 - float(np.median(sample)) if len(sample) else FULL_CONTRAST
    if contrast >= FULL_CONTRAST:
        return binary
    return floored(gray, flat, window, contrast / FULL_CONTRAST)


def floored(gray: np.ndarray, flat: np.ndarray, window: int, contrast: float) -> np.ndarray:
    """Darker than the neighbourhood's mean by `contrast` times ADAPTIVE_MARGIN, and than the
    paper by `contrast` times the FAINT_THRESHOLD's margin."""
    floor = round(255 - (1 - FAINT_THRESHOLD) * 255 * contrast)
    clearly_ink = cv2.compare(flat, floor, cv2.CMP_LT)
    return cv2.bitwise_and(adaptive_mean(gray, window, max(1.0, ADAPTIVE_MARGIN * contrast)), clearly_ink)


def flattened_otsu(gray: np.ndarray, window: int) -> np.ndarray:
    """One Otsu cut on the flattened page, and a local cut for pencil beside dark print."""
    flat = flatten(gray, window)
    otsu, _ = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = float(np.clip(otsu, LOWEST_THRESHOLD * 255, HIGHEST_THRESHOLD * 255))
    # Otsu's cut lies between paper and the page's darkest ink (print, ballpoint); pencil can
    # be lighter than that cut throughout. So each pixel may also be judged against its own
    # neighbourhood: ink if darker than halfway from the darkest ink near it to the paper, as
    # long as that is clearly darker than paper (never noise on blank paper).
    size = max(3, window // 3) | 1
    darkest_near = cv2.erode(flat, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    halfway = (darkest_near >> 1) + (darkest_near & 1) + np.uint8(127)  # (darkest + 255) / 2, rounded up
    lowest, highest = int(np.ceil(threshold - 0.5)), int(np.ceil(FAINT_THRESHOLD * 255 - 0.5))
    local = np.clip(halfway, lowest, highest)
    return cv2.compare(flat, local, cv2.CMP_LT)  # 255 where darker than its local cut


def global_otsu(gray: np.ndarray, window: int) -> np.ndarray:
    del window
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return binary


def adaptive_mean(gray: np.ndarray, window: int, margin: float = ADAPTIVE_MARGIN) -> np.ndarray:
    return cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, window | 1, margin
    )


def sauvola(gray: np.ndarray, window: int, k: float = 0.2, spread: float = 128.0) -> np.ndarray:
    """Sauvola: threshold = local mean * (1 + k * (local deviation / spread - 1))."""
    image = gray.astype(np.float32)
    size = (window | 1, window | 1)
    mean = cv2.boxFilter(image, -1, size)
    deviation = np.sqrt(np.maximum(cv2.boxFilter(image * image, -1, size) - mean * mean, 0))
    threshold = mean * (1 + k * (deviation / spread - 1))
    return np.where(image < threshold, np.uint8(255), np.uint8(0))


METHODS = {  # the default first
    "floored": floored_adaptive,
    "flattened": flattened_otsu,
    "otsu": global_otsu,
    "adaptive": adaptive_mean,
    "sauvola": sauvola,
}
