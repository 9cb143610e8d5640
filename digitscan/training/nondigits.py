"""Generated marks that are not digits, for the classifier's "not a digit" class.

A form page also yields specks, fragments of rules and boxes, printed letters, ticks,
scribbles, halves of digits and pairs of touching digits. Shapes a digit can legitimately
take after normalisation (a lone vertical bar is a 1, a box corner like "7") are left out
on purpose: rejecting those is the page stage's job, by size and by line removal.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from digitscan.normalize import to_mnist
from digitscan.training.augment import CANVAS, pen_width, random_affine, scan_effects, upscaled

# Letters and signs that no handwritten digit resembles closely (no O, I, l, S, Z, B, C, G, q...).
LETTERS = "AEFHKMNPRVWXaefhkmnprtvwx#%*+=<>@:;~?"
FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX,
    cv2.FONT_HERSHEY_DUPLEX,
    cv2.FONT_HERSHEY_COMPLEX,
    cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_PLAIN,
    cv2.FONT_HERSHEY_COMPLEX_SMALL,
)


def blank() -> np.ndarray:
    return np.zeros((CANVAS, CANVAS), np.float32)


def thickness(rng: np.random.Generator) -> int:
    return int(rng.integers(2, 7))


def point(rng: np.random.Generator, margin: int = 8) -> tuple[int, int]:
    return int(rng.integers(margin, CANVAS - margin)), int(rng.integers(margin, CANVAS - margin))


def speck(rng: np.random.Generator) -> np.ndarray:
    canvas = blank()
    for _ in range(int(rng.integers(1, 4))):
        axes = (int(rng.integers(2, 12)), int(rng.integers(2, 12)))
        cv2.ellipse(canvas, point(rng, 20), axes, float(rng.uniform(0, 180)), 0, 360, 255, -1)
    return canvas


def rule_fragment(rng: np.random.Generator) -> np.ndarray:
    """A near-horizontal piece of a ruled line or underline, maybe with a tick or a join."""
    canvas = blank()
    y = CANVAS // 2 + int(rng.integers(-4, 5))
    slope = rng.uniform(-0.1, 0.1)
    x0, x1 = 2, CANVAS - 2
    width = thickness(rng)
    cv2.line(canvas, (x0, y), (x1, int(y + slope * (x1 - x0))), 255, width)
    kind = rng.integers(0, 4)
    tick = int(rng.integers(4, 14))
    if kind == 1:  # comb cell: short upward ticks at both ends
        cv2.line(canvas, (x0, y), (x0, y - tick), 255, width)
        cv2.line(canvas, (x1, y), (x1, y - tick), 255, width)
    elif kind == 2:  # T junction or cross of a table
        x = int(rng.integers(12, CANVAS - 12))
        cv2.line(canvas, (x, y - tick if rng.random() < 0.5 else y), (x, y + tick), 255, width)
    return canvas


def box(rng: np.random.Generator) -> np.ndarray:
    """An empty printed box or check box, wider than tall, thin straight sides."""
    canvas = blank()
    height = int(rng.integers(14, 40))
    width = int(height * rng.uniform(1.05, 2.5))
    width = min(width, CANVAS - 6)
    left, top = (CANVAS - width) // 2, (CANVAS - height) // 2
    cv2.rectangle(canvas, (left, top), (left + width, top + height), 255, int(rng.integers(1, 4)))
    return canvas


def letter(rng: np.random.Generator) -> np.ndarray:
    canvas = np.zeros((CANVAS, CANVAS), np.uint8)  # putText draws on 8-bit images only
    text = str(rng.choice(list(LETTERS)))
    font = int(rng.choice(FONTS)) | (cv2.FONT_ITALIC if rng.random() < 0.3 else 0)
    cv2.putText(canvas, text, (14, CANVAS - 18), font, 1.6, 255, int(rng.integers(1, 5)), cv2.LINE_AA)
    return canvas.astype(np.float32)


def tick_or_cross(rng: np.random.Generator) -> np.ndarray:
    canvas = blank()
    width = thickness(rng)
    if rng.random() < 0.5:  # a check mark: short stroke down, long stroke up
        a = (int(rng.integers(10, 22)), int(rng.integers(28, 40)))
        b = (int(rng.integers(24, 34)), int(rng.integers(48, 60)))
        c = (int(rng.integers(50, 64)), int(rng.integers(6, 18)))
        cv2.polylines(canvas, [np.array([a, b, c])], False, 255, width)
    else:  # an X in a check box
        size = int(rng.integers(12, 26))
        cx, cy = CANVAS // 2, CANVAS // 2
        cv2.line(canvas, (cx - size, cy - size), (cx + size, cy + size), 255, width)
        cv2.line(canvas, (cx - size, cy + size), (cx + size, cy - size), 255, width)
    return canvas


def scribble(rng: np.random.Generator) -> np.ndarray:
    """A tangle of many random strokes: far from any digit's simple path."""
    canvas = blank()
    points = np.array([point(rng) for _ in range(int(rng.integers(7, 13)))])
    cv2.polylines(canvas, [points], False, 255, thickness(rng))
    return canvas


def digit_half(rng: np.random.Generator, digits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The left or right half of a 0: a broken-off arc (halves of most digits read as digits)."""
    side = "left" if rng.random() < 0.5 else "right"
    image = upscaled(digits[rng.choice(np.flatnonzero(labels == 0))])
    cols = np.flatnonzero(image.any(axis=0))
    middle = (cols[0] + cols[-1]) // 2
    if side == "left":
        image[:, middle:] = 0
    else:
        image[:, : middle + 1] = 0
    return image


def digit_pair(rng: np.random.Generator, digits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Two digits touching side by side: one glyph that must be split, not read."""
    del labels
    first, second = digits[rng.integers(0, len(digits), 2)]
    overlap = int(rng.integers(6, 11))
    pair = np.zeros((28, 56 - overlap), np.uint8)
    pair[:, :28] = first
    pair[:, 28 - overlap :] = np.maximum(pair[:, 28 - overlap :], second)
    return pair.astype(np.float32)


SHAPES: tuple[Callable[[np.random.Generator], np.ndarray], ...] = (
    speck,
    rule_fragment,
    box,
    letter,
    letter,
    tick_or_cross,
    scribble,
)


def generate_nondigits(
    count: int,
    rng: np.random.Generator,
    digits: np.ndarray | None = None,
    labels: np.ndarray | None = None,
) -> np.ndarray:
    """`count` normalised 28x28 uint8 crops of marks that are not digits.

    With `digits` and `labels` (MNIST images), fragments and touching pairs of them are
    mixed in; pass training digits when training and test digits when measuring.
    """
    out = np.zeros((count, 28, 28), np.uint8)
    with_digits = digits is not None and labels is not None
    for index in range(count):
        if with_digits and rng.random() < 0.2:
            maker = digit_half if rng.random() < 0.5 else digit_pair
            canvas = maker(rng, digits, labels)
        else:
            canvas = SHAPES[int(rng.integers(0, len(SHAPES)))](rng)
            canvas = random_affine(canvas, rng)
        out[index] = to_mnist(scan_effects(pen_width(canvas, rng), rng), dark_ink=False)
    return out
