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

import cv2
import numpy as np

from digitscan.segment.resample import shrink

# Ink darker than this share of the local paper is ink even on a page with no contrast to learn from.
LOWEST_THRESHOLD = 0.55
HIGHEST_THRESHOLD = 0.88
FAINT_THRESHOLD = 0.82  # clearly darker than paper (pencil too); lighter is paper, stains, noise
ADAPTIVE_MARGIN = 15  # grey levels below the neighbourhood's mean


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
    level = dark_level(gray)
    edge = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.count_nonzero(edge < level) < BORDER_EDGE_SHARE * len(edge):
        return None
    dark, factor = dark_blocks(gray, window, level)
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
    inked = shrink(binary, factor)[: dark.shape[0], : dark.shape[1]] > 0
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


def dark_level(gray: np.ndarray) -> float:
    """Grey level under which a solid area is dark (BORDER_DARK of the page's median)."""
    return BORDER_DARK * float(np.median(gray[::16, ::16]))


def dark_blocks(gray: np.ndarray, window: int, level: float) -> tuple[np.ndarray, int]:
    """Mask (uint8, 255) of the page's areas darker than `level` on the page shrunk by a few
    pixels a side (`window` is a few pen strokes), and that factor."""
    factor = max(1, window // 8)
    return cv2.compare(shrink(gray, factor), level, cv2.CMP_LT), factor


# Of the window: dark areas this wide are looked for on the shrunk page (coarse: a 5.5 mm hole
# is no wider there)... and kept where a circle SOLID_WIDTH across fits in them on the page:
# no pen's stroke is that wide, nor two thick ones run together (4 mm and more at 200 dpi);
# a punched hole (5-8 mm) or a filled box is.
SOLID_LOOK = 1.0
SOLID_WIDTH = 1.2
PLAIN_SPREAD = 2 * ADAPTIVE_MARGIN  # grey levels between an area's darker and lighter parts


def fill_solid_areas(gray: np.ndarray, binary: np.ndarray, window: int) -> np.ndarray:
    """`binary` with the dark areas too wide to be pen strokes (SOLID_WIDTH) made ink all
    through, where they are of one even darkness (no writing on them). The adaptive
    threshold keeps only a ring inside such an area's edge, its middle no darker than its
    neighbourhood: a hole punched in the sheet, scanned dark, was a thick ring read as a 0,
    accepted. Solid, it is no pen's stroke (`glyphs.blots`). Dark areas that reach the
    image's edge are `dark_border`'s."""
    level = dark_level(gray)
    dark, factor = dark_blocks(gray, window, level)
    size = max(3, round(SOLID_LOOK * window / factor))
    solid = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    if not solid.any():
        return binary
    _, _, stats, _ = cv2.connectedComponentsWithStats(solid)
    filled = binary.copy()
    rows, cols = binary.shape
    for x, y, width, height, _ in stats[1:]:
        if x == 0 or y == 0 or x + width == solid.shape[1] or y + height == solid.shape[0]:
            continue
        box = (
            slice(max(0, (y - 1) * factor), min(rows, (y + height + 1) * factor)),
            slice(max(0, (x - 1) * factor), min(cols, (x + width + 1) * factor)),
        )
        area = cv2.compare(gray[box], level, cv2.CMP_LT)
        depth = cv2.distanceTransform(area, cv2.DIST_L2, 3)
        if 2 * depth.max() < SOLID_WIDTH * window:
            continue
        # One even darkness clear of its blurred edge: writing on a dark ground is darker still
        # (a hole's ring, the threshold's doing, is as dark as its middle).
        low, high = np.percentile(gray[box][depth >= 2], [5, 95])
        if high - low <= PLAIN_SPREAD:
            cv2.bitwise_or(filled[box], area, dst=filled[box])
    return filled


def drop_border(binary: np.ndarray, border: np.ndarray | None) -> np.ndarray:
    """The ink of `binary` outside `border` (dark_border's mask)."""
    return binary if border is None else cv2.bitwise_and(binary, cv2.bitwise_not(border))


def ink_contrast(gray: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """How much darker the ink in a box (x, y, width, height) is than its paper: the 75th
    percentile of its grey levels (strokes cover far less of a string's box) less the 5th."""
    x, y, width, height = box
    # Every other pixel each way, from their histogram: the same percentiles, in a fraction of
    # np.percentile's time on every pixel.
    region = np.ascontiguousarray(gray[max(0, y) : y + height : 2, max(0, x) : x + width : 2])
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
# there takes in their printed patterns (README, "Faint ink").
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
