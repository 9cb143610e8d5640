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
    the field. White ink on black, 0-255.
    """
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    gray = np.asarray(image, dtype=np.float32)
    if gray.size and gray.max() <= 1.0 and image.dtype != np.uint8:
        gray = gray * 255.0
    field = np.zeros((FIELD, FIELD), np.uint8)
    if gray.size == 0:
        return field
    if dark_ink is None:
        dark_ink = ink_is_dark(gray)
    ink = 255.0 - gray if dark_ink else gray
    ink = np.clip(ink - ink.min(), 0, 255)
    peak = float(ink.max())
    if peak <= 0:
        return field
    rows = np.flatnonzero((ink > peak * 0.1).any(axis=1))
    cols = np.flatnonzero((ink > peak * 0.1).any(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] * (255.0 / peak)
    height, width = ink.shape
    scale = BOX / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(ink, (new_w, new_h), interpolation=interpolation)
    total = float(small.sum())
    if total <= 0:
        return field
    ys, xs = np.indices(small.shape)
    com_y, com_x = float((ys * small).sum() / total), float((xs * small).sum() / total)
    top = int(np.clip(round(FIELD / 2 - com_y), 0, FIELD - new_h))
    left = int(np.clip(round(FIELD / 2 - com_x), 0, FIELD - new_w))
    field[top : top + new_h, left : left + new_w] = np.clip(small, 0, 255).astype(np.uint8)
    return field


def to_mnist_batch(images: list[np.ndarray], dark_ink: bool | None = None) -> np.ndarray:
    """Normalise many images into one (N, 28, 28) uint8 array."""
    if not images:
        return np.zeros((0, FIELD, FIELD), np.uint8)
    return np.stack([to_mnist(image, dark_ink) for image in images])
