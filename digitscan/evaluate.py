"""Scoring: the classifier on MNIST and on generated non-digits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitscan.classify import NOT_DIGIT, Classifier, classify_crops


@dataclass(frozen=True)
class MnistScore:
    """Accuracy counts a rejected digit as wrong. confusion[true, predicted]; column 10 = rejected."""

    n: int
    accuracy: float
    rejected: float
    per_class: tuple[float, ...]
    confusion: np.ndarray

    def as_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "rejected": self.rejected,
            "per_class": {str(digit): acc for digit, acc in enumerate(self.per_class)},
            "confusion": self.confusion.tolist(),
        }


def score_mnist(classifier: Classifier, images: np.ndarray, labels: np.ndarray) -> MnistScore:
    predicted = classify_crops(classifier, images).argmax(axis=1)
    truth = labels.astype(np.int64)
    confusion = np.zeros((NOT_DIGIT, NOT_DIGIT + 1), np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    per_class = tuple(
        float(confusion[d, d] / confusion[d].sum()) if confusion[d].sum() else 0.0 for d in range(NOT_DIGIT)
    )
    return MnistScore(
        n=len(truth),
        accuracy=float((predicted == truth).mean()) if len(truth) else 0.0,
        rejected=float((predicted == NOT_DIGIT).mean()) if len(truth) else 0.0,
        per_class=per_class,
        confusion=confusion,
    )


def rejection_rate(classifier: Classifier, crops: np.ndarray) -> float:
    """Share of crops the classifier calls "not a digit"."""
    if len(crops) == 0:
        return 0.0
    return float((classify_crops(classifier, crops).argmax(axis=1) == NOT_DIGIT).mean())
