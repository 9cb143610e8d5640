"""Scoring: the classifier on MNIST and generated non-digits; form readings against truth."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitscan.classify import NOT_DIGIT, NOT_PAIR, Classifier, classify_crops
from digitscan.containers import LOW_CONFIDENCE, PageReading
from digitscan.errors import InputFileError, UsageError
from digitscan.output import cell_text
from digitscan.segment.components import shared_area


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
    """A box on a page with its text: a truth field or a predicted string (with its
    confidence and, from a results CSV, the reasons it was flagged for review)."""

    file: str
    page: int
    x: int
    y: int
    width: int
    height: int
    text: str
    confidence: float = 1.0
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormScore:
    fields: int
    exact: float  # share of truth fields read exactly
    digit_accuracy: float  # 1 - character error rate over all truth digits
    missed: int  # truth fields with no string on them
    spurious: int  # strings on no truth field (labels, noise)
    spurious_accepted: int  # ...of them not flagged: numbers a clerk would type that no field holds
    pages: int
    accepted: float  # share of truth fields read and not flagged for review
    wrong_among_accepted: float  # share of accepted fields whose text is wrong

    @property
    def spurious_per_page(self) -> float:
        return self.spurious / self.pages if self.pages else 0.0

    def as_dict(self) -> dict[str, object]:
        return {**self.__dict__, "spurious_per_page": self.spurious_per_page}


def read_fields(path: Path) -> list[Field]:
    """Rows with file, page, x, y, width, height, text: a truth file or a digitscan CSV
    (whose needs_review and reason columns, where present, say what was flagged), or
    digitscan's JSON lines (`run --format jsonl`: the string's `box`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read ({exc})") from None
    fields: list[Field] = []
    number = 0  # the line being read, for the error: a file of thousands of rows has one bad
    try:
        if text.lstrip().startswith("{"):
            for number, line in enumerate(text.splitlines(), start=1):  # noqa: B007 (the error names it)
                if line.strip():
                    fields.append(jsonl_field(json.loads(line)))
            return fields
        rows = csv.DictReader(io.StringIO(text, newline=""))
        for row in rows:
            number = rows.line_num
            fields.append(csv_field(row))
        return fields
    except (KeyError, ValueError, TypeError, csv.Error) as exc:
        where = f"line {number}: " if number else ""
        raise InputFileError(
            path,
            f"{where}not a CSV with file,page,x,y,width,height,text columns, nor digitscan's JSON lines"
            f" ({type(exc).__name__}: {exc})",
        ) from None


def read_truth(path: Path) -> list[Field]:
    """The truth fields of `path` (`read_fields`): none is a mistake, not a perfect score."""
    fields = read_fields(path)
    if not fields:
        raise InputFileError(
            path, "holds no fields to score against (a row per field: file,page,x,y,width,height,text)"
        )
    return fields


def csv_field(row: dict[str, str]) -> Field:
    return Field(
        cell_text(row["file"]),
        int(row["page"]),
        int(row["x"]),
        int(row["y"]),
        int(row["width"]),
        int(row["height"]),
        row["text"],
        float(row.get("confidence") or 1.0),
        flag_reasons(row),
    )


def jsonl_field(entry: dict) -> Field:
    x, y, width, height = (int(v) for v in entry["box"])
    confidence = entry.get("confidence")
    return Field(
        str(entry["file"]),
        int(entry["page"]),
        x,
        y,
        width,
        height,
        str(entry["text"]),
        1.0 if confidence is None else float(confidence),
        tuple(str(r) for r in entry.get("reason") or ()),
    )


def fields_of(reading: PageReading, min_confidence: float) -> list[Field]:
    """A page's strings as scored fields, as its CSV rows would give them."""
    return [
        Field(
            reading.source,
            reading.page,
            s.box.x,
            s.box.y,
            s.box.width,
            s.box.height,
            s.text,
            s.confidence,
            s.review_reasons(min_confidence),
        )
        for s in reading.strings
    ]


def flag_reasons(row: dict[str, str]) -> tuple[str, ...]:
    reasons = tuple(r for r in (row.get("reason") or "").split(";") if r)
    if not reasons and row.get("needs_review") == "true":
        return ("flagged",)  # a results file from before the reason column
    return reasons


def same_file(result: str, truth: str) -> bool:
    """A result names its file as given on the command line; truth names it inside its folder."""
    result, truth = result.replace("\\", "/"), truth.replace("\\", "/")
    return result == truth or result.endswith("/" + truth)


def overlap(a: Field, b: Field) -> float:
    """Intersection over the smaller box's area."""
    both = shared_area((a.x, a.y, a.width, a.height), (b.x, b.y, b.width, b.height))
    return both / max(1, min(a.width * a.height, b.width * b.height))


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


@dataclass(frozen=True)
class FieldRead:
    """One truth field as read: right or not, its lowest confidence, and the reasons it was
    flagged that no --min-confidence changes (a '?', the page's orientation unsure...)."""

    text: str
    truth: str
    confidence: float
    reasons: tuple[str, ...]

    @property
    def right(self) -> bool:
        return self.text == self.truth

    def accepted(self, min_confidence: float | None = None) -> bool:
        """Not flagged: by the run's own flags (None), or with --min-confidence redone."""
        if min_confidence is None:
            return not self.reasons
        fixed = [r for r in self.reasons if r != LOW_CONFIDENCE]
        return not fixed and "?" not in self.text and self.confidence >= min_confidence


def read_truth_fields(truth: list[Field], results: list[Field]) -> tuple[list[FieldRead | None], set[int]]:
    """Each truth field as read (None where no string lies on it), and the strings claimed."""
    claimed: set[int] = set()
    reads: list[FieldRead | None] = []
    for field in truth:
        mine = strings_on(field, results)
        claimed.update(mine)
        if not mine:
            reads.append(None)
            continue
        reasons = tuple(dict.fromkeys(r for i in mine for r in results[i].reasons))
        text = "".join(results[i].text for i in mine)
        reads.append(FieldRead(text, field.text, min(results[i].confidence for i in mine), reasons))
    return reads, claimed


def wrong_share(accepted: list[FieldRead]) -> float:
    """Share of the accepted fields whose text is wrong (0 when none is accepted)."""
    return sum(not r.right for r in accepted) / len(accepted) if accepted else 0.0


def score_forms(truth: list[Field], results: list[Field]) -> FormScore:
    """Match strings to truth fields by position; several strings on one field are read left
    to right. A field no string lies on is missed: wrong, and never accepted."""
    pages = {(t.file, t.page) for t in truth}
    reads, claimed = read_truth_fields(truth, results)
    exact = sum(1 for r in reads if r is not None and r.right)
    errors = sum(edit_distance(r.text if r else "", f.text) for r, f in zip(reads, truth, strict=True))
    digits = sum(len(f.text) for f in truth)
    accepted = [r for r in reads if r is not None and r.accepted()]
    on_pages = [
        i for i, r in enumerate(results) if any(r.page == p and same_file(r.file, f) for f, p in pages)
    ]
    return FormScore(
        fields=len(truth),
        exact=exact / len(truth) if truth else 0.0,
        digit_accuracy=max(0.0, 1 - errors / digits) if digits else 0.0,
        missed=sum(r is None for r in reads),
        spurious=sum(1 for i in on_pages if i not in claimed),
        spurious_accepted=sum(1 for i in on_pages if i not in claimed and not results[i].reasons),
        pages=len(pages),
        accepted=len(accepted) / len(truth) if truth else 0.0,
        wrong_among_accepted=wrong_share(accepted),
    )


TRADEOFF_THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)


@dataclass(frozen=True)
class TradeoffPoint:
    """What one --min-confidence gives: fields accepted (of all truth fields), wrong among
    those accepted, and the shares of misread and of right fields it flags."""

    threshold: float
    accepted: float
    wrong_among_accepted: float
    wrong_flagged: float
    right_flagged: float


def review_tradeoff(truth: list[Field], results: list[Field], thresholds: list[float]) -> list[TradeoffPoint]:
    """The run's confidence column thresholded again at each of `thresholds`."""
    reads = [r for r in read_truth_fields(truth, results)[0] if r is not None]
    wrong = [r for r in reads if not r.right]
    right = [r for r in reads if r.right]
    points = []
    for threshold in thresholds:
        accepted = [r for r in reads if r.accepted(threshold)]
        points.append(
            TradeoffPoint(
                threshold=threshold,
                accepted=len(accepted) / len(truth) if truth else 0.0,
                wrong_among_accepted=wrong_share(accepted),
                wrong_flagged=sum(not r.accepted(threshold) for r in wrong) / max(1, len(wrong)),
                right_flagged=sum(not r.accepted(threshold) for r in right) / max(1, len(right)),
            )
        )
    return points


def plot_tradeoff(points: list[TradeoffPoint], current: float, path: Path) -> None:
    """Error among accepted fields against the share accepted, one point per threshold, the
    current --min-confidence marked; written as a PNG with matplotlib."""
    try:
        import matplotlib
    except ImportError:
        raise UsageError('--plot needs matplotlib: pip install "digitscan[plot]"') from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4.5), dpi=100)
    axes.plot([p.accepted * 100 for p in points], [p.wrong_among_accepted * 100 for p in points], "o-")
    for p in points:
        axes.annotate(
            f"{p.threshold:g}",
            (p.accepted * 100, p.wrong_among_accepted * 100),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    mine = min(points, key=lambda p: abs(p.threshold - current))
    axes.plot(
        [mine.accepted * 100],
        [mine.wrong_among_accepted * 100],
        "r*",
        markersize=14,
        label=f"--min-confidence {current:g}",
    )
    axes.set_xlabel("fields accepted (not flagged), %")
    axes.set_ylabel("wrong among accepted fields, %")
    axes.set_title("Review trade-off over --min-confidence")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    try:
        figure.savefig(path, format="png")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the plot ({exc.strerror or exc})") from None
    finally:
        plt.close(figure)
