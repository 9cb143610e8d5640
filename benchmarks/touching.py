"""Touching digits: how often the page stage reads a run of touching digits right.

    python benchmarks/touching.py --data ../shared/datasets/mnist --count 1000 [--overlap 0.02 0.12]

Writes single digits, touching pairs and touching triples of MNIST *test* digits (each
starting 2-12% of the digit height inside the one before, as the samples generator does, or
as --overlap says), eight strings to a blank page, one per row, reads every page with the whole
page pipeline (with the pair and string readers, unless --no-pairs or --no-lines) and prints
the share of strings read exactly right per kind. Single digits check that splitting does not
cut whole digits apart.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from digitscan.api import ScanOptions, load_readers
from digitscan.data import load_mnist
from digitscan.pipeline import read_image
from digitscan.synth import side_by_side

PAPER, INK = 235, 30
ROWS = 8  # strings per page: deskew and the size estimate need a page's worth of handwriting


def page_of(
    strings: list[np.ndarray], height: int, rng: np.random.Generator, overlap: tuple[float, float]
) -> tuple[np.ndarray, list[int]]:
    """A page (grey paper, dark ink) with one string of touching digits per row, and each
    row's middle (y)."""
    inks = [side_by_side(images, height, rng, overlap) for images in strings]
    pitch = 3 * height
    page = np.full(
        (pitch * (len(inks) + 1), max(ink.shape[1] for ink in inks) + 4 * height), PAPER, np.float32
    )
    middles = []
    for row, ink in enumerate(inks, start=1):
        top, left = row * pitch - ink.shape[0] // 2, 2 * height
        page[top : top + ink.shape[0], left : left + ink.shape[1]] -= ink * (PAPER - INK)
        middles.append(row * pitch)
    return page.astype(np.uint8), middles


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=None, help="MNIST folder (default: keras download)")
    parser.add_argument("--count", type=int, default=1000, help="strings per kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--overlap", type=float, nargs=2, default=(0.02, 0.12), help="start inside the last digit"
    )
    parser.add_argument("--no-pairs", action="store_true", help="without the pair reader")
    parser.add_argument("--no-lines", action="store_true", help="without the string reader")
    args = parser.parse_args()
    mnist = load_mnist(args.data)
    readers = load_readers(None, ScanOptions(read_pairs=not args.no_pairs, read_lines=not args.no_lines))
    rng = np.random.default_rng(args.seed)
    print(f"{'kind':<8} {'strings':>7} {'read right':>10}")
    for kind, length in (("single", 1), ("pair", 2), ("triple", 3)):
        right = 0
        for _ in range(args.count // ROWS):
            chosen = [rng.integers(0, len(mnist.x_test), length) for _ in range(ROWS)]
            height = int(rng.uniform(40, 60))
            page, middles = page_of([mnist.x_test[c] for c in chosen], height, rng, tuple(args.overlap))
            strings = read_image(
                page, readers.classifier, pair_reader=readers.pair_reader, line_reader=readers.line_reader
            ).strings
            for indices, middle in zip(chosen, middles, strict=True):
                on_row = [s.text for s in strings if abs(s.box.y + s.box.height / 2 - middle) < height]
                right += on_row == ["".join(str(label) for label in mnist.y_test[indices])]
        total = args.count // ROWS * ROWS
        print(f"{kind:<8} {total:>7} {100 * right / total:>9.1f}%")


if __name__ == "__main__":
    main()
