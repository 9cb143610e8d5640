"""Real handwriting beside MNIST: USPS, UCI optdigits and ORAND-CAR-A cheque digits.

Each loader reads a local file (no downloads), checks it, and hands back MNIST-style 28x28
crops (white ink on black, through the one `normalize.to_mnist`) with labels and a group per
digit: the writer or the source image, so that validation splits never share a writer or an
image with training (`split`).
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from digitscan.errors import DatasetError
from digitscan.normalize import LINE_FIELD, to_line, to_mnist
from digitscan.segment.binarize import binarize
from digitscan.segment.lines import find_rules, remove_rules

USPS_FILE = Path("usps") / "usps-train.npz"
OPTDIGITS_FILE = Path("optdigits") / "optdigits-train.npz"
ORAND_FOLDER = Path("orand-car-a")
# UCI's optdigits training file holds 30 writers' forms one after another, so blocks of
# 1/30 of the file keep (nearly all of) each writer's digits together.
OPTDIGITS_WRITERS = 30
VALIDATION_SHARE = 0.2
SPLIT_SEED = 2026  # fixed: every training run and every report uses the same split


@dataclass(frozen=True)
class DigitSet:
    """Digits of one source: images (N, 28, 28) uint8, labels (N,), groups (N,) writer or
    image ids (digits of one group never straddle a split)."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    groups: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, keep: np.ndarray) -> DigitSet:
        return DigitSet(self.name, self.images[keep], self.labels[keep], self.groups[keep])


def read_npz(path: Path, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """`images` (N, *shape) and `labels` (N,) from an .npz, checked."""
    if not path.is_file():
        raise DatasetError(path, "file not found")
    try:
        with np.load(path) as npz:
            images, labels = npz["images"], npz["labels"]
    except KeyError as exc:
        raise DatasetError(path, f"missing array {exc} (expected images, labels)") from None
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        raise DatasetError(path, f"not a readable .npz ({exc})") from None
    if images.ndim != 3 or images.shape[1:] != shape:
        raise DatasetError(path, f"images have shape {images.shape}, expected (N, {shape[0]}, {shape[1]})")
    if len(images) != len(labels):
        raise DatasetError(path, f"{len(images)} images but {len(labels)} labels")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DatasetError(path, "labels outside 0-9")
    return images, labels.astype(np.uint8)


def normalised(images: np.ndarray) -> np.ndarray:
    if len(images) == 0:
        return np.zeros((0, 28, 28), np.uint8)
    return np.stack([to_mnist(image, dark_ink=False) for image in images])


def load_usps(path: Path) -> DigitSet:
    """USPS training split (16x16 grey, white on black). No writer ids: each digit its own group."""
    images, labels = read_npz(Path(path), (16, 16))
    return DigitSet("usps", normalised(images), labels, np.arange(len(labels)))


def load_optdigits(path: Path) -> DigitSet:
    """UCI optdigits training file (32x32 bitmaps, 30 writers), grouped by writer block."""
    images, labels = read_npz(Path(path), (32, 32))
    writers = np.arange(len(labels)) * OPTDIGITS_WRITERS // max(1, len(labels))
    return DigitSet("optdigits", normalised(images), labels, writers)


@dataclass(frozen=True)
class Amount:
    """One ORAND-CAR-A cheque amount: its image file, the digits, and a box per digit."""

    file: str
    text: str
    boxes: tuple[tuple[int, int, int, int], ...]


def read_amounts(folder: Path) -> list[Amount]:
    """strings.csv and digits.csv of an ORAND-CAR-A folder, checked against each other."""
    folder = Path(folder)
    strings_csv, digits_csv = folder / "strings.csv", folder / "digits.csv"
    for needed in (strings_csv, digits_csv):
        if not needed.is_file():
            raise DatasetError(needed, "file not found")
    boxes: dict[str, list[tuple[int, int, int, int, str]]] = {}
    try:
        with digits_csv.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                box = (int(row["x"]), int(row["y"]), int(row["width"]), int(row["height"]), row["digit"])
                boxes.setdefault(row["file"], []).append(box)
        with strings_csv.open(newline="", encoding="utf-8") as handle:
            strings = [(row["file"], row["text"]) for row in csv.DictReader(handle)]
    except (KeyError, ValueError, TypeError, UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(folder, f"strings.csv or digits.csv malformed ({exc})") from None
    amounts = []
    for file, text in strings:
        mine = sorted(boxes.get(file, []))
        boxed = "".join(b[4] for b in mine)
        if boxed != text or not text.isdigit():
            raise DatasetError(folder / file, f"digit boxes read {boxed!r}, text {text!r}")
        amounts.append(Amount(file, text, tuple(b[:4] for b in mine)))
    return amounts


def amount_ink(image: np.ndarray, digit_height: float) -> np.ndarray:
    """A scanned amount (dark ink on a cheque's patterned grey) as the page stage thresholds
    it (`segment.binarize`, window as on a page: about 0.8 digit heights), so the classifier
    learns the crops reading will hand it. (A global Otsu cut took the background pattern for
    ink on the palest cheques.)"""
    window = max(15, round(0.8 * digit_height))
    return binarize(image, window) > 0


MAIN_PIECE = 0.1  # of the largest piece's area: smaller pieces in a box are specks or slivers


def box_ink(mask: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The ink inside a box (one digit's, or a whole amount's span), without the specks of the
    cheque's pattern and the smallest slivers of neighbours: only pieces with at least
    MAIN_PIECE of the largest piece's area stay."""
    x, y, w, h = box
    inside = mask[max(0, y) : y + h, max(0, x) : x + w].astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(inside, connectivity=8)
    if count <= 1:
        return inside > 0
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= MAIN_PIECE * areas.max()) + 1
    return np.isin(labels, keep)


def load_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) if path.is_file() else None
    if image is None:
        raise DatasetError(path, "missing or not a readable image")
    return image


def load_orand_digits(folder: Path) -> DigitSet:
    """ORAND-CAR-A digits cut from their cheque amounts by their boxes, grouped by image."""
    folder = Path(folder)
    amounts = read_amounts(folder)
    crops, labels, groups = [], [], []
    for group, amount in enumerate(amounts):
        mask = amount_ink(load_image(folder / amount.file), float(np.median([b[3] for b in amount.boxes])))
        for box, digit in zip(amount.boxes, amount.text, strict=True):
            crops.append(to_mnist(box_ink(mask, box)))
            labels.append(int(digit))
            groups.append(group)
    images = np.array(crops, np.uint8).reshape(-1, 28, 28)
    return DigitSet("orand-car-a", images, np.array(labels, np.uint8), np.array(groups))


def split(
    digits: DigitSet, share: float = VALIDATION_SHARE, seed: int = SPLIT_SEED
) -> tuple[DigitSet, DigitSet]:
    """(training, validation): a `share` of the groups, drawn with a fixed seed, validates."""
    held = held_out(digits.groups, share, seed)
    return digits.take(~held), digits.take(held)


def held_out(groups: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Which items validate: those of a `share` of the distinct groups, drawn with `seed`."""
    distinct = np.unique(groups)
    chosen = np.random.default_rng(seed).permutation(distinct)[: round(len(distinct) * share)]
    return np.isin(groups, chosen)


def load_sources(root: Path) -> list[DigitSet]:
    """Every real-handwriting source under a datasets folder (`../shared/datasets`)."""
    root = Path(root)
    return [
        load_usps(root / USPS_FILE),
        load_optdigits(root / OPTDIGITS_FILE),
        load_orand_digits(root / ORAND_FOLDER),
    ]


@dataclass(frozen=True)
class StringSet:
    """Whole strings of one source as the string reader's fields (N, 32, 256), their digits,
    and a group per string (the same image groups as the source's digits, so `split` parts
    them the same way)."""

    fields: np.ndarray
    texts: tuple[str, ...]
    groups: np.ndarray

    def take(self, keep: np.ndarray) -> StringSet:
        return StringSet(
            self.fields[keep], tuple(np.array(self.texts, dtype=object)[keep]), self.groups[keep]
        )


def load_orand_strings(folder: Path) -> StringSet:
    """ORAND-CAR-A amounts, each the ink of its digits' span thresholded and cleared of ruled
    lines as the page stage does (separators inside kept: the reader learns to pass over them)."""
    folder = Path(folder)
    fields, texts = [], []
    for amount in read_amounts(folder):
        height = float(np.median([b[3] for b in amount.boxes]))
        ink = amount_ink(load_image(folder / amount.file), height).astype(np.uint8) * 255
        mask = remove_rules(ink, find_rules(ink, height)) > 0
        left = min(b[0] for b in amount.boxes)
        top = min(b[1] for b in amount.boxes)
        right = max(b[0] + b[2] for b in amount.boxes)
        bottom = max(b[1] + b[3] for b in amount.boxes)
        fields.append(to_line(box_ink(mask, (left, top, right - left, bottom - top)))[0])
        texts.append(amount.text)
    return StringSet(np.array(fields, np.uint8).reshape(-1, *LINE_FIELD), tuple(texts), np.arange(len(texts)))


def split_strings(
    strings: StringSet, share: float = VALIDATION_SHARE, seed: int = SPLIT_SEED
) -> tuple[StringSet, StringSet]:
    """(training, validation) with the same groups held out as `split` holds out of the digits."""
    held = held_out(strings.groups, share, seed)
    return strings.take(~held), strings.take(held)
