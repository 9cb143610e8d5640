"""Pages read at every orientation: the same rows whichever way up the feeder took them.

    python benchmarks/orientation.py [--data ../shared/datasets/mnist --real ../shared/datasets]

Reads each page of samples/ (and, given the datasets, the register pages of
`registers.py`, four a source, and ORAND-CAR-A's 216 validation cheque amounts, snippets of
one field) as it is and turned 90, 180 and 270 degrees clockwise, and prints per turn: the
pages read the right way up (their `rotation` undoes the turn), the pages whose strings' texts
and flags are those of the page read as it is, the pages flagged `orientation-unsure`, and the
milliseconds a page, against the page as it is, measured in the same run (issue 13: the same
rows at every orientation, for under 10% more time). Given MNIST, also 40 pages of a few
numbers written by hand and nothing else (1-3 numbers of 2-5 digits, every fourth page a
column of six one-digit answers; MNIST test digits, seed 5). For the amounts and those pages,
whose numbers are known, also the strings accepted (not flagged) and, of those, the ones read
wrong, and the pages read as no string at all: too few marks to turn a page on, so one turned
must be flagged, never read as garbage.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from registers import pen_sources, source_pages  # benchmarks/registers.py
from sources import validation_amounts  # benchmarks/sources.py
from touching import INK, PAPER  # benchmarks/touching.py: the same paper and ink

from digitscan.api import ScanOptions, load_readers
from digitscan.containers import ORIENTATION_UNSURE, PageReading
from digitscan.data import load_mnist
from digitscan.orientation import turn_image
from digitscan.pages import Page, find_inputs, load_pages
from digitscan.synth import side_by_side

HERE = Path(__file__).resolve().parent
TURNS = (0, 90, 180, 270)


def rows_of(reading: PageReading) -> list[tuple[str, tuple[str, ...]]]:
    """What a page's rows say whichever way up it came: each string's text and flags but the
    orientation flag (its boxes are on the page as loaded, so they differ)."""
    return [(s.text, tuple(f for f in s.flags if f != ORIENTATION_UNSURE)) for s in reading.strings]


def few_numbers(data: Path, pages: int, seed: int) -> list[tuple[Page, tuple[str, ...]]]:
    """Pages (200 dpi, Letter) with a few handwritten numbers and nothing else, and the numbers."""
    mnist = load_mnist(data)
    rng = np.random.default_rng(seed)
    out = []
    for index in range(pages):
        page = np.full((2200, 1700), PAPER, np.float32)
        column = index % 4 == 0  # one-digit answers, one below another
        numbers = []
        for row in range(6 if column else int(rng.integers(1, 4))):
            digits = rng.integers(0, 10, 1 if column else int(rng.integers(2, 6)))
            images = np.stack([mnist.x_test[rng.choice(np.flatnonzero(mnist.y_test == d))] for d in digits])
            height = int(rng.integers(55, 90))
            ink = side_by_side(images, height, rng, (-0.4, -0.2))  # apart, a fifth of a height or more
            top, left = 400 + 220 * row, 300 + (0 if column else 200 * (row % 2))
            page[top : top + ink.shape[0], left : left + ink.shape[1]] -= ink * (PAPER - INK)
            numbers.append("".join(map(str, digits)))
        out.append((Page(f"few-{index:02d}.png", 1, page.astype(np.uint8), 200), tuple(numbers)))
    return out


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
    # each set's pages, with the numbers written on each where they are known
    sets: dict[str, list[tuple[Page, tuple[str, ...] | None]]] = {
        "samples/": [(page, None) for file in files for page in load_pages(file)]
    }
    if args.data:
        sets["few numbers"] = few_numbers(args.data, 40, seed=5)
    if args.data and args.real:
        sets["registers"] = [
            (page, None)
            for name, (images, labels) in pen_sources(args.data, args.real).items()
            for page, _ in source_pages(name, images, labels, args.pages, args.seed)
        ]
    if args.real:
        sets["amounts"] = [(page, (text,)) for page, text in validation_amounts(args.real)]
    for name, pages in sets.items():
        if not pages:
            continue
        seconds = dict.fromkeys(TURNS, 0.0)
        upright_rows = []
        for turn in TURNS:
            right_way = same = unsure = accepted = accepted_wrong = nothing = 0
            for index, (page, numbers) in enumerate(pages):
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
                if numbers is not None:
                    taken = [s.text for s in reading.strings if not s.needs_review(options.min_confidence)]
                    accepted += len(taken)
                    accepted_wrong += sum(text not in numbers for text in taken)
                    nothing += not reading.strings
            known = f"  strings accepted {accepted}, wrong {accepted_wrong}; no string {nothing}"
            print(
                f"{name:<11} turned {turn:>3}: {len(pages)} pages  right way up {right_way}  same rows {same}"
                f"  flagged orientation-unsure {unsure}"
                + (known if pages[0][1] is not None else "")
                + f"  {seconds[turn] / len(pages) * 1000:6.1f} ms a page"
                + f" ({seconds[turn] / seconds[0]:.2f}x as it is)"
            )


if __name__ == "__main__":
    main()
