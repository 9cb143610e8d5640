"""Training crops cut by the page stage: labelled with the digits they hold, validation left out."""

from __future__ import annotations

import csv
import shutil
from collections import Counter

import numpy as np
import pytest

from digitscan.classify import classify_crops
from digitscan.sources import SPLIT_SEED, VALIDATION_SHARE, held_out, read_amounts
from digitscan.training.stage_crops import amount_crops, generated_page_crops
from tests.conftest import REPO

ORAND = REPO.parent / "shared" / "datasets" / "orand-car-a"


def agreement(classifier, crops: np.ndarray, labels: np.ndarray) -> float:
    return float((classify_crops(classifier, crops).argmax(axis=1) == labels).mean())


def test_generated_page_crops_hold_their_labels(mnist, classifier):
    crops, labels = generated_page_crops(mnist.x_test, mnist.y_test, 1, np.random.default_rng(3))
    assert crops.shape[1:] == (28, 28) and crops.dtype == np.uint8
    assert len(crops) == len(labels) >= 20  # a page holds some 60 digits; touching ones are left out
    assert agreement(classifier, crops, labels) >= 0.95


@pytest.mark.skipif(not ORAND.is_dir(), reason="no ../shared/datasets")
def test_amount_crops_come_from_training_amounts_only(tmp_path, classifier):
    amounts = read_amounts(ORAND)[:10]
    (tmp_path / "images").mkdir()
    with (
        (tmp_path / "strings.csv").open("w", newline="") as strings,
        (tmp_path / "digits.csv").open("w", newline="") as digits,
    ):
        csv.writer(strings).writerows([("file", "text"), *((a.file, a.text) for a in amounts)])
        rows = csv.writer(digits)
        rows.writerow(("file", "x", "y", "width", "height", "digit"))
        for amount in amounts:
            shutil.copy(ORAND / amount.file, tmp_path / amount.file)
            rows.writerows(
                (amount.file, *box, digit) for box, digit in zip(amount.boxes, amount.text, strict=True)
            )
    crops, labels = amount_crops(tmp_path)
    training = ~held_out(np.arange(len(amounts)), VALIDATION_SHARE, SPLIT_SEED)
    written = Counter("".join(a.text for a, keep in zip(amounts, training, strict=True) if keep))
    assert Counter(str(d) for d in labels) <= written  # no digit of a held-out amount, none twice
    assert len(labels) >= 0.4 * sum(written.values())
    assert agreement(classifier, crops, labels) >= 0.9
