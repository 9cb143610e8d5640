"""Reading forms with a template against reading them without, on the same generated scans.

    python benchmarks/templates.py --pages 40 --others 8 --data ../shared/datasets/mnist

Generates one form layout's template and filled scans of it (`digitscan samples --template`:
shifted up to 0.2 inch, turned up to 3 degrees, scaled +-3%, mild perspective) with pages of
another layout mixed in, then reads every page in one process, once with the template and once
without. Reports pages registered and refused, and for the written fields (empty ones apart)
fields exact, digit accuracy, fields accepted and wrong among accepted, each way; empty fields
read as empty (and how many of those flagged); strings outside the fields; and pages/s each
way (the ratio is the cost of registration against reading the whole page).
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from digitscan.api import ScanOptions, load_readers, read_file
from digitscan.containers import PageReading
from digitscan.data import load_mnist
from digitscan.defaults import DEFAULT_MIN_CONFIDENCE
from digitscan.evaluate import fields_of, score_forms
from digitscan.synth import generate_form_set


def read_all(files: list[Path], options: ScanOptions) -> tuple[list[PageReading], float]:
    """Every page read in this process, and the seconds it took."""
    readers = load_readers(None, options, threads=1)
    started = time.perf_counter()
    readings = [reading for path in files for reading in read_file(str(path), readers, options).pages]
    return readings, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--others", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=None, help="MNIST folder")
    args = parser.parse_args()
    mnist = load_mnist(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        truth = generate_form_set(folder, mnist.x_test, mnist.y_test, args.seed, args.pages, args.others)
        files = sorted(folder.glob("scan-*.png"))
        written = [t for t in truth if t.text]
        empty = [t for t in truth if not t.text]
        with_template, seconds_with = read_all(files, ScanOptions(templates=(folder / "template.toml",)))
        without, seconds_without = read_all(files, ScanOptions())
        with (folder / "truth.csv").open(encoding="utf-8") as handle:
            names = {
                (row["file"], int(row["x"]), int(row["y"])): row["field"] for row in csv.DictReader(handle)
            }
    form_files = {t.file for t in truth}
    registered = [Path(r.source).name for r in with_template]
    print(
        f"pages: {len(files)} ({len(form_files)} of the form, "
        f"{len(files) - len(form_files)} of another layout)"
    )
    print(
        f"registered: {sum(name in form_files for name in registered)} of the form's {len(form_files)}; "
        f"pages of the other layout registered: {sum(name not in form_files for name in registered)}"
    )
    read_as = {(Path(r.source).name, s.field): s for r in with_template for s in r.strings}
    empty_read = [read_as.get((t.file, names[(t.file, t.x, t.y)])) for t in empty]
    empty_right = [field for field in empty_read if field is not None and field.text == ""]
    flagged = sum(bool(field.flags) for field in empty_right)
    print(
        f"written fields: {len(written)}; empty fields: {len(empty)}, "
        f"read as empty with the template: {len(empty_right)} ({flagged} of them flagged)"
    )
    print(
        "| reading | fields exact | digit accuracy | accepted | wrong among accepted "
        "| strings outside fields/page |"
    )
    print("|---|---|---|---|---|---|")
    for name, readings in (("with the template", with_template), ("without a template", without)):
        on_form = [
            f
            for r in readings
            if Path(r.source).name in form_files
            for f in fields_of(r, DEFAULT_MIN_CONFIDENCE)
        ]
        score = score_forms(written, [f for f in on_form if f.text])
        print(
            f"| {name} | {score.exact:.2%} | {score.digit_accuracy:.2%} | {score.accepted:.2%} "
            f"| {score.wrong_among_accepted:.2%} | {score.spurious_per_page:.2f} |"
        )
    rate_with, rate_without = len(with_template) / seconds_with, len(without) / seconds_without
    print(
        f"pages/s, one process: with the template {rate_with:.2f}, without {rate_without:.2f} "
        f"(time per page with / without: {rate_without / rate_with:.2f})"
    )


if __name__ == "__main__":
    main()
