"""Connected components with their boxes, at about half OpenCV's cost for the same answer.

`cv2.connectedComponentsWithStats` spends most of its time on statistics; on an A4 page a
plain labelling plus the outer contours' bounding boxes gives the same boxes in about half
the time (6.4 against 12.6 ms on samples/form-01.png). Where only the boxes matter (the glyph
height at half size) the contours alone will do.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitscan.errors import CrowdedPage, PageRefused


def shared_area(one: tuple[int, int, int, int], other: tuple[int, int, int, int]) -> int:
    """The area two boxes (x, y, width, height) have in common."""
    across = min(one[0] + one[2], other[0] + other[2]) - max(one[0], other[0])
    down = min(one[1] + one[3], other[1] + other[3]) - max(one[1], other[1])
    return max(0, across) * max(0, down)


def outer_contours(binary: np.ndarray) -> list[np.ndarray]:
    """One outer contour per 8-connected component of the ink: in RETR_CCOMP a component inside
    another's hole is again an outer contour (parent -1)."""
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    return [contour for contour, parent in zip(contours, hierarchy[0, :, 3], strict=True) if parent < 0]


def has_loop(mask: np.ndarray) -> bool:
    """Whether the ink encloses paper anywhere (a written 0 does, a dash or an equals sign
    does not)."""
    _, hierarchy = cv2.findContours(mask.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    return hierarchy is not None and bool((hierarchy[0, :, 3] >= 0).any())


def boxes_of(binary: np.ndarray) -> np.ndarray:
    """Each component's box (x, y, width, height), in no particular order: no labelling."""
    return np.array([cv2.boundingRect(c) for c in outer_contours(binary)], np.int32).reshape(-1, 4)


# Forms measured 56-115 components a megapixel at the working resolution (samples/ and a
# generated check set); salt-and-pepper noise 3,300, a dithered photo 18,000. Past this the
# page is no form, and tracing its contours would cost seconds.
MAX_COMPONENTS_PER_MEGAPIXEL = 1500
# Forms are 2-3% ink once thresholded; noise and dithered pictures about half.
MAX_INK_SHARE = 0.3
# Both limits are for pages: a snippet of one field (a cheque amount 40 px high) can be
# a third ink and hold dozens of marks in a few thousand pixels, and costs nothing to read.
PAGE_PIXELS = 1_000_000
MIN_COMPONENTS_TO_REFUSE = 2000  # forms measured at most ~450


def refuse_noise(binary: np.ndarray) -> None:
    """Raise PageRefused for a page far inkier than any form: checked before any costly stage."""
    share = cv2.countNonZero(binary) / max(1, binary.size)
    if binary.size >= PAGE_PIXELS and share > MAX_INK_SHARE:
        raise PageRefused(f"{share:.0%} of the page is ink: noise, a photo or a dithered image, not a form")


def refuse_crowded_page(marks: int, pixels: int) -> None:
    """Raise CrowdedPage for a page of far more separate `marks` than a form has."""
    per_megapixel = marks / max(1e-6, pixels / 1e6)
    if marks > MIN_COMPONENTS_TO_REFUSE and per_megapixel > MAX_COMPONENTS_PER_MEGAPIXEL:
        raise CrowdedPage(
            f"{marks:,} separate marks ({per_megapixel:,.0f} a megapixel, forms have ~100): "
            "noise or a dithered image, not a form"
        )


def component_boxes(binary: np.ndarray, refuse_crowded: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """8-connected labels of the ink (0 = paper) and each component's box: row i holds
    (x, y, width, height) of label i + 1. With `refuse_crowded`, a page with far more
    components than a form has is refused (PageRefused) before its contours are traced."""
    count, labels = cv2.connectedComponents(binary, connectivity=8)
    if refuse_crowded:
        refuse_crowded_page(count - 1, binary.size)
    boxes = np.zeros((count - 1, 4), np.int32)
    if count <= 1:
        return labels, boxes
    # Both follow 8-connected ink, so each component has exactly one outer contour.
    for contour in outer_contours(binary):
        x, y = contour[0, 0]
        boxes[labels[y, x] - 1] = cv2.boundingRect(contour)
    return labels, boxes


def pieces_at_least(mask: np.ndarray, size: float) -> np.ndarray:
    """A bool mask of ink without the pieces both narrower and shorter than `size` pixels."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    big = (stats[:, cv2.CC_STAT_WIDTH] >= size) | (stats[:, cv2.CC_STAT_HEIGHT] >= size)
    big[0] = False  # the paper
    return big[labels]
