"""Reading per source of handwriting, on validation data training never saw.

    python benchmarks/sources.py --data ../shared/datasets/mnist --real ../shared/datasets \
        [--model M.tflite] [--min-confidence P] [--thresholds] [--copies N] [--amount-scales S ...]
        [--amount-frames PX ...] [--amount-negatives]

For each source (MNIST test, and the validation parts of USPS, optdigits and ORAND-CAR-A's
digits, writer- or image-disjoint from training: `digitscan.sources.split`):

- the classifier alone on the validation digits: accuracy, rejected as "not a digit", and
  the share accepted (confidence >= --min-confidence) and wrong among those accepted;
- generated form pages (`digitscan.synth`, the samples/ layouts, seed 7) filled with that
  source's validation digits, read by the whole pipeline: fields exact, digit accuracy,
  fields accepted (not flagged) and wrong among accepted; `--copies N` writes the layouts N
  times (fewer than 100 fields a source otherwise: one wrong field moves wrong-among-accepted
  by 1-3 points; a source's digits are used again once they run out);
- ORAND-CAR-A's validation amounts, the real cheque scans themselves, each read as one image
  (36-93 px high, half of them under 54; `--amount-scales` reads them again resized, as
  snippets of other sizes; `--amount-frames` framed by a dark line at their edges, as a box
  cut out with its edges comes; `--amount-negatives` light on dark, as a negative comes).

`--thresholds` adds, per set, accepted and wrong-among-accepted over --min-confidence values:
what the default is chosen from (at most 0.5% of accepted fields wrong).
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from digitscan.api import Readers, ScanOptions, load_readers, scan
from digitscan.calibration import with_temperature
from digitscan.classify import (
    NOT_DIGIT,
    classify_crops,
    reporting_temperature,
)
from digitscan.data import load_mnist
from digitscan.evaluate import (
    TRADEOFF_THRESHOLDS,
    Field,
    fields_of,
    review_tradeoff,
    score_forms,
)
from digitscan.pages import Page, find_inputs
from digitscan.pipeline import read_page
from digitscan.sources import ORAND_FOLDER, load_image, load_sources, read_amounts, split
from digitscan.synth import DEFAULT_FILES, generate_samples, numbered

PAGE_SEED = 7


def classifier_alone(classifier, images: np.ndarray, labels: np.ndarray, min_confidence: float) -> str:
    probabilities = with_temperature(classify_crops(classifier, images), reporting_temperature(classifier))
    predicted = probabilities.argmax(axis=1)
    accepted = (predicted != NOT_DIGIT) & (probabilities.max(axis=1) >= min_confidence)
    right = predicted == labels
    wrong_accepted = (~right & accepted).sum() / max(1, accepted.sum())
    return (
        f"{len(labels):>6} digits  accuracy {right.mean():7.2%}"
        f"  rejected {(predicted == NOT_DIGIT).mean():6.2%}"
        f"  accepted {accepted.mean():7.2%}  wrong among accepted {wrong_accepted:6.2%}"
    )


def score_line(name: str, truth: list[Field], rows: list[Field]) -> str:
    score = score_forms(truth, rows)
    return (
        f"{name:<28} {score.fields:>5} fields  exact {score.exact:7.2%}  digits {score.digit_accuracy:7.2%}"
        f"  accepted {score.accepted:7.2%}  wrong among accepted {score.wrong_among_accepted:6.2%}"
        f"  missed {score.missed}  spurious/page {score.spurious_per_page:.2f}"
        f" ({score.spurious_accepted} accepted)"
    )


def tradeoff_lines(truth: list[Field], rows: list[Field]) -> list[str]:
    return [
        f"    at {p.threshold:<5g} accepted {p.accepted:7.2%}"
        f"  wrong among accepted {p.wrong_among_accepted:6.2%}"
        for p in review_tradeoff(truth, rows, list(TRADEOFF_THRESHOLDS))
    ]


def pages_of(
    images: np.ndarray,
    labels: np.ndarray,
    folder: Path,
    options: ScanOptions,
    model: Path | None,
    copies: int = 1,
):
    truth = generate_samples(folder, images, labels, seed=PAGE_SEED, files=numbered(DEFAULT_FILES, copies))
    rows = []
    for result in scan(list(find_inputs([str(folder)]).files), options, model=model):
        for page in result.pages:
            rows.extend(fields_of(page, options.min_confidence))
    truth = [Field(str(folder / t.file), t.page, t.x, t.y, t.width, t.height, t.text) for t in truth]
    return truth, rows


def validation_amounts(real: Path) -> list[tuple[Page, str]]:
    """ORAND-CAR-A's validation amounts (`digitscan.sources.split`): each real cheque scan as a
    page of its own, with the amount written on it."""
    folder = real / ORAND_FOLDER
    held_out_groups = set(split(load_sources(real)[2])[1].groups.tolist())
    return [
        (Page(amount.file, 1, load_image(folder / amount.file)), amount.text)
        for group, amount in enumerate(read_amounts(folder))
        if group in held_out_groups
    ]


FRAME_INK = 40  # the grey of a box's edges cut out with an amount (`--amount-frames`)


def amounts(
    real: Path,
    readers: Readers,
    min_confidence: float,
    scale: float = 1.0,
    frame: int = 0,
    negative: bool = False,
) -> tuple[list[Field], list[Field]]:
    """ORAND-CAR-A validation amounts, each image read whole (resized by `scale`: a snippet of
    another size; with a dark `frame` that many pixels thick added all round: cut out with its
    box's edges; `negative`: light on dark); truth boxes are whole images."""
    truth, rows = [], []
    for page, text in validation_amounts(real):
        if scale != 1.0:
            method = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
            resized = cv2.resize(page.image, None, fx=scale, fy=scale, interpolation=method)
            page = replace(page, image=resized)
        if frame:
            framed = cv2.copyMakeBorder(page.image, *[frame] * 4, cv2.BORDER_CONSTANT, value=FRAME_INK)
            page = replace(page, image=framed)
        if negative:
            page = replace(page, image=255 - page.image)
        truth.append(Field(page.source, 1, 0, 0, page.image.shape[1], page.image.shape[0], text))
        reading = read_page(
            page,
            readers.classifier,
            pair_reader=readers.pair_reader,
            line_reader=readers.line_reader,
        )
        rows.extend(fields_of(reading, min_confidence))
    return truth, rows


def validation_digits(data: Path, real: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per source, digits training never saw (images, labels): 2,000 of MNIST's test split and
    the validation part of each real source (`digitscan.sources.split`)."""
    mnist = load_mnist(data)
    held_out = {"mnist-test": (mnist.x_test[:2000], mnist.y_test[:2000])}
    for source in load_sources(real):
        part = split(source)[1]
        held_out[source.name] = (part.images, part.labels)
    return held_out


def validation_parser(description: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line that reads the validation digits (`validation_digits`):
    --data, MNIST's folder, and --real, the datasets folder."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="MNIST folder")
    parser.add_argument("--real", type=Path, required=True, help="datasets folder (../shared/datasets)")
    return parser


def main() -> None:
    parser = validation_parser(__doc__)
    parser.add_argument("--model", type=Path, help="classifier (default: the shipped one)")
    parser.add_argument("--min-confidence", type=float, default=ScanOptions().min_confidence)
    parser.add_argument("--thresholds", action="store_true", help="also the trade-off over thresholds")
    parser.add_argument("--no-lines", action="store_true", help="without the string reader")
    parser.add_argument("--copies", type=int, default=1, help="generated pages: the layouts this many times")
    parser.add_argument(
        "--amount-scales",
        type=float,
        nargs="+",
        default=(),
        metavar="S",
        help="also the amounts resized by each S (snippets 30-80 px high and beyond)",
    )
    parser.add_argument(
        "--amount-frames",
        type=int,
        nargs="+",
        default=(),
        metavar="PX",
        help="also the amounts framed all round by a dark line PX pixels thick (cut with their box)",
    )
    parser.add_argument("--amount-negatives", action="store_true", help="also the amounts light on dark")
    args = parser.parse_args()
    options = ScanOptions(min_confidence=args.min_confidence, read_lines=not args.no_lines)
    readers = load_readers(args.model, options)
    classifier = readers.classifier
    held_out = validation_digits(args.data, args.real)
    print(
        f"model {args.model or 'shipped'}, temperature {reporting_temperature(classifier):.3f}, "
        f"--min-confidence {args.min_confidence}"
    )
    print("\nClassifier alone, validation digits")
    for name, (images, labels) in held_out.items():
        print(f"{name:<28} {classifier_alone(classifier, images, labels, args.min_confidence)}")
    layouts = "samples/ layouts" + (f" x {args.copies}" if args.copies > 1 else "")
    print(f"\nGenerated pages ({layouts}, seed {PAGE_SEED}) of each source's validation digits")
    trade = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, (images, labels) in held_out.items():
            truth, rows = pages_of(images, labels, Path(scratch) / name, options, args.model, args.copies)
            print(score_line(f"pages: {name}", truth, rows))
            trade[f"pages: {name}"] = (truth, rows)
    truth, rows = amounts(args.real, readers, args.min_confidence)
    print("\nReal cheque amounts (ORAND-CAR-A validation images, each read whole)")
    print(score_line("amounts: orand-car-a", truth, rows))
    trade["amounts: orand-car-a"] = (truth, rows)
    for scale in args.amount_scales:
        resized = amounts(args.real, readers, args.min_confidence, scale)
        print(score_line(f"amounts at {scale:g} of their size", *resized))
    for frame in args.amount_frames:
        framed = amounts(args.real, readers, args.min_confidence, frame=frame)
        print(score_line(f"amounts framed {frame} px", *framed))
    if args.amount_negatives:
        negatives = amounts(args.real, readers, args.min_confidence, negative=True)
        print(score_line("amounts light on dark", *negatives))
    if args.thresholds:
        print("\nThe trade-off over --min-confidence")
        for name, (truth, rows) in trade.items():
            print(name)
            print("\n".join(tradeoff_lines(truth, rows)))


if __name__ == "__main__":
    main()
