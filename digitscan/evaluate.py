"""Scoring: the classifier on MNIST and generated non-digits; form readings against truth."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitscan.classify import NOT_DIGIT, NOT_PAIR, Classifier, classify_crops
from digitscan.errors import InputFileError


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


@dataclass(frozen=True)
class PairScore:
    """The pair reader on touching pairs and on marks that are no pairs. `accepted`: read as a
    pair with at least the confidence the page stage asks for; `right`: and the right pair."""

    pairs: int
    accuracy: float  # of pairs, read as the right pair (argmax)
    accepted: float  # of pairs, accepted
    accepted_right: float  # of accepted pairs, the right one
    not_pairs: int
    not_pairs_accepted: float  # of marks that are no pair, accepted as one

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def score_pairs(reader: Classifier, crops: np.ndarray, classes: np.ndarray, confident: float) -> PairScore:
    probabilities = classify_crops(reader, crops)
    predicted = probabilities.argmax(axis=1)
    accepted = (predicted != NOT_PAIR) & (probabilities.max(axis=1) >= confident)
    pair = classes != NOT_PAIR
    right_when_accepted = predicted[pair & accepted] == classes[pair & accepted]
    return PairScore(
        pairs=int(pair.sum()),
        accuracy=float((predicted[pair] == classes[pair]).mean()),
        accepted=float(accepted[pair].mean()),
        accepted_right=float(right_when_accepted.mean()) if len(right_when_accepted) else 0.0,
        not_pairs=int((~pair).sum()),
        not_pairs_accepted=float(accepted[~pair].mean()),
    )


@dataclass(frozen=True)
class Field:
    """A box on a page with its text: a truth field or a predicted string."""

    file: str
    page: int
    x: int
    y: int
    width: int
    height: int
    text: str
    confidence: float = 1.0


@dataclass(frozen=True)
class FormScore:
    fields: int
    exact: float  # share of truth fields read exactly
    digit_accuracy: float  # 1 - character error rate over all truth digits
    missed: int  # truth fields with no string on them
    spurious: int  # strings on no truth field (labels, noise)
    pages: int

    @property
    def spurious_per_page(self) -> float:
        return self.spurious / self.pages if self.pages else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "fields": self.fields,
            "exact": self.exact,
            "digit_accuracy": self.digit_accuracy,
            "missed": self.missed,
            "spurious": self.spurious,
            "pages": self.pages,
            "spurious_per_page": self.spurious_per_page,
        }


def read_fields(path: Path) -> list[Field]:
    """Rows with file, page, x, y, width, height, text: a truth file or a digitscan CSV."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        return [
            Field(
                row["file"].lstrip("'"),
                int(row["page"]),
                int(row["x"]),
                int(row["y"]),
                int(row["width"]),
                int(row["height"]),
                row["text"],
                float(row.get("confidence") or 1.0),
            )
            for row in rows
        ]
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise InputFileError(
            path, f"not a CSV with file,page,x,y,width,height,text columns ({exc})"
        ) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputFileError(path, f"cannot read ({exc})") from None


def same_file(result: str, truth: str) -> bool:
    """A result names its file as given on the command line; truth names it inside its folder."""
    result, truth = result.replace("\\", "/"), truth.replace("\\", "/")
    return result == truth or result.endswith("/" + truth)


def overlap(a: Field, b: Field) -> float:
    """Intersection over the smaller box's area."""
    w = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    h = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / max(1, min(a.width * a.height, b.width * b.height))


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def strings_on(field: Field, results: list[Field]) -> list[int]:
    """Indices of the result strings lying on a truth field, left to right."""
    mine = [
        i
        for i, r in enumerate(results)
        if r.page == field.page and same_file(r.file, field.file) and overlap(r, field) >= 0.5
    ]
    return sorted(mine, key=lambda i: results[i].x)


def score_forms(truth: list[Field], results: list[Field]) -> FormScore:
    """Match strings to truth fields by position; several strings on one field are read left to right."""
    pages = {(t.file, t.page) for t in truth}
    claimed: set[int] = set()
    exact = errors = digits = missed = 0
    for field in truth:
        mine = strings_on(field, results)
        claimed.update(mine)
        text = "".join(results[i].text for i in mine)
        missed += not mine
        exact += text == field.text
        errors += edit_distance(text, field.text)
        digits += len(field.text)
    on_pages = [
        i for i, r in enumerate(results) if any(r.page == p and same_file(r.file, f) for f, p in pages)
    ]
    spurious = sum(1 for i in on_pages if i not in claimed)
    return FormScore(
        fields=len(truth),
        exact=exact / len(truth) if truth else 0.0,
        digit_accuracy=max(0.0, 1 - errors / digits) if digits else 0.0,
        missed=missed,
        spurious=spurious,
        pages=len(pages),
    )


def review_tradeoff(
    truth: list[Field], results: list[Field], thresholds: list[float]
) -> list[dict[str, float]]:
    """For each --min-confidence: the share of misread fields it flags, and of correct ones.

    A field's confidence is the lowest of its strings' (each the lowest digit probability);
    a '?' in its text flags it whatever the threshold. Fields no string lies on are left out.
    """
    read = []  # (read right, lowest confidence, has an unreadable mark)
    for field in truth:
        if mine := strings_on(field, results):
            text = "".join(results[i].text for i in mine)
            read.append((text == field.text, min(results[i].confidence for i in mine), "?" in text))
    wrong = sum(1 for ok, _, _ in read if not ok)
    right = len(read) - wrong
    rows = []
    for threshold in thresholds:
        flagged = [(ok, unreadable or confidence < threshold) for ok, confidence, unreadable in read]
        rows.append(
            {
                "threshold": threshold,
                "wrong_flagged": sum(flag for ok, flag in flagged if not ok) / max(1, wrong),
                "right_flagged": sum(flag for ok, flag in flagged if ok) / max(1, right),
                "wrong": wrong,
                "right": right,
            }
        )
    return rows
