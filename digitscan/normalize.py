"""The single MNIST-style normaliser shared by training and reading."""

from __future__ import annotations

import cv2
import numpy as np

FIELD = 28
BOX = 20


def ink_is_dark(image: np.ndarray) -> bool:
    """Guess polarity from the border: the background touches it, the ink mostly does not."""
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    return float(border.mean()) > float(image.mean()) or float(border.mean()) > 127


def to_mnist(image: np.ndarray, dark_ink: bool | None = None) -> np.ndarray:
    """Turn a digit image of any size and polarity into a 28x28 uint8 MNIST crop.

    The ink's bounding box is fitted into a 20x20 box keeping the aspect ratio (area
    interpolation anti-aliases), then placed so its centre of mass sits at the centre of
    the field. White ink on black, 0-255. A bool mask is taken as ink where True.
    """
    if image.dtype == bool:  # the page stage's glyph masks: ink already, no polarity to guess
        rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        if len(rows) == 0:
            return np.zeros((FIELD, FIELD), np.uint8)
        return centred(image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32) * 255.0)
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    gray = np.asarray(image, dtype=np.float32)
    if gray.size and gray.max() <= 1.0 and image.dtype != np.uint8:
        gray = gray * 255.0
    if gray.size == 0:
        return np.zeros((FIELD, FIELD), np.uint8)
    if dark_ink is None:
        dark_ink = ink_is_dark(gray)
    ink = 255.0 - gray if dark_ink else gray
    ink = np.clip(ink - ink.min(), 0, 255)
    peak = float(ink.max())
    if peak <= 0:
        return np.zeros((FIELD, FIELD), np.uint8)
    rows = np.flatnonzero((ink > peak * 0.1).any(axis=1))
    cols = np.flatnonzero((ink > peak * 0.1).any(axis=0))
    return centred(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] * (255.0 / peak))


def centred(ink: np.ndarray) -> np.ndarray:
    """Tight float ink (0-255) fitted into the 20x20 box, centre of mass at the field's centre."""
    field = np.zeros((FIELD, FIELD), np.uint8)
    height, width = ink.shape
    if height == 0 or width == 0:
        return field
    scale = BOX / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(ink, (new_w, new_h), interpolation=interpolation)
    moments = cv2.moments(small)
    if moments["m00"] <= 0:
        return field
    com_x, com_y = moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]
    top = min(max(round(FIELD / 2 - com_y), 0), FIELD - new_h)
    left = min(max(round(FIELD / 2 - com_x), 0), FIELD - new_w)
    field[top : top + new_h, left : left + new_w] = np.clip(small, 0, 255).astype(np.uint8)
    return field
