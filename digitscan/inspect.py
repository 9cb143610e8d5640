"""Seeing what was read: annotated pages and saved crops."""

from __future__ import annotations

import cv2
import numpy as np

from digitscan.containers import PageReading

GOOD = (40, 160, 40)  # BGR
REVIEW = (0, 110, 255)
DIGIT = (200, 90, 0)


def annotate(image: np.ndarray, reading: PageReading, min_confidence: float) -> np.ndarray:
    """The page in colour with each string's box and text and each digit's label."""
    page = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    scale = max(0.5, max(page.shape[:2]) / 2500)
    thickness = max(1, round(2 * scale))
    for string in reading.strings:
        colour = REVIEW if string.needs_review(min_confidence) else GOOD
        box = string.box
        cv2.rectangle(page, (box.x, box.y), (box.x + box.width, box.y + box.height), colour, thickness)
        caption = f"{string.index}: {string.text} ({string.confidence:.2f})"
        cv2.putText(
            page,
            caption,
            (box.x, max(12, box.y - 6)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.6 * scale,
            colour,
            thickness,
        )
        for digit in string.digits:
            doubtful = digit.label.digit is None or digit.label.confidence < min_confidence
            d = digit.box
            cv2.rectangle(page, (d.x, d.y), (d.x + d.width, d.y + d.height), REVIEW if doubtful else DIGIT, 1)
            cv2.putText(
                page,
                digit.label.text,
                (d.x, d.y + d.height + round(16 * scale)),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.5 * scale,
                REVIEW if doubtful else DIGIT,
                max(1, thickness - 1),
            )
    return page
