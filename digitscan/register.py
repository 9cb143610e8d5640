"""Page-to-template registration, and finding a form's fields on a reference page.

Registration matches ORB features of the page and the reference (both reduced to
REGISTER_DPI) and fits a homography with RANSAC: a shift, a turn, a change of scale and
the mild perspective of a flatbed or a feeder. A page whose features agree with too few of the
reference's (another form, a blank sheet) does not match; `register` raises `PageRefused`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from digitscan.containers import Box
from digitscan.errors import PageRefused
from digitscan.segment import binarize, components, lines

REGISTER_DPI = 100  # features of print (letters, box corners) are a few pixels wide here
FEATURES = 2500
RATIO = 0.8  # Lowe's ratio test: a match clearly better than the second best
RANSAC_PIXELS = 3.0  # at REGISTER_DPI
# Two tests that a page is a scan of the form. Enough features agree on one position (a page
# of the form shares hundreds with it; a blank sheet or a photo few)...
MIN_INLIERS = 40
# ...and that position puts ink under the form's print: on generated forms of two layouts of
# the same style (labels, title, boxes in two columns) every scan of the form had 100% of the
# reference's print under ink, scans of the other layout 40-44% (yet 300+ agreeing features:
# the parts the two share).
MIN_PRINT_FOUND = 0.8
MAX_SCALE_CHANGE = 0.25  # a scan of the form at another size than this is not a scan of it


@dataclass(frozen=True, eq=False)
class Features:
    """ORB keypoints (their positions in the image's own pixels) and descriptors, and the
    image's ink at REGISTER_DPI (`scale` of the image's pixels), which verifies a match."""

    points: np.ndarray  # N x 2 float32
    descriptors: np.ndarray | None
    ink: np.ndarray  # uint8, 255 = ink
    scale: float


@dataclass(frozen=True, eq=False)
class Registration:
    """Where a page sits on a template's reference: `to_reference` maps page pixels to
    reference pixels (3x3); `inliers` is how many features agreed."""

    to_reference: np.ndarray
    inliers: int

    @property
    def skew(self) -> float:
        """Degrees the page is turned against the reference (counter-clockwise positive)."""
        return float(np.degrees(np.arctan2(self.to_reference[1, 0], self.to_reference[0, 0])))

    def box_on_page(self, box: Box) -> Box:
        """A reference box mapped onto the page as loaded: the box around its four corners."""
        corners = np.float32(
            [
                [box.x, box.y],
                [box.x + box.width, box.y],
                [box.x, box.y + box.height],
                [box.x + box.width, box.y + box.height],
            ]
        ).reshape(-1, 1, 2)
        mapped = cv2.perspectiveTransform(corners, np.linalg.inv(self.to_reference)).reshape(-1, 2)
        (x0, y0), (x1, y1) = np.floor(mapped.min(axis=0)), np.ceil(mapped.max(axis=0))
        return Box(int(x0), int(y0), int(x1 - x0), int(y1 - y0))

    def cut(self, gray: np.ndarray, box: Box, margin: int) -> np.ndarray:
        """The page's pixels under a reference box (and `margin` around it), in reference
        geometry: the page's shift, turn and scale undone."""
        shift = np.array([[1, 0, margin - box.x], [0, 1, margin - box.y], [0, 0, 1]], np.float64)
        size = (box.width + 2 * margin, box.height + 2 * margin)
        return cv2.warpPerspective(
            gray, shift @ self.to_reference, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )


def find_features(gray: np.ndarray, dpi: float) -> Features:
    scale = min(1.0, REGISTER_DPI / dpi)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    orb = cv2.ORB_create(nfeatures=FEATURES, scaleFactor=1.2, nlevels=6, fastThreshold=12)
    keypoints, descriptors = orb.detectAndCompute(small, None)
    points = np.float32([k.pt for k in keypoints]).reshape(-1, 2) / scale
    return Features(points, descriptors, binarize.binarize(small, window=15), scale)


def print_outside(features: Features, boxes: list[Box]) -> np.ndarray:
    """A reference's ink outside its fields' boxes: the form's print, never a filled-in value."""
    ink = features.ink.copy()
    for box in boxes:
        x0, y0 = int(box.x * features.scale), int(box.y * features.scale)
        x1, y1 = (
            int(np.ceil((box.x + box.width) * features.scale)),
            int(np.ceil((box.y + box.height) * features.scale)),
        )
        ink[y0:y1, x0:x1] = 0
    return ink


def print_found(
    page: Features, reference: Features, reference_print: np.ndarray, to_reference: np.ndarray
) -> float:
    """The share of the reference's print that has ink under it on the registered page (within
    a pixel at REGISTER_DPI): what tells a scan of the form from another form that shares
    some of its print (a title, a logo, labels)."""
    to_small = (
        np.diag([reference.scale, reference.scale, 1.0])
        @ to_reference
        @ np.diag([1 / page.scale, 1 / page.scale, 1.0])
    )
    height, width = reference_print.shape
    warped = cv2.warpPerspective(page.ink, to_small, (width, height), flags=cv2.INTER_NEAREST)
    near = cv2.dilate(warped, np.ones((3, 3), np.uint8))
    total = cv2.countNonZero(reference_print)
    return cv2.countNonZero(cv2.bitwise_and(reference_print, near)) / max(1, total)


def register(
    page: Features, reference: Features, reference_print: np.ndarray, reference_dpi: float
) -> Registration:
    """The page's place on the reference; `PageRefused` when they are not the same form.
    `reference_print`: `print_outside` of the reference."""
    if page.descriptors is None or reference.descriptors is None or len(page.points) < 8:
        raise PageRefused("the page has almost no print to match")
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(page.descriptors, reference.descriptors, k=2)
    good = [m[0] for m in pairs if len(m) == 2 and m[0].distance < RATIO * m[1].distance]
    if len(good) < 8:
        raise PageRefused(f"only {len(good)} features in common")
    source = page.points[[m.queryIdx for m in good]]
    target = reference.points[[m.trainIdx for m in good]]
    threshold = RANSAC_PIXELS * max(1.0, reference_dpi / REGISTER_DPI)
    matrix, mask = cv2.findHomography(source, target, cv2.RANSAC, threshold, maxIters=4000, confidence=0.999)
    inliers = int(mask.sum()) if mask is not None else 0
    if matrix is None or inliers < MIN_INLIERS:
        raise PageRefused(f"only {inliers} features agree on a position (at least {MIN_INLIERS} needed)")
    # Refit on the inliers alone by least squares: RANSAC's pick of four is the rough answer.
    keep = mask.ravel().astype(bool)
    refined, _ = cv2.findHomography(source[keep], target[keep], 0)
    matrix = refined if refined is not None else matrix
    scale = np.sqrt(abs(np.linalg.det(matrix[:2, :2])))
    if abs(scale - 1) > MAX_SCALE_CHANGE:
        raise PageRefused(f"it would be {scale:.2f} times the reference's size")
    found = print_found(page, reference, reference_print, matrix)
    if found < MIN_PRINT_FOUND:
        raise PageRefused(
            f"only {found:.0%} of the form's print is on the page "
            f"where it would be ({MIN_PRINT_FOUND:.0%} needed)"
        )
    return Registration(matrix, inliers)


# Field detection on a reference page: boxes and combs are closed regions of the rule mask,
# underlined blanks are rules with nothing closed above them.
FIELD_MIN_HEIGHT = 0.15  # inches: smaller holes are letters' counters or table hairlines
FIELD_MAX_HEIGHT = 1.5
FIELD_MIN_WIDTH = 0.2
UNDERLINE_MIN_WIDTH = 1.0
UNDERLINE_FIELD_HEIGHT = 0.4  # inches above an underline taken as its field


@dataclass(frozen=True)
class FoundField:
    box: Box
    cells: int | None
    kind: str  # "box", "comb" or "underline"


def rule_mask(binary: np.ndarray, dpi: float) -> np.ndarray:
    rules = lines.find_rules(binary, 0.22 * dpi)
    mask = cv2.bitwise_or(rules.horizontal, rules.vertical)
    return cv2.dilate(mask, np.ones((3, 3), np.uint8))  # close the gaps at the corners


def combs_and_boxes(mask: np.ndarray, binary: np.ndarray, dpi: float) -> list[FoundField]:
    """Closed regions of the rules: each hole of field size is a box; holes side by side under
    one outline, of one height, are a comb's cells (a comb with open-topped dividers is one box
    here: its dividers do not close; `cells` then comes from the dividers counted)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    holes: dict[int, list[tuple[int, int, int, int]]] = {}
    for index, (_, _, _, parent) in enumerate(hierarchy[0]):
        if parent < 0:
            continue
        x, y, w, h = cv2.boundingRect(contours[index])
        if FIELD_MIN_HEIGHT * dpi <= h <= FIELD_MAX_HEIGHT * dpi and w >= FIELD_MIN_WIDTH * dpi:
            holes.setdefault(parent, []).append((x, y, w, h))
    found = []
    for parent, cells in holes.items():
        px, py, pw, ph = cv2.boundingRect(contours[parent])
        cells.sort()
        if len(cells) > 1 and max(c[3] for c in cells) - min(c[3] for c in cells) <= 0.1 * ph:
            found.append(FoundField(Box(px, py, pw, ph), len(cells), "comb"))
            continue
        for x, y, w, h in cells:
            dividers = count_dividers(binary[y : y + h, x : x + w])
            kind = "comb" if dividers else "box"
            found.append(FoundField(Box(x, y, w, h), dividers + 1 if dividers else None, kind))
    return found


def count_dividers(inside: np.ndarray) -> int:
    """Vertical rules rising from a box's floor at even steps (a comb's open-topped ticks)."""
    height = inside.shape[0]
    columns = (inside[height * 3 // 5 : height - 2] > 0).mean(axis=0) > 0.9
    starts = np.flatnonzero(np.diff(columns.astype(np.int8)) == 1)
    if len(starts) < 1:
        return 0
    edges = np.concatenate([[0], starts, [inside.shape[1]]])
    steps = np.diff(edges)
    return len(starts) if steps.min() > 0.6 * steps.mean() else 0


def underlines(mask: np.ndarray, taken: list[Box], dpi: float) -> list[FoundField]:
    horizontal = cv2.morphologyEx(
        mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (round(UNDERLINE_MIN_WIDTH * dpi), 1))
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(horizontal)
    found = []
    above = round(UNDERLINE_FIELD_HEIGHT * dpi)
    for x, y, w, h, _ in stats[1:count]:
        if h > 0.1 * dpi or w > 6.5 * dpi:  # a page-wide rule is a section's border, not a blank
            continue
        box = Box(int(x), max(0, int(y) - above), int(w), min(above, int(y)))
        rule = Box(int(x), int(y) - 2 * int(h) - 4, int(w), 4 * int(h) + 8)
        if not any(
            overlap(box, other) > 0.3 or overlap(rule, grown(other, 4 + 2 * int(h))) > 0.5 for other in taken
        ):
            found.append(FoundField(box, None, "underline"))
    return found


def grown(box: Box, by: int) -> Box:
    return Box(box.x - by, box.y - by, box.width + 2 * by, box.height + 2 * by)


def overlap(a: Box, b: Box) -> float:
    """The share of `a` that `b` covers."""
    both = components.shared_area((a.x, a.y, a.width, a.height), (b.x, b.y, b.width, b.height))
    return both / max(1, a.width * a.height)


def detect_fields(gray: np.ndarray, dpi: float) -> list[FoundField]:
    """The number fields of a form (boxes, combs, underlined blanks), in reading order."""
    binary = binarize.binarize(gray, window=max(15, round(dpi / 6)))
    mask = rule_mask(binary, dpi)
    found = combs_and_boxes(mask, binary, dpi)
    found += underlines(mask, [f.box for f in found], dpi)
    return reading_order(found)


def reading_order(found: list[FoundField]) -> list[FoundField]:
    """Rows top to bottom (a field starts a new row when it lies below the row's first field's
    middle), left to right within a row."""
    rows: list[list[FoundField]] = []
    for field in sorted(found, key=lambda f: f.box.y):
        if rows and field.box.y < rows[-1][0].box.y + rows[-1][0].box.height / 2:
            rows[-1].append(field)
        else:
            rows.append([field])
    return [field for row in rows for field in sorted(row, key=lambda f: f.box.x)]
