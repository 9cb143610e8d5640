"""The touching-pair reader: training data and model.

Two digits whose strokes overlap (a 1 leaning into a 3, a 7's bar over a 0) leave no path
between them for the page stage to cut along, so the glyph reads as "not a digit". The pair
reader reads such a glyph whole, as one of the 100 pairs 00-99 or as "not a pair" (single
digits, touching triples, marks that are no digits): segmentation-free recognition of
digit pairs, the approach of Hochuli et al., "Handwritten digit segmentation: is it still
necessary?" (Pattern Recognition, 2018).

Pairs are composed from MNIST digits as the sample generator writes touching digits
(`synth.side_by_side`), with more overlap than it uses, thresholded as the page stage
thresholds, and normalised with `normalize.to_pair`.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitscan.classify import NOT_PAIR
from digitscan.normalize import PAIR_FIELD, to_pair
from digitscan.synth import side_by_side

OVERLAP = (0.0, 0.35)  # of the digit height: from just touching to a third of a digit inside
NOT_PAIR_SHARE = 0.25
GLYPH_HEIGHTS = (24, 64)  # pixels: 3-8 mm handwriting at the page stage's 200 dpi


def written(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Digits written touching in a row, slanted a little, as the page stage's bool mask."""
    height = int(rng.integers(*GLYPH_HEIGHTS))
    ink = side_by_side(images, height, rng, OVERLAP)
    shear = rng.uniform(-0.2, 0.2)
    matrix = np.array([[1, shear, -shear * ink.shape[0] / 2], [0, 1, 0]], np.float32)
    ink = cv2.warpAffine(ink, matrix, (ink.shape[1], ink.shape[0]))
    return ink > rng.uniform(0.3, 0.6)  # pen width: where the scan's threshold falls


def mark_mask(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 28x28 non-digit crop (a speck, a letter, a scribble...) stretched as wide as a pair."""
    width = int(28 * rng.uniform(1.0, 2.2))
    return cv2.resize(crop, (width, 28), interpolation=cv2.INTER_LINEAR) > 127


def pair_batch(
    count: int,
    rng: np.random.Generator,
    digits: np.ndarray,
    labels: np.ndarray,
    nondigits: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """`count` pair crops (28x56 uint8) and their classes: 10 * first + second, or NOT_PAIR
    for single digits, touching triples and `nondigits` (28x28 crops of marks)."""
    crops = np.zeros((count, *PAIR_FIELD), np.uint8)
    classes = np.full(count, NOT_PAIR, np.int64)
    for row in range(count):
        kind = rng.random()
        if kind >= NOT_PAIR_SHARE:
            first, second = rng.integers(0, len(digits), 2)
            mask = written(digits[[first, second]], rng)
            classes[row] = 10 * int(labels[first]) + int(labels[second])
        elif kind < NOT_PAIR_SHARE * 0.4:
            mask = written(digits[rng.integers(0, len(digits), 1)], rng)
        elif kind < NOT_PAIR_SHARE * 0.7:
            mask = written(digits[rng.integers(0, len(digits), 3)], rng)
        else:
            mask = mark_mask(nondigits[rng.integers(0, len(nondigits))], rng)
        crops[row] = to_pair(mask)
    return crops, classes


def held_out_pairs(
    digits: np.ndarray, labels: np.ndarray, count: int, seed: int = 2**31 - 1
) -> tuple[np.ndarray, np.ndarray]:
    """`count` crops for scoring the reader, from MNIST *test* digits and marks made from them
    (a fifth as many), with a seed training never uses."""
    from digitscan.training.nondigits import generate_nondigits

    rng = np.random.default_rng(seed)
    marks = generate_nondigits(max(1, count // 5), rng, digits, labels)
    return pair_batch(count, rng, digits, labels, marks)


def build_pair_model():
    """A CNN for 28x56 pair crops, 101 classes; about as costly to run as the digit model."""
    from digitscan.training.model import build_cnn

    return build_cnn((*PAIR_FIELD, 1), ((32, 1), (64, 2), (128, 1)), NOT_PAIR + 1, "digitscan_pairs", "pair")
