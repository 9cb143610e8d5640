"""samples/ read again as worse scanners and older paper would give it, page by page.

    python benchmarks/scans.py [--samples samples]

Each page of samples/ is read as it is and changed four ways: on a dark scanner bed larger
than the sheet (black borders blurred into the paper), with the outer bands of the page itself
scanned black (a lid left open over a smaller sheet), with its right side in deep shadow (a
book's spine) and with its ink faded to 30% of its contrast. Prints, per way, the fields
exact, digit accuracy, the share accepted and the share of the accepted that is wrong.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from digitscan.api import ScanOptions, load_readers
from digitscan.evaluate import Field, fields_of, read_fields, score_forms
from digitscan.pages import Page, load_pages
from digitscan.pipeline import read_page

BED = (90, 40, 120, 60)  # border added above, below, left and right of the sheet (pixels)


def on_dark_bed(image: np.ndarray) -> np.ndarray:
    top, bottom, left, right = BED
    bordered = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=18)
    bordered[:, -right:] = 35  # the lid's edge, a little lighter than the bed
    return cv2.GaussianBlur(bordered, (5, 5), 0)


def black_bands(image: np.ndarray) -> np.ndarray:
    out = image.copy()
    rows, cols = out.shape
    out[:, : int(0.04 * cols)] = 15
    out[: int(0.03 * rows)] = 20
    out[:, -int(0.02 * cols) :] = 30
    return out


def deep_shadow(image: np.ndarray) -> np.ndarray:
    ramp = np.clip(np.linspace(-1, 1, image.shape[1]), 0, 1) ** 2
    return (image * (1 - 0.7 * ramp[None, :])).astype(np.uint8)


def faded(image: np.ndarray) -> np.ndarray:
    return (255 - (255 - image.astype(np.float32)) * 0.3).astype(np.uint8)


WAYS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "as scanned": lambda image: image,
    "on a dark scanner bed": on_dark_bed,
    "black bands over the page": black_bands,
    "right side in deep shadow": deep_shadow,
    "ink faded to 30%": faded,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=Path, default=Path("samples"))
    args = parser.parse_args()
    options = ScanOptions()
    readers = load_readers(None, options)
    truth = read_fields(args.samples / "truth.csv")
    pages = [page for name in sorted({t.file for t in truth}) for page in load_pages(args.samples / name)]
    for way, change in WAYS.items():
        shift = (BED[2], BED[0]) if change is on_dark_bed else (0, 0)
        rows: list[Field] = []
        for page in pages:
            changed = Page(str(page.source), page.number, change(page.image), page.dpi)
            reading = read_page(
                changed,
                readers.classifier,
                pair_reader=readers.pair_reader,
                line_reader=readers.line_reader,
            )
            rows.extend(fields_of(reading, options.min_confidence))
        dx, dy = shift
        moved = [
            Field(str(args.samples / t.file), t.page, t.x + dx, t.y + dy, t.width, t.height, t.text)
            for t in truth
        ]
        score = score_forms(moved, rows)
        print(
            f"{way:<28} {score.fields} fields  exact {score.exact:7.2%}  digits {score.digit_accuracy:7.2%}"
            f"  accepted {score.accepted:7.2%}  wrong among accepted {score.wrong_among_accepted:6.2%}"
            f"  spurious {score.spurious}"
        )


if __name__ == "__main__":
    main()
