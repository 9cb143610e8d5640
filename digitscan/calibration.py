"""Calibrated confidence: temperature scaling (Guo et al., "On calibration of modern neural
networks", ICML 2017) fitted on held-out real handwriting.

A network trained with cross-entropy is over-confident on writers it never saw: a "0.99"
is right less often than 99 times in 100. One temperature T divides the log-probabilities
before the softmax is taken again; T > 1 softens, and the order of the classes, so every label,
stays as it was. T is fitted to minimise the negative log-likelihood of validation crops and
shipped beside the model as `NAME.calibration.json`; reading applies it to the probabilities
it reports, after segmentation has made its decisions on the network's own.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from digitscan.errors import ModelError

if TYPE_CHECKING:
    from digitscan.classify import Classifier
    from digitscan.sources import DigitSet

SUFFIX = ".calibration.json"


def with_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities re-softened (T > 1) or sharpened (T < 1); each row's order unchanged."""
    if temperature == 1.0 or len(probabilities) == 0:
        return probabilities
    logits = np.log(np.clip(probabilities.astype(np.float64), 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


def negative_log_likelihood(probabilities: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    scaled = with_temperature(probabilities, temperature)
    return float(-np.log(np.clip(scaled[np.arange(len(labels)), labels], 1e-12, 1.0)).mean())


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The temperature in [0.25, 10] that minimises the validation NLL (golden-section search
    on log T; the NLL is convex in 1/T)."""
    low, high = np.log(0.25), np.log(10.0)
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(60):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if negative_log_likelihood(probabilities, labels, np.exp(a)) <= negative_log_likelihood(
            probabilities, labels, np.exp(b)
        ):
            high = b
        else:
            low = a
    return float(np.exp((low + high) / 2))


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """The gap between confidence and accuracy, averaged over confidence bins by their size."""
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(right[inside].mean() - confidence[inside].mean())
    return float(error)


@dataclass(frozen=True)
class Calibration:
    temperature: float
    fitted_on: str  # what data chose it, for the model card and anyone reading the file

    def save(self, model_path: Path) -> Path:
        path = calibration_path(model_path)
        path.write_text(
            json.dumps({"temperature": self.temperature, "fitted_on": self.fitted_on}, indent=2) + "\n"
        )
        return path


@dataclass(frozen=True)
class SourceCalibration:
    """One validation source before and after: negative log-likelihood and calibration error."""

    name: str
    crops: int
    nll_before: float
    nll_after: float
    ece_before: float
    ece_after: float


def fit_on_sources(
    probabilities: dict[str, tuple[np.ndarray, np.ndarray]],
) -> tuple[Calibration, list[SourceCalibration]]:
    """One temperature for all sources' validation crops pooled ({name: (probabilities,
    labels)}), and what it does to each source."""
    pooled = np.concatenate([p for p, _ in probabilities.values()])
    labels = np.concatenate([y for _, y in probabilities.values()])
    temperature = fit_temperature(pooled, labels)
    report = [
        SourceCalibration(
            name,
            len(y),
            negative_log_likelihood(p, y, 1.0),
            negative_log_likelihood(p, y, temperature),
            expected_calibration_error(p, y),
            expected_calibration_error(with_temperature(p, temperature), y),
        )
        for name, (p, y) in probabilities.items()
    ]
    fitted_on = "validation parts of " + ", ".join(
        f"{name} ({len(y)})" for name, (_, y) in probabilities.items()
    )
    return Calibration(temperature, fitted_on), report


def calibrate_classifier(
    classifier: Classifier, sources: list[DigitSet]
) -> tuple[Calibration, list[SourceCalibration]]:
    """The classifier's temperature, fitted on the validation parts (`sources.split`) of
    real-handwriting sources, and what it does to each."""
    from digitscan.classify import classify_crops
    from digitscan.sources import split

    held_out = {}
    for source in sources:
        part = split(source)[1]
        held_out[source.name] = (classify_crops(classifier, part.images), part.labels.astype(np.int64))
    return fit_on_sources(held_out)


def calibration_path(model_path: Path) -> Path:
    return Path(model_path).with_suffix("").with_suffix(SUFFIX)


def load_calibration(model_path: Path) -> Calibration:
    """The calibration shipped beside a model; none (T = 1) when there is no file."""
    path = calibration_path(model_path)
    if not path.is_file():
        return Calibration(1.0, "none")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        temperature = float(data["temperature"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: not a calibration file ({exc})") from None
    if not 0.05 <= temperature <= 20:
        raise ModelError(f"{path}: temperature {temperature} is out of range")
    return Calibration(temperature, str(data.get("fitted_on", "")))
