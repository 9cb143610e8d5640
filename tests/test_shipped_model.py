"""The model in models/: its accuracy, its rejection of non-digits, and both runtimes agreeing."""

import numpy as np

from digitscan.classify import (
    NOT_DIGIT,
    KerasClassifier,
    LiteRTClassifier,
    classify_crops,
    default_model_path,
    labels_from_probabilities,
)
from digitscan.evaluate import rejection_rate, score_mnist
from digitscan.training.nondigits import generate_nondigits


def test_default_model_is_the_litert_export():
    assert default_model_path().name == "digitscan.tflite"


def test_accuracy_on_first_2000_test_digits(classifier, mnist):
    score = score_mnist(classifier, mnist.x_test[:2000], mnist.y_test[:2000])
    assert score.accuracy >= 0.995
    assert score.rejected <= 0.005


def test_rejects_generated_nondigits(classifier, mnist):
    crops = generate_nondigits(1000, np.random.default_rng(2**31 - 1), mnist.x_test, mnist.y_test)
    assert rejection_rate(classifier, crops) >= 0.9


def test_keras_and_litert_agree_on_the_test_set(mnist):
    path = default_model_path()
    litert = classify_crops(LiteRTClassifier(path), mnist.x_test).argmax(axis=1)
    keras = classify_crops(KerasClassifier(path.with_suffix(".keras")), mnist.x_test).argmax(axis=1)
    assert (litert == keras).mean() >= 0.999
    assert abs((litert == mnist.y_test).mean() - (keras == mnist.y_test).mean()) < 0.001


def test_labels_carry_second_choice(classifier, mnist):
    labels = labels_from_probabilities(classifier.probabilities(mnist.x_test[:50]))
    for label in labels:
        assert label.digit != label.second
        assert 0 <= label.second_confidence <= label.confidence <= 1
    blank = labels_from_probabilities(np.eye(NOT_DIGIT + 1, dtype=np.float32)[[NOT_DIGIT]])
    assert blank[0].digit is None and blank[0].text == "?"
