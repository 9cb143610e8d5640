"""The string reader: training data and model.

A handwritten number whose digits run into each other (`000` in one stroke, a 1 leaning
into a 3) has no cut for the page stage to find; a segmentation-free reader takes the
string's whole image and emits a digit sequence: a small CNN whose columns each predict a
digit or "blank", trained with CTC (connectionist temporal classification). CNN-only, no
recurrent layers: Zhan et al. (ICPR 2018) read 92.2% of ORAND-CAR-A amounts so, and it
exports to LiteRT and runs on a CPU as simply as the digit classifier.

Strings are composed afresh each epoch from single digits (MNIST and the real sources'
training parts), touching, overlapping or apart, some with thousands dots and commas, and
mixed with ORAND-CAR-A's training amounts themselves (real cheques, thresholded as the page
stage thresholds them).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np

from digitscan.classify import Classifier
from digitscan.containers import Box
from digitscan.normalize import LINE_FIELD, to_line
from digitscan.recognize import BLANK, LINE_STEP
from digitscan.sources import StringSet, load_image, read_amounts
from digitscan.synth import side_by_side

MAX_DIGITS = 10
COLUMNS = LINE_FIELD[1] // LINE_STEP  # the model's time steps
OVERLAP = (-0.35, 0.3)  # of the digit height: from a clear gap to a third of a digit inside
HEIGHTS = (24, 60)
SEPARATOR_SHARE = 0.3  # strings of four digits or more written with thousands separators
DATE_SHARE = 0.15  # strings of three digits or more written as a date, groups parted by slashes
SLASH_SLANT = (0.3, 1.0)  # a slash's run across per unit of its height: 17 to 45 degrees
CLOSING_SHARE = 0.15  # strings closed by a dash or an equals sign, as cheque amounts are
REAL_SHARE = 0.4  # of each batch, real cheque amounts where given
REAL_SHEAR = 0.15  # a real amount slanted at most this much more or less


def separator(height: int, rng: np.random.Generator) -> np.ndarray:
    """A thousands dot or comma on the baseline, in a gap a third of a digit wide."""
    width = max(4, int(height * rng.uniform(0.25, 0.5)))
    canvas = np.zeros((int(1.25 * height), width), np.float32)
    x, y = width // 2, int(height * rng.uniform(0.95, 1.08))
    radius = max(1, int(height * rng.uniform(0.04, 0.08)))
    if rng.random() < 0.5:
        cv2.circle(canvas, (x, min(y, canvas.shape[0] - radius - 1)), radius, 1.0, -1)
    else:
        tail = int(height * 0.18)
        cv2.line(
            canvas, (x + 1, y - tail // 2), (x - 2, min(y + tail // 2, canvas.shape[0] - 1)), 1.0, radius + 1
        )
    return canvas


def slash(height: int, rng: np.random.Generator) -> np.ndarray:
    """A date's slash: a straight stroke about as tall as the digits, leaning right."""
    tall = int(height * rng.uniform(0.8, 1.15))
    run = int(tall * rng.uniform(*SLASH_SLANT))
    pen = max(1, int(height * rng.uniform(0.04, 0.09)))
    canvas = np.zeros((int(1.25 * height), run + 2 * pen + 2), np.float32)
    bottom = min(canvas.shape[0] - pen - 1, int(height * rng.uniform(0.95, 1.1)))
    cv2.line(canvas, (pen, bottom), (pen + run, max(pen, bottom - tall)), 1.0, pen)
    return canvas


def closing_mark(height: int, rng: np.random.Generator) -> np.ndarray:
    """A dash or an equals sign after the last digit, as cheque writers close an amount."""
    width = int(height * rng.uniform(0.5, 1.5))
    canvas = np.zeros((int(1.25 * height), width + 6), np.float32)
    pen = max(1, int(height * rng.uniform(0.04, 0.09)))
    levels = [0.55] if rng.random() < 0.6 else [0.45, 0.7]
    for level in levels:
        y = int(height * (level + rng.uniform(-0.1, 0.3)))
        cv2.line(canvas, (3, y), (3 + width, y + int(rng.uniform(-0.1, 0.1) * height)), 1.0, pen)
    return canvas


def date_groups(count: int, rng: np.random.Generator) -> list[int]:
    """Group lengths of a date of `count` digits: day and month of one or two, the rest the year."""
    day = int(rng.integers(1, 3)) if count > 4 else 1
    month = int(rng.integers(1, 3)) if count > 5 else 1
    return [day, month, count - day - month] if count - day - month > 0 else [count]


def written_string(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Digits in a row as a bool mask: groups of three from the right parted by a thousands
    separator in SEPARATOR_SHARE of strings, a date's groups parted by slashes in DATE_SHARE,
    a closing dash or equals sign in CLOSING_SHARE."""
    height = int(rng.integers(*HEIGHTS))
    lengths = [len(images)]
    mark = separator
    roll = rng.random()
    if len(images) >= 3 and roll < DATE_SHARE:
        lengths, mark = date_groups(len(images), rng), slash
    elif len(images) > 3 and roll < DATE_SHARE + SEPARATOR_SHARE:
        lengths = [len(images) % 3 or 3] + [3] * ((len(images) - 1) // 3)
    starts = np.cumsum([0, *lengths])
    pieces = []
    for number, (start, end) in enumerate(pairwise(starts)):
        if number:
            pieces.append(mark(height, rng))
        pieces.append(side_by_side(images[start:end], height, rng, OVERLAP))
    if rng.random() < CLOSING_SHARE:
        pieces.append(closing_mark(height, rng))
    rows = max(p.shape[0] for p in pieces)
    ink = np.hstack([np.pad(p, ((0, rows - p.shape[0]), (0, 0))) for p in pieces])
    shear = rng.uniform(-0.25, 0.25)
    matrix = np.array([[1, shear, -shear * rows / 2], [0, 1, 0]], np.float32)
    ink = cv2.warpAffine(ink, matrix, (ink.shape[1], rows))
    return ink > rng.uniform(0.3, 0.6)


def line_batch(
    count: int,
    rng: np.random.Generator,
    digits: np.ndarray,
    labels: np.ndarray,
    amounts: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`count` string fields (32x256 uint8) and their digits (count, MAX_DIGITS), -1 padded.
    `amounts`: real string fields and their digits, drawn for REAL_SHARE of the batch."""
    fields = np.zeros((count, *LINE_FIELD), np.uint8)
    targets = np.full((count, MAX_DIGITS), -1, np.int64)
    for row in range(count):
        if amounts is not None and rng.random() < REAL_SHARE:
            pick = int(rng.integers(len(amounts[0])))
            fields[row] = varied(amounts[0][pick], rng)
            targets[row] = amounts[1][pick]
            continue
        length = int(rng.integers(1, 9))
        chosen = rng.integers(0, len(digits), length)
        fields[row] = to_line(written_string(digits[chosen], rng))[0]
        targets[row, :length] = labels[chosen]
    return fields, targets


def varied(field: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A real string field as another writer or pen would have made it: a little wider or
    narrower, slanted, thinner or thicker."""
    factor = rng.uniform(0.85, 1.15)
    ink = field[:, : max(1, int(np.flatnonzero(field.any(axis=0)).max(initial=0)) + 1)]
    wide = cv2.resize(ink, (max(1, min(LINE_FIELD[1], int(ink.shape[1] * factor))), LINE_FIELD[0]))
    out = np.zeros(LINE_FIELD, np.uint8)
    out[:, : wide.shape[1]] = wide
    shear = rng.uniform(-REAL_SHEAR, REAL_SHEAR)
    slant = np.array([[1, shear, -shear * LINE_FIELD[0] / 2], [0, 1, 0]], np.float32)
    out = cv2.warpAffine(out, slant, LINE_FIELD[::-1])
    roll = rng.random()
    pen = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2, 2))
    if roll < 0.2:
        out = cv2.erode(out, pen)
    elif roll < 0.4:
        out = cv2.dilate(out, pen)
    return out


def targets_of(texts: list[str]) -> np.ndarray:
    out = np.full((len(texts), MAX_DIGITS), -1, np.int64)
    for row, text in enumerate(texts):
        digits = [int(c) for c in text[:MAX_DIGITS]]
        out[row, : len(digits)] = digits
    return out


# (filters, 3x3 conv blocks, pooling) per stage: single blocks while the field is large (they
# cost the most there), two once it is a quarter of its size; ~160M multiply-adds a string.
LINE_STAGES = ((32, 1, (2, 2)), (48, 1, (2, 2)), (96, 2, (2, 1)), (128, 2, (2, 1)))


def build_line_model():
    """Conv stages down to two rows of COLUMNS time steps, folded into one, then a softmax
    over 0-9 and blank per step."""
    import keras
    from keras import layers

    from digitscan.training.model import conv_block

    inputs = keras.Input((*LINE_FIELD, 1), name="line")
    x = layers.Rescaling(1 / 255)(inputs)
    for filters, blocks, pool in LINE_STAGES:
        for _ in range(blocks):
            x = conv_block(x, filters)
        x = layers.MaxPooling2D(pool)(x)
    # 2 x 64 left: fold the rows into the features, one step per column
    x = layers.Permute((2, 1, 3))(x)
    x = layers.Reshape((COLUMNS, -1))(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Dense(128, activation="relu")(x)
    outputs = layers.Dense(BLANK + 1, activation="softmax", name="columns")(x)
    return keras.Model(inputs, outputs, name="digitscan_lines")


def ctc_loss(targets, probabilities):
    """CTC loss of -1-padded digit targets under per-column probabilities (blank = 10)."""
    from keras import ops

    target_length = ops.sum(ops.cast(targets >= 0, "int32"), axis=1)
    batch = ops.shape(probabilities)[0]
    output_length = ops.full((batch,), COLUMNS, dtype="int32")
    logits = ops.log(ops.clip(probabilities, 1e-7, 1.0))
    safe = ops.where(targets >= 0, targets, 0)
    return ops.ctc_loss(ops.cast(safe, "int32"), logits, target_length, output_length, mask_index=BLANK)


def read_regions(folder: Path, classifier: Classifier, pair_reader: Classifier | None) -> StringSet:
    """ORAND-CAR-A amounts as reading hands them to the string reader: each image read as a
    page and the region of the one string whose box holds the centre of every digit box
    (`pipeline.string_regions`), with the cheque's pattern, closing marks and whatever else the
    page stage leaves in. Amounts whose digits fall into several strings or none are left out:
    no region is taught a digit it does not hold."""
    from digitscan.pages import Page
    from digitscan.pipeline import string_regions

    fields, texts, groups = [], [], []
    for group, amount in enumerate(read_amounts(folder)):
        image = load_image(Path(folder) / amount.file)
        centres = [(x + w / 2, y + h / 2) for x, y, w, h in amount.boxes]
        regions = string_regions(Page(amount.file, 1, image), classifier, pair_reader)
        held = [sum(holds(box, centre) for centre in centres) for _, box in regions]
        holding = [index for index, count in enumerate(held) if count]
        if len(holding) != 1 or held[holding[0]] != len(centres):
            continue
        fields.append(to_line(regions[holding[0]][0])[0])
        texts.append(amount.text)
        groups.append(group)
    return StringSet(np.array(fields, np.uint8).reshape(-1, *LINE_FIELD), tuple(texts), np.array(groups, int))


def holds(box: Box, point: tuple[float, float]) -> bool:
    """Whether `point` (x, y) lies in `box`, edges included."""
    return box.x <= point[0] <= box.x + box.width and box.y <= point[1] <= box.y + box.height
