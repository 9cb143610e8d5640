"""Numbers written with punctuation: dates with slashes, thousands dots and commas, dashes.

    python benchmarks/separators.py --data ../shared/datasets/mnist --real ../shared/datasets

Each string is written by hand from a source's validation digits (writer- or image-disjoint
from training, as `sources.py`), 50-75 pixels high, its separators drawn with a pen as a
person draws them: a slash leaning 12-29 pixels over the digits' height, a dot, a comma
reaching below the line, a dash across the middle. Prints, per kind and source: the strings,
those whose digits read right (`text`), those whose `raw` string is also as written, the
share accepted (not flagged) and the share of the accepted whose digits are wrong. A
separator is punctuation, never a digit and never the end of the string (issue 15).
"""

from __future__ import annotations

import cv2
import numpy as np
from sources import validation_digits, validation_parser  # benchmarks/sources.py

from digitscan.api import ScanOptions, load_readers
from digitscan.pages import Page
from digitscan.synth import digit_ink, stamp

PAPER, INK = 235, 30
BASELINE = 110
KINDS = ("dates", "thousands dots", "thousands commas", "dashes")


def written_number(kind: str, rng: np.random.Generator) -> str:
    """A number of `kind` as a person writes it."""
    if kind == "dates":
        day, month, year = rng.integers(1, 29), rng.integers(1, 13), rng.integers(1950, 2030)
        return f"{day:02d}/{month:02d}/{year}" if rng.random() < 0.7 else f"{day}/{month}/{year % 100:02d}"
    if kind == "thousands dots":
        return f"{int(rng.integers(1000, 99_999_999)):,}".replace(",", ".")
    if kind == "thousands commas":
        return f"{int(rng.integers(1000, 9_999_999)):,}"
    return f"{rng.integers(10, 999)}-{rng.integers(10, 9999)}"


class ByDigit:
    """A source's digits handed out by label, each label's in a fixed shuffled order."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> None:
        self.images = images
        self.by_label = {d: rng.permutation(np.flatnonzero(labels == d)) for d in range(10)}
        self.taken = dict.fromkeys(range(10), 0)

    def take_digit(self, digit: int) -> np.ndarray:
        pool = self.by_label[digit]
        self.taken[digit] += 1
        return self.images[pool[self.taken[digit] % len(pool)]]


def write(written: str, digits: ByDigit, rng: np.random.Generator) -> np.ndarray:
    """The page (one line, 1100 pixels wide) with `written` on it in the source's digits."""
    page = np.full((170, 1100), float(PAPER), np.float32)
    alpha = np.zeros(page.shape, np.float32)
    pen = np.zeros(page.shape, np.uint8)  # the separators, drawn as lines of ink
    height = int(rng.integers(50, 76))
    x = 20
    for char in written:
        if char.isdigit():
            image = digits.take_digit(int(char))
            ink = digit_ink(image, height, rng, broken=False)
            stamp(alpha, ink, x, BASELINE - height)
            x += ink.shape[1] + int(rng.integers(6, 16))
        elif char == "/":
            lean = int(rng.integers(12, 30))
            top = (x + lean, BASELINE - height - int(rng.integers(-6, 6)))
            cv2.line(pen, (x, BASELINE + int(rng.integers(-4, 6))), top, 255, int(rng.integers(3, 6)))
            x += lean + 12
        elif char == ".":
            radius = int(rng.integers(3, 6))
            cv2.circle(pen, (x + radius, BASELINE - radius), radius, 255, -1)
            x += 2 * radius + 12
        elif char == ",":
            tail = BASELINE + int(rng.integers(6, 14))
            cv2.line(pen, (x + 5, BASELINE - 6), (x + 1, tail), 255, int(rng.integers(3, 5)))
            x += 18
        else:
            width = int(rng.integers(16, 30))
            middle = BASELINE - height // 2
            cv2.line(pen, (x, middle), (x + width, middle), 255, int(rng.integers(3, 6)))
            x += width + 12
    alpha = np.maximum(alpha, pen / 255.0)
    return (page - alpha * (PAPER - INK)).astype(np.uint8)


def main() -> None:
    parser = validation_parser(__doc__)
    parser.add_argument("--numbers", type=int, default=50, help="strings per kind and source")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--show-wrong", action="store_true", help="also each accepted string read wrong")
    args = parser.parse_args()
    options = ScanOptions()
    readers = load_readers(None, options)
    for source, (images, labels) in validation_digits(args.data, args.real).items():
        for kind in KINDS:
            rng = np.random.default_rng(args.seed)
            digits = ByDigit(images, labels, rng)
            right = raw_right = accepted = accepted_wrong = 0
            for number in range(args.numbers):
                written = written_number(kind, rng)
                page = Page(f"{kind}-{number}.png", 1, write(written, digits, rng), 200)
                strings = readers.read(page).strings
                text = "".join(s.text for s in strings)
                raw = "".join(s.raw or s.text for s in strings)
                truth = "".join(char for char in written if char.isdigit())
                right += text == truth
                raw_right += text == truth and raw == written
                if strings and not any(s.needs_review(options.min_confidence) for s in strings):
                    accepted += 1
                    accepted_wrong += text != truth
                    if args.show_wrong and text != truth:
                        print(f"    {source} {kind} {page.source}: {written} read {raw}")
            print(
                f"{source:<12} {kind:<17} {args.numbers} strings  digits right {right / args.numbers:7.2%}"
                f"  raw as written {raw_right / args.numbers:7.2%}  accepted {accepted / args.numbers:7.2%}"
                f"  wrong among accepted {accepted_wrong / max(1, accepted):6.2%}"
            )


if __name__ == "__main__":
    main()
