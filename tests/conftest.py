from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from digitscan.data import Mnist, load_mnist

REPO = Path(__file__).resolve().parent.parent
DATASETS = REPO.parent / "shared" / "datasets"  # the shared sets: never in the repository
ENV = {**os.environ, "PYTHONPATH": str(REPO)}  # subprocesses run this checkout's code
MNIST_DIR = Path(os.environ.get("DIGITSCAN_MNIST", DATASETS / "mnist"))


@pytest.fixture(scope="session")
def mnist() -> Mnist:
    if not MNIST_DIR.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"MNIST not found at {MNIST_DIR} (set DIGITSCAN_MNIST)")
        pytest.skip(f"MNIST not found at {MNIST_DIR} (set DIGITSCAN_MNIST)")
    return load_mnist(MNIST_DIR)


@pytest.fixture(scope="session")
def classifier():
    from digitscan.classify import load_classifier

    return load_classifier()


def digit_of(mnist: Mnist, label: int, nth: int = 0) -> np.ndarray:
    """A test-split MNIST digit with the given label (white on black, 28x28)."""
    return mnist.x_test[np.flatnonzero(mnist.y_test == label)[nth]]


def write_digits(
    page: np.ndarray,
    mnist: Mnist,
    text: str,
    x: int,
    baseline: int,
    height: int,
    gap: float = 0.3,
    nth: int = 0,
) -> list[tuple[int, int, int, int]]:
    """Draw MNIST test digits as dark ink on a light page; returns each digit's box."""
    boxes = []
    for position, char in enumerate(text):
        image = digit_of(mnist, int(char), nth + position)
        rows = np.flatnonzero(image.max(axis=1) > 30)
        cols = np.flatnonzero(image.max(axis=0) > 30)
        tight = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        width = max(3, round(tight.shape[1] * height / tight.shape[0]))
        ink = cv2.resize(tight, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
        top = baseline - height
        region = page[top : top + height, x : x + width].astype(np.float32)
        page[top : top + height, x : x + width] = (region * (1 - np.clip(ink, 0, 1))).astype(np.uint8)
        boxes.append((x, top, width, height))
        x += width + round(gap * height)
    return boxes


def blank_page(width: int = 1200, height: int = 800, paper: int = 235) -> np.ndarray:
    return np.full((height, width), paper, np.uint8)


def with_exif_orientation(jpeg: bytes, orientation_tag: int) -> bytes:
    """A JPEG with an APP1 EXIF segment holding only the Orientation tag (0x0112)."""
    ifd = (1).to_bytes(2, "little") + (0x0112).to_bytes(2, "little") + (3).to_bytes(2, "little")
    ifd += (1).to_bytes(4, "little") + orientation_tag.to_bytes(2, "little") + bytes(2) + bytes(4)
    exif = b"Exif\x00\x00" + b"II*\x00" + (8).to_bytes(4, "little") + ifd
    return jpeg[:2] + b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif + jpeg[2:]


def turned_on_a_desk(page: np.ndarray, degrees: float, desk: int = 60) -> np.ndarray:
    """The page turned `degrees` on a larger image, none of it cut off, the rest dark: a sheet
    photographed crooked on a desk."""
    height, width = page.shape
    cos, sin = abs(np.cos(np.deg2rad(degrees))), abs(np.sin(np.deg2rad(degrees)))
    size = (round(width * cos + height * sin), round(width * sin + height * cos))
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    matrix[:, 2] += ((size[0] - width) / 2, (size[1] - height) / 2)
    return cv2.warpAffine(page, matrix, size, borderValue=desk)
