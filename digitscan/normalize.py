"""The single MNIST-style normaliser shared by training and reading."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FIELD = 28
BOX = 20
PAIR_FIELD = (28, 56)  # rows, columns: two digits side by side, each at MNIST's scale
PAIR_BOX = (20, 48)
LINE_FIELD = (32, 256)  # rows, columns: a digit string for the string reader, up to ~10 digits
LINE_HEIGHT = 24  # the ink's height in that field: room above and below for a slant


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
        return centred(mask_ink(image))
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


def to_pair(mask: np.ndarray) -> np.ndarray:
    """A glyph mask (bool) holding two touching digits, as a 28x56 crop for the pair reader:
    fitted into a 20x48 box, aspect kept (so each digit is about MNIST's size), centre of mass
    at the centre."""
    return centred(mask_ink(mask), PAIR_FIELD, PAIR_BOX)


def mask_ink(mask: np.ndarray) -> np.ndarray:
    """A bool mask cut to its ink's box, as float ink 0-255 (empty when there is no ink)."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return np.zeros((0, 0), np.float32)
    return mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float32) * 255.0


def centred(
    ink: np.ndarray, field_shape: tuple[int, int] = (FIELD, FIELD), box: tuple[int, int] = (BOX, BOX)
) -> np.ndarray:
    """Tight float ink (0-255) fitted into `box` (rows, columns; 20x20), aspect kept, centre
    of mass at the centre of a field of `field_shape` (28x28)."""
    field = np.zeros(field_shape, np.uint8)
    height, width = ink.shape
    if height == 0 or width == 0:
        return field
    scale = min(box[0] / height, box[1] / width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(ink, (new_w, new_h), interpolation=interpolation)
    moments = cv2.moments(small)
    if moments["m00"] <= 0:
        return field
    com_x, com_y = moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]
    top = min(max(round(field_shape[0] / 2 - com_y), 0), field_shape[0] - new_h)
    left = min(max(round(field_shape[1] / 2 - com_x), 0), field_shape[1] - new_w)
    field[top : top + new_h, left : left + new_w] = np.clip(small, 0, 255).astype(np.uint8)
    return field


@dataclass(frozen=True)
class LinePlacement:
    """Where a string's ink went in the string reader's field: field column c shows mask
    column origin + (c - left) / scale."""

    scale: float
    left: int
    origin: int

    def mask_column(self, column: float) -> float:
        return self.origin + (column - self.left) / self.scale


def to_line(mask: np.ndarray) -> tuple[np.ndarray, LinePlacement]:
    """A string's ink (bool mask, any size) as the string reader's 32x256 field: scaled to
    LINE_HEIGHT rows (narrower if it would not fit the width), centred vertically, a few
    columns in from the left."""
    field = np.zeros(LINE_FIELD, np.uint8)
    ink = mask_ink(mask)
    height, width = ink.shape
    if height == 0 or width == 0:
        return field, LinePlacement(1.0, 0, 0)
    left = 4
    scale = min(LINE_HEIGHT / height, (LINE_FIELD[1] - 2 * left) / width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(ink, (new_w, new_h), interpolation=interpolation)
    top = (LINE_FIELD[0] - new_h) // 2
    field[top : top + new_h, left : left + new_w] = np.clip(small, 0, 255).astype(np.uint8)
    return field, LinePlacement(scale, left, int(np.flatnonzero(mask.any(axis=0))[0]))
