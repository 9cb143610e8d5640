"""Milliseconds a page, one process, best of three: for comparing two versions of the code.

    python benchmarks/page_time.py --data ../shared/datasets/mnist
    PYTHONPATH=/path/to/other/checkout python benchmarks/page_time.py --data ...

Generates pages as `run.py` does (same seed, so both versions read the same files), reads
them all once to warm up, then three times, and prints the time a page of each pass and the
best. Run the two versions alternately: the machine's noise is as large as the differences.
`--profile N` then reads them once more under cProfile and prints the N functions of the
page stages that take longest, all they call included (profiling itself adds about a fifth).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from run import generate

import digitscan
from digitscan.api import scan


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--data", type=Path, default=None, help="MNIST folder")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also print a profile's top N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        generate(folder, args.pages, args.data, args.seed)
        files = sorted(str(p) for p in folder.iterdir() if p.suffix in (".png", ".jpg"))
        list(scan(files))
        passes = []
        for _ in range(3):
            started = time.perf_counter()
            list(scan(files))
            passes.append((time.perf_counter() - started) / len(files) * 1000)
        print(
            f"{digitscan.__file__}: ms a page {', '.join(f'{p:.1f}' for p in passes)}; best {min(passes):.1f}"
        )
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(lambda: list(scan(files)))
            print(f"profile of {len(files)} pages (cumulative seconds), the page stages' functions:")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(
                r"digitscan/(segment|pipeline|touching|classify|pages)", args.profile
            )


if __name__ == "__main__":
    main()
