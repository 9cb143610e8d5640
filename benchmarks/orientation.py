"""Pages read at every orientation: the same rows whichever way up the feeder took them.

    python benchmarks/orientation.py [--data ../shared/datasets/mnist --real ../shared/datasets]

Reads each page of samples/ (and, given the datasets, the register pages of
`registers.py`, four a source) as it is and turned 90, 180 and 270 degrees clockwise, and
prints per turn: the pages read the right way up (their `rotation` undoes the turn), the pages
whose strings' texts and flags are those of the page read as it is, the pages flagged
`orientation-unsure`, and the milliseconds a page, against the page as it is, measured in the
same run (issue 13: the same rows at every orientation, for under 10% more time).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from registers import register_page  # benchmarks/registers.py
from sources import validation_digits  # benchmarks/sources.py

from digitscan.api import ScanOptions, load_readers
from digitscan.containers import ORIENTATION_UNSURE, PageReading
from digitscan.orientation import turn_image
from digitscan.pages import Page, find_inputs, load_pages
from digitscan.synth import DigitSource

HERE = Path(__file__).resolve().parent
TURNS = (0, 90, 180, 270)


def rows_of(reading: PageReading) -> list[tuple[str, tuple[str, ...]]]:
    """What a page's rows say whichever way up it came: each string's text and flags but the
    orientation flag (its boxes are on the page as loaded, so they differ)."""
    return [(s.text, tuple(f for f in s.flags if f != ORIENTATION_UNSURE)) for s in reading.strings]


def register_pages(data: Path, real: Path, count: int, seed: int) -> list[Page]:
    held_out = validation_digits(data, real)
    del held_out["orand-car-a"]  # digits cut from cheques: no pen entries (as registers.py)
    pages = []
    for name, (images, labels) in held_out.items():
        rng = np.random.default_rng(seed)
        source = DigitSource(images, labels, rng)
        for number in range(count):
            dpi = (200, 300)[number % 2]
            image, _ = register_page(source, dpi, rng)
            pages.append(Page(f"{name}-{number}.png", 1, image, dpi))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=Path, default=HERE.parent / "samples")
    parser.add_argument("--data", type=Path, help="MNIST folder (with --real: register pages too)")
    parser.add_argument("--real", type=Path, help="datasets folder (../shared/datasets)")
    parser.add_argument("--pages", type=int, default=4, help="register pages per source")
    parser.add_argument("--seed", type=int, default=11, help="as registers.py")
    args = parser.parse_args()
    options = ScanOptions()
    readers = load_readers(None, options)
    files = find_inputs([str(args.samples)]).files
    sets = {"samples/": [page for file in files for page in load_pages(file)]}
    if args.data and args.real:
        sets["registers"] = register_pages(args.data, args.real, args.pages, args.seed)
    for name, pages in sets.items():
        seconds = dict.fromkeys(TURNS, 0.0)
        upright_rows = []
        for turn in TURNS:
            right_way = same = unsure = 0
            for index, page in enumerate(pages):
                turned = replace(page, image=turn_image(page.image, turn))
                started = time.perf_counter()
                reading = readers.read(turned)
                seconds[turn] += time.perf_counter() - started
                rows = rows_of(reading)
                if turn == 0:
                    upright_rows.append(rows)
                right_way += (reading.rotation + turn) % 360 == 0
                same += rows == upright_rows[index]
                unsure += any(ORIENTATION_UNSURE in s.flags for s in reading.strings)
            print(
                f"{name:<10} turned {turn:>3}: {len(pages)} pages  right way up {right_way}  same rows {same}"
                f"  flagged orientation-unsure {unsure}  {seconds[turn] / len(pages) * 1000:6.1f} ms a page"
                f" ({seconds[turn] / seconds[0]:.2f}x as it is)"
            )


if __name__ == "__main__":
    main()
