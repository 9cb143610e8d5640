"""Pages read at every orientation: the same rows whichever way up the feeder took them.

    python benchmarks/orientation.py [--data ../shared/datasets/mnist --real ../shared/datasets]

Reads each page of samples/ (and, given the datasets, the register pages of
`registers.py`, four a source, and ORAND-CAR-A's 216 validation cheque amounts, snippets of
one field) as it is and turned 90, 180 and 270 degrees clockwise, and prints per turn: the
pages read the right way up (their `rotation` undoes the turn), the pages whose strings' texts
and flags are those of the page read as it is, the pages flagged `orientation-unsure`, and the
milliseconds a page, against the page as it is, measured in the same run (issue 13: the same
rows at every orientation, for under 10% more time). For the amounts, whose text is known,
also the amounts accepted (no string flagged) and, of those, read wrong: a snippet has too
few marks to be turned on, so a turned one must be flagged, never read as garbage.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from registers import pen_sources, source_pages  # benchmarks/registers.py
from sources import validation_amounts  # benchmarks/sources.py

from digitscan.api import ScanOptions, load_readers
from digitscan.containers import ORIENTATION_UNSURE, PageReading
from digitscan.orientation import turn_image
from digitscan.pages import Page, find_inputs, load_pages

HERE = Path(__file__).resolve().parent
TURNS = (0, 90, 180, 270)


def rows_of(reading: PageReading) -> list[tuple[str, tuple[str, ...]]]:
    """What a page's rows say whichever way up it came: each string's text and flags but the
    orientation flag (its boxes are on the page as loaded, so they differ)."""
    return [(s.text, tuple(f for f in s.flags if f != ORIENTATION_UNSURE)) for s in reading.strings]


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
    # each set's pages, with the text written on each where it is known (a snippet's one field)
    sets: dict[str, list[tuple[Page, str | None]]] = {
        "samples/": [(page, None) for file in files for page in load_pages(file)]
    }
    if args.data and args.real:
        sets["registers"] = [
            (page, None)
            for name, (images, labels) in pen_sources(args.data, args.real).items()
            for page, _ in source_pages(name, images, labels, args.pages, args.seed)
        ]
    if args.real:
        sets["amounts"] = list(validation_amounts(args.real))
    for name, pages in sets.items():
        seconds = dict.fromkeys(TURNS, 0.0)
        upright_rows = []
        for turn in TURNS:
            right_way = same = unsure = accepted = accepted_wrong = 0
            for index, (page, text) in enumerate(pages):
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
                flagged = any(s.needs_review(options.min_confidence) for s in reading.strings)
                if text is not None and not flagged:
                    accepted += 1
                    accepted_wrong += "".join(s.text for s in reading.strings) != text
            truth_known = pages and pages[0][1] is not None
            print(
                f"{name:<10} turned {turn:>3}: {len(pages)} pages  right way up {right_way}  same rows {same}"
                f"  flagged orientation-unsure {unsure}"
                + (f"  accepted {accepted}, wrong {accepted_wrong}" if truth_known else "")
                + f"  {seconds[turn] / len(pages) * 1000:6.1f} ms a page"
                + f" ({seconds[turn] / seconds[0]:.2f}x as it is)"
            )


if __name__ == "__main__":
    main()
