"""Numbers written standing on an underline, every digit on it, beside the same numbers on bare paper.

    python benchmarks/underline.py --data ../shared/datasets/mnist --real ../shared/datasets

People write on a form's line: the feet of 2s and the bottoms of loops lie along it and can go
with it when the rule is erased, and a digit so damaged can be read as another, or parted
from its string. Each number is six of a source's validation digits (writer- or
image-disjoint from training, as `sources.py`), each scaled to 0.85-1.05 of the number's
height and set with its lowest row from 2 rows above the line's top row to 2 rows into it
(the line drawn 2-4 pixels thick, 3-5 rows as OpenCV draws it), one number to a 200-dpi page
7 by 3.5 inches. Prints, per source, on the line and on bare paper (the same digits, the
same places): numbers exact, digit accuracy, the share accepted, the share of the accepted
that is wrong, and those missed. `--turn 180` feeds every page upside down (90, 270: on its
side): a page of one number has too few marks to be turned on, and must be flagged where it is
not read the right way up.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
from sources import validation_digits, validation_parser  # benchmarks/sources.py

from digitscan.api import ScanOptions, load_readers
from digitscan.evaluate import Field, fields_of, score_forms
from digitscan.orientation import turn_image, unturn_box
from digitscan.pages import Page
from digitscan.synth import DigitSource, digit_ink, stamp

DPI = 200
PAPER, INK = 235, 40
HEIGHT = 64  # pixels: about 8 mm at 200 dpi
LINE_Y = 400


def number_pages(
    images: np.ndarray, labels: np.ndarray, count: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray, Field]]:
    """Per number, its page on the line, the same without it, and the number's truth."""
    rng = np.random.default_rng(seed)
    digits = DigitSource(images, labels, rng)
    out = []
    for number in range(count):
        alpha = np.zeros((700, 1400), np.float32)
        thickness = int(rng.integers(2, 5))
        into_line = int(rng.integers(-1, 3))  # the digits' lowest row at LINE_Y + into_line - 1
        x, text, boxes = 250, "", []
        for _ in range(6):
            image, label = digits.take()
            ink = digit_ink(image, int(HEIGHT * rng.uniform(0.85, 1.05)), rng, broken=False)
            top = LINE_Y + into_line - ink.shape[0]
            stamp(alpha, ink, x, top)
            boxes.append((x, top, x + ink.shape[1], top + ink.shape[0]))
            x += ink.shape[1] + int(rng.uniform(0.15, 0.45) * HEIGHT)
            text += str(label)
        bare = (PAPER - (PAPER - INK) * alpha).astype(np.uint8)
        lined = bare.copy()
        cv2.line(lined, (150, LINE_Y + thickness // 2), (1250, LINE_Y + thickness // 2), INK, thickness)
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        out.append((lined, bare, Field(f"number-{number}.png", 1, x0, y0, x1 - x0, y1 - y0, text)))
    return out


def turned_field(field: Field, shape: tuple[int, ...], degrees: int) -> Field:
    """A number's truth on its page of `shape` fed turned `degrees` clockwise."""
    # the page as written is the page as fed, turned the rest of the way round
    x, y, width, height = unturn_box((field.x, field.y, field.width, field.height), shape, -degrees)
    return replace(field, x=x, y=y, width=width, height=height)


def main() -> None:
    parser = validation_parser(__doc__)
    parser.add_argument("--numbers", type=int, default=200, help="numbers per source")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--turn", type=int, default=0, choices=(0, 90, 180, 270), help="each page fed turned so, clockwise"
    )
    args = parser.parse_args()
    options = ScanOptions()
    readers = load_readers(None, options)
    for source, (images, labels) in validation_digits(args.data, args.real).items():
        pages = number_pages(images, labels, args.numbers, args.seed)
        truth = [turned_field(field, lined.shape, args.turn) for lined, _, field in pages]
        for name, which in (("on the line", 0), ("bare paper", 1)):
            read = [
                row
                for page in pages
                for row in fields_of(
                    readers.read(Page(page[2].file, 1, turn_image(page[which], args.turn), DPI)),
                    options.min_confidence,
                )
            ]
            score = score_forms(truth, read)
            print(
                f"{source:12s} {name:11s} {len(truth)} numbers  exact {score.exact:7.2%}  "
                f"digits {score.digit_accuracy:7.2%}  accepted {score.accepted:7.2%}  "
                f"wrong among accepted {score.wrong_among_accepted:5.2%}  missed {score.missed}"
            )


if __name__ == "__main__":
    main()
