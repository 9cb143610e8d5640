"""Augmentation that makes MNIST digits look like digits cut from scanned forms.

Every image is drawn at twice MNIST's resolution, distorted, and re-normalised through the
same `to_mnist` the page stage uses, so training and reading see identical crops.
"""

from __future__ import annotations

import cv2
import numpy as np

from digitscan.normalize import to_mnist

SCALE = 2
CANVAS = 28 * SCALE + 16


def upscaled(image: np.ndarray) -> np.ndarray:
    """A 28x28 uint8 image enlarged onto a padded float canvas."""
    big = cv2.resize(image, (28 * SCALE, 28 * SCALE), interpolation=cv2.INTER_CUBIC)
    canvas = np.zeros((CANVAS, CANVAS), np.float32)
    offset = (CANVAS - 28 * SCALE) // 2
    canvas[offset : offset + 28 * SCALE, offset : offset + 28 * SCALE] = np.clip(big, 0, 255)
    return canvas


def random_affine(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    angle = np.deg2rad(rng.uniform(-12, 12))
    shear = rng.uniform(-0.25, 0.25)
    scale_x, scale_y = rng.uniform(0.8, 1.15), rng.uniform(0.9, 1.1)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    linear = rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([scale_x, scale_y])
    centre = np.array([CANVAS / 2, CANVAS / 2])
    matrix = np.hstack([linear, (centre - linear @ centre)[:, None]])
    return cv2.warpAffine(image, matrix, (CANVAS, CANVAS), flags=cv2.INTER_LINEAR)


def elastic(image: np.ndarray, rng: np.random.Generator, alpha: float, sigma: float) -> np.ndarray:
    """Simard-style elastic distortion: a smoothed random displacement field."""
    size = image.shape
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, size).astype(np.float32), (0, 0), sigma) * alpha
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, size).astype(np.float32), (0, 0), sigma) * alpha
    ys, xs = np.indices(size, dtype=np.float32)
    return cv2.remap(image, xs + dx, ys + dy, cv2.INTER_LINEAR)


def pen_width(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thin or thicken the strokes, as different pens and scan resolutions do."""
    roll = rng.random()
    if roll < 0.25:
        return cv2.erode(image, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    if roll < 0.5:
        size = int(rng.choice([3, 5]))
        return cv2.dilate(image, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    return image


def scan_effects(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur, and binarisation: the page stage hands over binary masks."""
    if rng.random() < 0.2:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.6, 1.6))
    if rng.random() < 0.5:
        image = np.where(image > rng.uniform(70, 170), 255.0, 0.0).astype(np.float32)
    return image


def sensor_noise(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Light noise on the finished crop; before normalising it would move the ink's box."""
    if rng.random() >= 0.2:
        return crop
    noisy = crop + rng.normal(0, rng.uniform(2, 10), crop.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def augment_digit(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One randomly distorted, re-normalised 28x28 uint8 crop of a 28x28 digit."""
    canvas = random_affine(upscaled(image), rng)
    if rng.random() < 0.35:
        canvas = elastic(canvas, rng, alpha=rng.uniform(4, 8), sigma=rng.uniform(5, 8))
    canvas = scan_effects(pen_width(canvas, rng), rng)
    return sensor_noise(to_mnist(canvas, dark_ink=False), rng)


def augment_batch(images: np.ndarray, rng: np.random.Generator, keep_share: float = 0.25) -> np.ndarray:
    """Augment a batch; a share of images passes through unchanged so clean MNIST stays in view."""
    out = np.empty_like(images)
    for index, image in enumerate(images):
        out[index] = image if rng.random() < keep_share else augment_digit(image, rng)
    return out
