"""A stack of forms scanned into one PDF or TIFF, read with one and two workers.

    python benchmarks/stack.py --data ../shared/datasets/mnist [--pages 40]

Scanners' feeders write a batch as one multi-page PDF or TIFF. Generates `--pages` form pages
(the samples/ layouts, 200 dpi, seed 7) as one PDF, as one TIFF and, the PDF's pages, as one
PDF a page; reads each with `--workers 1` and `--workers 2` (`digitscan run`, start-up
included) and prints pages/s, the two workers' speed-up, and whether the rows were the same.
A one-file stack's speed-up beside the PDF-a-page files' is what sharing a file's pages among
the workers buys (before 2026-12-05 the pages of a file were read by one process).
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
        folders = {"one PDF": work / "pdf", "one TIFF": work / "tiff", "a PDF a page": work / "pages"}
        for name, suffix in (("one PDF", "pdf"), ("one TIFF", "tif")):
            stack = SampleFile(f"stack.{suffix}", args.pages, 200, True)
            generate_samples(folders[name], mnist.x_test, mnist.y_test, seed=7, files=(stack,))
            (folders[name] / "truth.csv").unlink()
        folders["a PDF a page"].mkdir()
        split_pages(folders["one PDF"] / "stack.pdf", folders["a PDF a page"])
        seconds, rows = {}, {}
        for name, inputs in folders.items():
            for workers in (1, 2):
                out = work / f"{name.replace(' ', '-')}-{workers}.csv"
                seconds[name, workers] = timed_run(inputs, workers, out)
                rows[name, workers] = rows_of(out)
        print(f"{args.pages} pages (200 dpi, seed 7), `digitscan run`, start-up included")
        for name in folders:
            one, two = seconds[name, 1], seconds[name, 2]
            print(
                f"{name:<14} --workers 1 {args.pages / one:6.2f} pages/s"
                f"   --workers 2 {args.pages / two:6.2f} pages/s   speed-up {one / two:.2f}x"
                f"   same rows: {rows[name, 1] == rows[name, 2]} ({len(rows[name, 1])})"
            )
        print(f"one PDF's rows those of a PDF a page: {rows['one PDF', 1] == rows['a PDF a page', 1]}")


if __name__ == "__main__":
    main()
