"""Temperature scaling: labels unchanged, confidence closer to accuracy, shipped beside the model."""

from __future__ import annotations

import numpy as np
import pytest

from digitscan.calibration import (
    Calibration,
    expected_calibration_error,
    fit_on_sources,
    fit_temperature,
    load_calibration,
    with_temperature,
)
from digitscan.classify import labels_from_probabilities, recalibrated
from digitscan.errors import ModelError


def overconfident(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sharp probabilities (~0.99 on the top class) that are right only about 80% of the time."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 11, count)
    predicted = np.where(rng.random(count) < 0.8, labels, rng.integers(0, 11, count))
    logits = rng.normal(0, 1, (count, 11)) + 7 * np.eye(11)[predicted]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return probabilities.astype(np.float32), labels


def test_calibration_keeps_every_label():
    probabilities, _ = overconfident(2000)
    for temperature in (0.5, 1.7, 4.0):
        scaled = with_temperature(probabilities, temperature)
        assert np.allclose(scaled.sum(axis=1), 1, atol=1e-5)
        assert (scaled.argmax(axis=1) == probabilities.argmax(axis=1)).all()
        before = labels_from_probabilities(probabilities)
        after = labels_from_probabilities(scaled)
        assert [label.digit for label in before] == [label.digit for label in after]
        # The pipeline decides on the network's probabilities and reports calibrated ones.
        in_string = labels_from_probabilities(probabilities, 0.1)
        reported = [recalibrated(label, row) for label, row in zip(in_string, scaled, strict=True)]
        assert [(r.digit, r.second) for r in reported] == [(label.digit, label.second) for label in in_string]


def test_fitted_temperature_softens_overconfidence():
    probabilities, labels = overconfident(3000)
    temperature = fit_temperature(probabilities, labels)
    assert temperature > 1.2
    held_out, held_labels = overconfident(3000, seed=1)
    assert expected_calibration_error(with_temperature(held_out, temperature), held_labels) < 0.5 * (
        expected_calibration_error(held_out, held_labels)
    )


def test_one_temperature_for_pooled_sources_with_a_report_each():
    calibration, report = fit_on_sources({"a": overconfident(500, 2), "b": overconfident(300, 3)})
    assert calibration.temperature > 1 and "a (500)" in calibration.fitted_on
    assert [r.name for r in report] == ["a", "b"]
    assert all(r.nll_after < r.nll_before for r in report)


def test_calibration_file_beside_the_model(tmp_path):
    model = tmp_path / "m.tflite"
    assert load_calibration(model).temperature == 1.0  # none shipped: probabilities as they are
    written = Calibration(1.8, "test").save(model)
    assert written.name == "m.calibration.json"
    assert load_calibration(model) == Calibration(1.8, "test")
    written.write_text("{not json")
    with pytest.raises(ModelError, match="not a calibration file"):
        load_calibration(model)
    written.write_text('{"temperature": 500}')
    with pytest.raises(ModelError, match="out of range"):
        load_calibration(model)
