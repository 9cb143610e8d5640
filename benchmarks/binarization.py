"""Compare thresholding methods by what matters: fields read right on pages with truth.

    digitscan samples /tmp/check --data ../shared/datasets/mnist --seed 2 --copies 3
    python benchmarks/binarization.py /tmp/check

Runs the whole page pipeline once per method (see digitscan.segment.binarize.METHODS) on every
page of the folder and scores each against its truth.csv. The last column counts the strings
each method reads off an empty A4 page at 200 dpi with scanner noise (Gaussian, sigma 8):
anything but 0 is noise taken for handwriting.
"""

import sys
import time
from pathlib import Path

import numpy as np

from digitscan.classify import load_classifier, load_pair_reader
from digitscan.evaluate import fields_of, read_fields, score_forms
from digitscan.pages import Page, find_inputs, load_pages
from digitscan.pipeline import read_page
from digitscan.segment.binarize import METHODS


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = Path(sys.argv[1])
    truth = read_fields(folder / "truth.csv")
    classifier = load_classifier()
    pair_reader = load_pair_reader()
    pages = [page for name in find_inputs([str(folder)]).files for page in load_pages(name)]
    print(f"{len(pages)} pages, {len(truth)} fields")
    noise = np.random.default_rng(0).normal(0, 8, (2339, 1654))
    noisy_blank = Page("<noisy blank>", 1, np.clip(235 + noise, 0, 255).astype(np.uint8), 200.0)
    print(
        f"{'method':<10} {'exact':>7} {'digits':>7} {'missed':>6} {'spurious/page':>13} {'s/page':>6}"
        f" {'noisy blank':>11}"
    )
    for method in METHODS:
        started = time.perf_counter()
        rows = []
        for page in pages:
            reading = read_page(page, classifier, binarization=method, pair_reader=pair_reader)
            rows.extend(fields_of(reading, 0.9))
        seconds = (time.perf_counter() - started) / len(pages)
        score = score_forms(truth, rows)
        print(
            f"{method:<10} {score.exact:>7.2%} {score.digit_accuracy:>7.2%} {score.missed:>6} "
            f"{score.spurious_per_page:>13.2f} {seconds:>6.2f}"
            f" {len(read_page(noisy_blank, classifier, method, pair_reader).strings):>11}"
        )


if __name__ == "__main__":
    main()
