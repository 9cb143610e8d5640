"""A stack of forms scanned into one PDF, read with one and two workers.

    python benchmarks/stack.py --data ../shared/datasets/mnist [--pages 40]

Scanners' feeders write a batch as one multi-page PDF. Generates `--pages` form pages (the
samples/ layouts, 200 dpi, seed 7) as one PDF and, the same pages, as one PDF a page; reads
both with `--workers 1` and `--workers 2` (`digitscan run`, start-up included) and prints
pages/s, the two workers' speed-up, and whether every run wrote the same rows. The one-file
PDF's speed-up beside the PDF-a-page files' is what sharing a file's pages among the workers
buys (the pages of a file were read by one process before).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium

from digitscan.data import load_mnist
from digitscan.synth import SampleFile, generate_samples


def split_pages(stack: Path, folder: Path) -> None:
    """Each page of the stack as a PDF of its own, the page itself copied (same image)."""
    source = pdfium.PdfDocument(str(stack))
    for index in range(len(source)):
        single = pdfium.PdfDocument.new()
        single.import_pages(source, [index])
        single.save(str(folder / f"page-{index + 1:04d}.pdf"))
        single.close()
    source.close()


def timed_run(inputs: Path, workers: int, out: Path) -> float:
    started = time.perf_counter()
    command = ["run", str(inputs), "--out", str(out), "--workers", str(workers), "-q"]
    subprocess.run([sys.executable, "-m", "digitscan", *command], check=True)
    return time.perf_counter() - started


def rows_of(path: Path) -> list[str]:
    """The rows without the file column (one PDF and a PDF a page name their pages apart)."""
    return [line.split(",", 2)[2] for line in path.read_text(encoding="utf-8").splitlines()[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--data", type=Path, default=None, help="MNIST folder")
    args = parser.parse_args()
    mnist = load_mnist(args.data)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        stack_folder, pages_folder = work / "stack", work / "pages"
        pages_folder.mkdir()
        stack = SampleFile("stack.pdf", args.pages, 200, True)
        generate_samples(stack_folder, mnist.x_test, mnist.y_test, seed=7, files=(stack,))
        (stack_folder / "truth.csv").unlink()
        split_pages(stack_folder / "stack.pdf", pages_folder)
        seconds, rows = {}, {}
        for name, inputs in (("one PDF", stack_folder), ("a PDF a page", pages_folder)):
            for workers in (1, 2):
                out = work / f"{name.replace(' ', '-')}-{workers}.csv"
                seconds[name, workers] = timed_run(inputs, workers, out)
                rows[name, workers] = rows_of(out)
        print(f"{args.pages} pages (200 dpi, seed 7), `digitscan run`, start-up included")
        for name in ("one PDF", "a PDF a page"):
            one, two = seconds[name, 1], seconds[name, 2]
            print(
                f"{name:<14} --workers 1 {args.pages / one:6.2f} pages/s"
                f"   --workers 2 {args.pages / two:6.2f} pages/s   two workers' speed-up {one / two:.2f}x"
            )
        same = all(found == rows["one PDF", 1] for found in rows.values())
        print(f"rows the same in all four runs: {same} ({len(rows['one PDF', 1])} rows)")


if __name__ == "__main__":
    main()
