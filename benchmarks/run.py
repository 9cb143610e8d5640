"""digitscan's speed and memory against the page floor and Tesseract, measured in one run.

    python benchmarks/run.py --pages 100 --data ../shared/datasets/mnist

Generates form pages (the samples generator: 200 and 300 dpi, PNG and JPEG), then measures on
those same files: end-to-end `digitscan run` with 1 and 2 workers (pages/s, digits/s, time to
the first CSV row, peak RSS of the process tree), the page floor (decode, grayscale, threshold,
connected components, in the same number of processes), the classifier alone, Tesseract 5 when
installed, and memory at --pages and 10x as many pages. Prints a table and writes results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing import get_context
from pathlib import Path

import cv2
import numpy as np

from digitscan import __version__
from digitscan.classify import load_classifier
from digitscan.data import load_mnist
from digitscan.evaluate import Field, read_fields, score_forms
from digitscan.synth import SampleFile, generate_samples

HERE = Path(__file__).resolve().parent


def generate(folder: Path, pages: int, data: Path | None, seed: int) -> None:
    mnist = load_mnist(data)
    kinds = [(200, ".png", True), (300, ".jpg", False), (200, ".jpg", True), (300, ".png", True)]
    files = tuple(
        SampleFile(f"bench-{i:04d}{kinds[i % 4][1]}", 1, kinds[i % 4][0], kinds[i % 4][2])
        for i in range(pages)
    )
    generate_samples(folder, mnist.x_test, mnist.y_test, seed=seed, files=files)


def tree_rss(root: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in family]
        family.update(children)
        frontier.extend(children)
    total = 0
    for pid in family:
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def run_digitscan(folder: Path, workers: int, out: Path) -> dict[str, float]:
    """Wall time, time to first row and peak tree RSS of one `digitscan run` (start-up included)."""
    command = [
        sys.executable,
        "-m",
        "digitscan",
        "run",
        str(folder),
        "--out",
        "-",
        "--workers",
        str(workers),
        "-q",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    first_row: list[float] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if len(lines) == 2:
                first_row.append(time.perf_counter() - started)

    reader = threading.Thread(target=read)
    reader.start()
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.05)
    reader.join()
    seconds = time.perf_counter() - started
    out.write_text("".join(lines))
    digits = sum(len(line.split(",")[3]) for line in lines[1:])
    return {
        "seconds": seconds,
        "first_row": first_row[0] if first_row else seconds,
        "peak_rss": peak,
        "digits": digits,
    }


def floor_page(path: str) -> int:
    """The least any reader must do: decode, grayscale, threshold, connected components."""
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    _, binary = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, _, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    return count


def page_floor(files: list[str], workers: int) -> float:
    started = time.perf_counter()
    if workers == 1:
        for path in files:
            floor_page(path)
    else:
        with get_context("spawn").Pool(workers, initializer=cv2.setNumThreads, initargs=(1,)) as pool:
            pool.map(floor_page, files, chunksize=4)
    return time.perf_counter() - started


def classifier_speed(data: Path | None) -> dict[int, float]:
    crops = load_mnist(data).x_test[:4096]
    classifier = load_classifier(threads=1)
    rates = {}
    for batch in (1, 32, 256):
        count = 512 if batch == 1 else 4096
        classifier.probabilities(crops[:batch])  # warm up at this size
        started = time.perf_counter()
        for start in range(0, count, batch):
            classifier.probabilities(crops[start : start + batch])
        rates[batch] = count / (time.perf_counter() - started)
    return rates


def tesseract_rows(files: list[str], psm: int) -> tuple[list[Field], float]:
    """Tesseract's digit strings (one per word it finds) and its wall time."""
    rows: list[Field] = []
    started = time.perf_counter()
    for path in files:
        command = [
            "tesseract",
            path,
            "stdout",
            "--psm",
            str(psm),
            "-c",
            "tessedit_char_whitelist=0123456789",
            "tsv",
        ]
        output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
        for line in output.splitlines()[1:]:
            cells = line.split("\t")
            if len(cells) == 12 and cells[0] == "5" and cells[11].strip().isdigit():
                x, y, w, h = map(int, cells[6:10])
                rows.append(Field(Path(path).name, 1, x, y, w, h, cells[11].strip()))
    return rows, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--data", type=Path, default=None, help="MNIST folder (default: keras download)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--tesseract-pages", type=int, default=20, help="Tesseract is slow: score it on fewer"
    )
    parser.add_argument("--skip-memory", action="store_true", help="skip the 10x-pages memory run")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="digitscan-bench-"))
    try:
        folder = work / "pages"
        started = time.perf_counter()
        generate(folder, args.pages, args.data, args.seed)
        print(f"generated {args.pages} pages in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        files = sorted(str(p) for p in folder.iterdir() if p.suffix in (".png", ".jpg"))
        truth = read_fields(folder / "truth.csv")
        results: dict[str, object] = {}
        for workers in (1, 2):
            run = run_digitscan(folder, workers, work / f"out-{workers}.csv")
            run["floor"] = page_floor(files, workers)
            run["score"] = score_forms(truth, read_fields(work / f"out-{workers}.csv"))
            results[f"workers={workers}"] = run
            print(f"workers={workers}: {args.pages / run['seconds']:.2f} pages/s", file=sys.stderr)
        rates = classifier_speed(args.data)
        tesseract = None
        if shutil.which("tesseract"):
            subset = files[: args.tesseract_pages]
            names = {Path(f).name for f in subset}
            subset_truth = [t for t in truth if t.file in names]
            best = None
            for psm in (6, 11):
                rows, seconds = tesseract_rows(subset, psm)
                score = score_forms(subset_truth, rows)
                if best is None or score.exact > best[1].exact:
                    best = (psm, score, len(subset) / seconds)
            ours = score_forms(subset_truth, read_fields(work / "out-2.csv"))
            tesseract = (*best, ours, len(subset))
        memory = None
        if not args.skip_memory:
            big = work / "big"
            big.mkdir()
            for copy in range(10):
                for path in files:
                    os.symlink(path, big / f"c{copy:02d}-{Path(path).name}")
            memory = run_digitscan(big, 2, work / "out-big.csv")
        report = render(args, results, rates, tesseract, memory)
        print(report)
        args.out.write_text(report)
        print(f"wrote {args.out}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render(args, results, rates, tesseract, memory) -> str:
    mb = 1024 * 1024
    lines = [
        "# digitscan benchmark",
        "",
        f"- command: `python benchmarks/run.py --pages {args.pages}"
        + (f" --data {args.data}`" if args.data else "`"),
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"OpenCV {cv2.__version__}, NumPy {np.__version__}, digitscan {__version__}",
        f"- pages: {args.pages} generated form pages (seed {args.seed}), A4 at 200 and 300 dpi, PNG and JPEG",
        "",
        "| measure | workers=1 | workers=2 |",
        "|---|---|---|",
    ]
    one, two = results["workers=1"], results["workers=2"]

    def row(name, fn):
        lines.append(f"| {name} | {fn(one)} | {fn(two)} |")

    row("pages/s end to end (start-up included)", lambda r: f"{args.pages / r['seconds']:.2f}")
    row("digits/s", lambda r: f"{r['digits'] / r['seconds']:.0f}")
    row("start to first CSV row", lambda r: f"{r['first_row']:.2f} s")
    row("peak RSS, parent and workers", lambda r: f"{r['peak_rss'] / mb:.0f} MB")
    row("page floor pages/s (decode+gray+threshold+components)", lambda r: f"{args.pages / r['floor']:.2f}")
    row("digitscan time / floor time", lambda r: f"{r['seconds'] / r['floor']:.1f}x")
    row("field exact match", lambda r: f"{r['score'].exact:.2%}")
    row("digit accuracy", lambda r: f"{r['score'].digit_accuracy:.2%}")
    lines += [
        "",
        "Classifier alone (LiteRT, one thread): "
        + ", ".join(f"batch {b}: {r:,.0f} crops/s" for b, r in rates.items()),
    ]
    if tesseract:
        psm, score, pages_per_s, ours, count = tesseract
        speedup = (args.pages / two["seconds"]) / pages_per_s
        lines += [
            "",
            f"Tesseract 5 (digits whitelist, best of psm 6/11: psm {psm}) on the first {count} pages: "
            f"{pages_per_s:.2f} pages/s, field exact match {score.exact:.2%}, "
            f"digit accuracy {score.digit_accuracy:.2%}; "
            f"digitscan (2 workers) on the same pages: field exact match {ours.exact:.2%}, "
            f"digit accuracy {ours.digit_accuracy:.2%}, {speedup:.0f}x Tesseract's pages/s.",
        ]
    else:
        lines += ["", "Tesseract: not installed (apt-get install tesseract-ocr), skipped."]
    if memory:
        lines += [
            "",
            f"Memory: peak RSS {two['peak_rss'] / mb:.0f} MB at {args.pages} pages, "
            f"{memory['peak_rss'] / mb:.0f} MB at {10 * args.pages} pages (2 workers).",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
