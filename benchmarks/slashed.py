"""Slashed zeros: numbers whose 0s are written with a stroke through them (Ø), read whole.

    python benchmarks/slashed.py --data ../shared/datasets/mnist [--count 100] [--model M.tflite]

Writes --count numbers of MNIST *test* digits (2-6 digits, at least one 0; 60-100 px high at
300 dpi, a third of a height apart), one to a page, each 0 with a straight stroke drawn
through its middle on the page, leaning right 55-75 degrees, 4-7 px thick, reaching --reach of
the 0's half height beyond it at both ends (several values: one line each), and the same
numbers unslashed. Each page is read by the whole pipeline; a line gives the numbers read
exactly, accepted (not flagged), accepted and wrong, and lost (no string on the page: dropped).
The stroke is drawn on the page, not as training draws it (`training.augment.slashed`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from digitscan.api import ScanOptions, load_readers
from digitscan.data import load_mnist
from digitscan.pages import Page
from digitscan.pipeline import read_page

PAPER, INK = 235, 20


def write_number(
    digits: list[np.ndarray],
    height: int,
    slash_reach: float | None,
    rng: np.random.Generator,
    zeros: list[bool],
) -> np.ndarray:
    """A page with the `digits` (28x28, white on black) written side by side, dark on grey
    paper, each 0 (`zeros`) slashed when `slash_reach` is given."""
    page = np.full((4 * height, 2 * height * (len(digits) + 2)), PAPER, np.float32)
    x, top = 2 * height, int(1.5 * height)
    for image, zero in zip(digits, zeros, strict=True):
        rows, cols = np.flatnonzero(image.max(axis=1) > 30), np.flatnonzero(image.max(axis=0) > 30)
        tight = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        width = max(3, round(tight.shape[1] * height / tight.shape[0]))
        ink = np.clip(cv2.resize(tight, (width, height), interpolation=cv2.INTER_CUBIC) / 255.0, 0, 1)
        region = page[top : top + height, x : x + width]
        region -= ink * (region - INK)
        if zero and slash_reach is not None:
            angle = np.deg2rad(rng.uniform(55, 75))
            along = height / 2 * (1 + slash_reach) / np.sin(angle)
            dx, dy = along * np.cos(angle), along * np.sin(angle)
            middle_x, middle_y = x + width / 2, top + height / 2
            start = (round(middle_x - dx), round(middle_y + dy))
            end = (round(middle_x + dx), round(middle_y - dy))
            cv2.line(page, start, end, INK, int(rng.integers(4, 8)), cv2.LINE_AA)
        x += width + round(height / 3)
    return page.astype(np.uint8)


def numbers_with_zeros(count: int, rng: np.random.Generator) -> list[str]:
    numbers = []
    while len(numbers) < count:
        text = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(2, 7))))
        if "0" in text:
            numbers.append(text)
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="MNIST folder")
    parser.add_argument("--count", type=int, default=100, help="numbers")
    parser.add_argument("--reach", type=float, nargs="+", default=(0.02, 0.1, 0.3))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", type=Path, help="classifier (default: the shipped one)")
    args = parser.parse_args()
    options = ScanOptions()
    readers = load_readers(args.model, options)
    mnist = load_mnist(args.data)
    by_digit = [mnist.x_test[mnist.y_test == d] for d in range(10)]
    rng = np.random.default_rng(args.seed)
    numbers = numbers_with_zeros(args.count, rng)
    picks = [[int(rng.integers(len(by_digit[int(c)]))) for c in text] for text in numbers]
    heights = rng.integers(60, 101, len(numbers))
    print(f"{len(numbers)} numbers, model {args.model or 'shipped'}")
    for reach in (None, *args.reach):
        draw = np.random.default_rng(args.seed + 1)  # the same strokes for every model
        right = accepted = accepted_wrong = lost = 0
        for text, pick, height in zip(numbers, picks, heights, strict=True):
            digits = [by_digit[int(c)][k] for c, k in zip(text, pick, strict=True)]
            page = write_number(digits, int(height), reach, draw, [c == "0" for c in text])
            reading = read_page(
                Page(text, 1, page, dpi=300),
                readers.classifier,
                pair_reader=readers.pair_reader,
                line_reader=readers.line_reader,
            )
            strings = reading.strings
            read = "".join(s.text for s in strings)
            flagged = any(s.needs_review(options.min_confidence) for s in strings)
            lost += not strings
            right += read == text
            accepted += bool(strings) and not flagged
            accepted_wrong += bool(strings) and not flagged and read != text
        name = "unslashed" if reach is None else f"slashed, reach {reach:g}"
        print(
            f"{name:<22} exact {right / len(numbers):7.2%}  accepted {accepted / len(numbers):7.2%}"
            f"  accepted wrong {accepted_wrong}  lost {lost}"
        )


if __name__ == "__main__":
    main()
