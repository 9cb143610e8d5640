"""Train the classifier on augmented MNIST, real handwriting and generated non-digits; export it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitscan.classify import NOT_DIGIT
from digitscan.data import Mnist
from digitscan.errors import ModelError
from digitscan.sources import DigitSet, split
from digitscan.training.augment import augment_batch
from digitscan.training.nondigits import generate_nondigits


@dataclass(frozen=True)
class EpochReport:
    epoch: int
    epochs: int
    loss: float
    train_accuracy: float
    held_out: dict[str, float]  # accuracy on each held-out set: MNIST test, each source's validation
    seconds: float

    @property
    def test_accuracy(self) -> float:
        """Accuracy on the first held-out set (MNIST test, or the held-out pairs)."""
        return next(iter(self.held_out.values()))


@dataclass(frozen=True)
class TrainedModel:
    keras_path: Path
    litert_path: Path
    parameters: int
    seconds: float


# Real handwriting is a few thousand digits beside MNIST's 60,000: each is seen three times an
# epoch (freshly augmented each time), so other writers' styles weigh about a third.
REAL_REPEATS = 3


def real_training_digits(sources: list[DigitSet]) -> tuple[np.ndarray, np.ndarray]:
    """The training parts (`sources.split`) of real-handwriting sources, repeated REAL_REPEATS times."""
    parts = [split(source)[0] for source in sources]
    images = np.concatenate([p.images for p in parts]) if parts else np.zeros((0, 28, 28), np.uint8)
    labels = np.concatenate([p.labels for p in parts]) if parts else np.zeros(0, np.uint8)
    return np.tile(images, (REAL_REPEATS, 1, 1)), np.tile(labels, REAL_REPEATS)


def validation_sets(mnist: Mnist, sources: list[DigitSet]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """MNIST test, then each source's validation part: scored after every epoch, never trained on."""
    held = {"mnist-test": (mnist.x_test, mnist.y_test)}
    for source in sources:
        part = split(source)[1]
        held[source.name] = (part.images, part.labels)
    return held


def epoch_data(
    mnist: Mnist,
    rng: np.random.Generator,
    nondigit_share: float,
    extra: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """A freshly augmented epoch: every training digit, new non-digits (halves and touching
    pairs made of MNIST and `extra` digits alike), extra crops."""
    images = [augment_batch(mnist.x_train, rng)]
    labels = [mnist.y_train.astype(np.int64)]
    count = int(len(mnist.x_train) * nondigit_share)
    digits, digit_labels = mnist.x_train, mnist.y_train
    if extra is not None:
        is_digit = extra[1] != NOT_DIGIT
        digits = np.concatenate([digits, extra[0][is_digit]])
        digit_labels = np.concatenate([digit_labels, extra[1][is_digit]])
    images.append(generate_nondigits(count, rng, digits, digit_labels))
    labels.append(np.full(count, NOT_DIGIT))
    if extra is not None:
        images.append(augment_batch(extra[0], rng))
        labels.append(extra[1].astype(np.int64))
    x = np.concatenate(images)
    y = np.concatenate(labels)
    order = rng.permutation(len(y))
    return x[order], y[order]


def oversampled(crops: np.ndarray, labels: np.ndarray, train_size: int, share: float = 0.05):
    """A user's few corrected crops repeated to about `share` of an epoch, so they count."""
    if len(crops) == 0:
        return None
    repeats = max(1, round(share * train_size / len(crops)))
    return np.tile(crops, (repeats, 1, 1)), np.tile(labels, repeats)


def joined(
    first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    if second is None:
        return first
    return np.concatenate([first[0], second[0]]), np.concatenate([first[1], second[1]])


def accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    if len(labels) == 0:
        return 0.0
    predicted = model.predict(images[..., None], batch_size=1024, verbose=0).argmax(axis=1)
    return float((predicted == labels).mean())


def export_litert(model, path: Path) -> None:
    """The LiteRT model reading uses: 8-bit weights (dynamic range), ~3x the float model's speed."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    Path(path).write_bytes(converter.convert())


def train(
    mnist: Mnist,
    epochs: int,
    out: Path,
    seed: int = 0,
    batch_size: int = 128,
    nondigit_share: float = 0.2,
    extra: tuple[np.ndarray, np.ndarray] | None = None,
    base_model: Path | None = None,
    on_epoch: Callable[[EpochReport], None] | None = None,
    real: list[DigitSet] | None = None,
    stage: tuple[np.ndarray, np.ndarray] | None = None,
) -> TrainedModel:
    """Train for `epochs` and write `out` (.keras) and its LiteRT export (.tflite).

    `real` sources (`digitscan.sources`) add their training parts to every epoch and are
    scored on their validation parts; `stage` holds (crops, labels) cut by the page stage
    (`training.stage_crops`) and `extra` those a user corrected, both added to every epoch;
    `base_model` starts from existing weights (fine-tuning) instead of from scratch.
    """
    import keras

    from digitscan.training.model import build_model

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    if base_model is not None and not Path(base_model).is_file():
        raise ModelError(f"{base_model}: no such model file to fine-tune")
    model = keras.models.load_model(base_model) if base_model else build_model()
    real = real or []
    if real:
        extra = joined(real_training_digits(real), extra)
    if stage is not None:
        extra = joined(stage, extra)
    per_epoch = len(mnist.x_train) * (1 + nondigit_share) + (len(extra[1]) if extra is not None else 0)
    return fit_and_export(
        model,
        lambda: epoch_data(mnist, rng, nondigit_share, extra),
        int(per_epoch),
        validation_sets(mnist, real),
        epochs,
        out,
        batch_size,
        1e-3 if base_model is None else 2e-4,
        on_epoch,
    )


def train_pairs(
    mnist: Mnist,
    epochs: int,
    out: Path,
    seed: int = 0,
    batch_size: int = 128,
    per_epoch: int = 100_000,
    on_epoch: Callable[[EpochReport], None] | None = None,
    real: list[DigitSet] | None = None,
) -> TrainedModel:
    """Train the touching-pair reader (see `training.pairs`) on pairs made afresh each epoch
    of MNIST training digits and the training parts of `real` sources; its test accuracy is
    on pairs of MNIST test digits."""
    import keras

    from digitscan.training.pairs import build_pair_model, held_out_pairs, pair_batch

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    digits, labels = (mnist.x_train, mnist.y_train)
    if real:
        digits, labels = joined((digits, labels), real_training_digits(real))
    marks = generate_nondigits(20_000, rng, digits, labels)
    return fit_and_export(
        build_pair_model(),
        lambda: pair_batch(per_epoch, rng, digits, labels, marks),
        per_epoch,
        {"held-out pairs": held_out_pairs(mnist.x_test, mnist.y_test, min(10_000, 2 * len(mnist.x_test)))},
        epochs,
        out,
        batch_size,
        1e-3,
        on_epoch,
    )


def train_lines(
    mnist: Mnist,
    epochs: int,
    out: Path,
    real_root: Path,
    seed: int = 0,
    batch_size: int = 64,
    per_epoch: int = 60_000,
    on_epoch: Callable[[EpochReport], None] | None = None,
) -> TrainedModel:
    """Train the string reader (`training.lines`) on strings composed afresh each epoch of
    MNIST training digits and the real sources' training parts, mixed with ORAND-CAR-A's
    training amounts, both cut to their digits' span and as reading hands them over (the
    shipped classifier and pair reader finding the string: `lines.read_regions`); scored each
    epoch by the share of the validation amounts read exactly, both ways."""
    import keras

    from digitscan.classify import load_classifier, load_pair_reader
    from digitscan.sources import load_orand_strings, load_sources, split_strings
    from digitscan.training.lines import build_line_model, ctc_loss, line_batch, read_regions, targets_of

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    digits, labels = joined((mnist.x_train, mnist.y_train), real_training_digits(load_sources(real_root)))
    folder = Path(real_root) / "orand-car-a"
    train_amounts, held_amounts = split_strings(load_orand_strings(folder))
    as_read = read_regions(folder, load_classifier(None), load_pair_reader())
    validating = np.isin(as_read.groups, held_amounts.groups)
    train_read, held_read = as_read.take(~validating), as_read.take(validating)
    amounts = (
        np.concatenate([train_amounts.fields, train_read.fields]),
        targets_of([*train_amounts.texts, *train_read.texts]),
    )
    held = {
        "orand-car-a amounts": (held_amounts.fields, targets_of(list(held_amounts.texts))),
        "as read": (held_read.fields, targets_of(list(held_read.texts))),
    }
    return fit_and_export(
        build_line_model(),
        lambda: line_batch(per_epoch, rng, digits, labels, amounts),
        per_epoch,
        held,
        epochs,
        out,
        batch_size,
        1e-3,
        on_epoch,
        loss=ctc_loss,
        score=strings_exact,
    )


def strings_exact(model, fields: np.ndarray, targets: np.ndarray) -> float:
    """Share of strings whose greedy CTC decoding is exactly their digits."""
    from digitscan.recognize import greedy_decode

    if len(fields) == 0:
        return 0.0
    steps = model.predict(fields[..., None], batch_size=256, verbose=0)
    truth = ["".join(str(d) for d in row if d >= 0) for row in targets]
    return float(np.mean([greedy_decode(s).text == t for s, t in zip(steps, truth, strict=True)]))


def fit_and_export(
    model,
    make_epoch: Callable[[], tuple[np.ndarray, np.ndarray]],
    per_epoch: int,
    held_out: dict[str, tuple[np.ndarray, np.ndarray]],
    epochs: int,
    out: Path,
    batch_size: int,
    learning_rate: float,
    on_epoch: Callable[[EpochReport], None] | None,
    loss: object = "sparse_categorical_crossentropy",
    score: Callable[[object, np.ndarray, np.ndarray], float] | None = None,
) -> TrainedModel:
    """Fit `model` on a fresh `make_epoch()` each epoch (Adam, cosine-decayed rate), report
    `score` (default: accuracy) on each `held_out` set after each, and write `out` (.keras)
    and its LiteRT export."""
    import keras

    score = score or accuracy
    steps = epochs * int(np.ceil(per_epoch / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.01)
    classifying = loss == "sparse_categorical_crossentropy"
    model.compile(
        optimizer=keras.optimizers.Adam(schedule, clipnorm=None if classifying else 5.0),
        loss=loss,
        metrics=["accuracy"] if classifying else [],
    )
    started = time.perf_counter()
    for epoch in range(epochs):
        epoch_start = time.perf_counter()
        x, y = make_epoch()
        history = model.fit(x[..., None], y, batch_size=batch_size, epochs=1, verbose=0)
        if on_epoch is not None:
            on_epoch(
                EpochReport(
                    epoch=epoch + 1,
                    epochs=epochs,
                    loss=float(history.history["loss"][-1]),
                    train_accuracy=float(history.history.get("accuracy", [float("nan")])[-1]),
                    held_out={name: score(model, *data) for name, data in held_out.items()},
                    seconds=time.perf_counter() - epoch_start,
                )
            )
    out = Path(out).with_suffix(".keras")
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    litert_path = out.with_suffix(".tflite")
    export_litert(model, litert_path)
    return TrainedModel(out, litert_path, int(model.count_params()), time.perf_counter() - started)
