"""MNIST loading from IDX files, a Keras-layout .npz, or keras.datasets."""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitscan.errors import DatasetError, needs_tensorflow

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class Mnist:
    """MNIST as uint8 arrays: images (N, 28, 28) white ink on black, labels (N,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def read_idx(path: Path, magic: int) -> np.ndarray:
    """Read one IDX file (gzip or raw), checking its magic number and size."""
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except FileNotFoundError:
        raise DatasetError(path, "file not found") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DatasetError(path, f"cannot read ({exc})") from None
    ndim = 3 if magic == IMAGES_MAGIC else 1
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(path, "too short to be an IDX file")
    found = struct.unpack(">I", raw[:4])[0]
    if found != magic:
        raise DatasetError(path, f"bad magic number {found} (expected {magic})")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(dims)) + header
    if len(raw) != expected:
        raise DatasetError(path, f"holds {len(raw)} bytes, header promises {expected}: truncated or corrupt")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(dims)


def find_idx(folder: Path, stem: str) -> Path:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.exists():
            return candidate
    raise DatasetError(folder / f"{stem}.gz", "file not found")


def load_idx_folder(folder: Path) -> Mnist:
    arrays = {
        key: read_idx(find_idx(folder, stem), IMAGES_MAGIC if key.startswith("x") else LABELS_MAGIC)
        for key, stem in IDX_NAMES.items()
    }
    return checked(arrays, folder)


def load_npz(path: Path) -> Mnist:
    try:
        with np.load(path) as npz:
            arrays = {key: npz[key] for key in IDX_NAMES}
    except KeyError as exc:
        raise DatasetError(path, f"missing array {exc} (expected x_train, y_train, x_test, y_test)") from None
    except (OSError, ValueError, zlib.error) as exc:
        raise DatasetError(path, f"not a readable .npz ({exc})") from None
    return checked(arrays, path)


def checked(arrays: dict[str, np.ndarray], source: Path) -> Mnist:
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise DatasetError(source, f"{split} images have shape {images.shape}, expected (N, 28, 28)")
        if len(images) != len(labels):
            raise DatasetError(source, f"{len(images)} {split} images but {len(labels)} labels")
        if labels.size and labels.max() > 9:
            raise DatasetError(source, f"{split} labels outside 0-9")
    return Mnist(**{key: np.asarray(value, dtype=np.uint8) for key, value in arrays.items()})


def load_mnist(path: str | Path | None = None) -> Mnist:
    """Load MNIST from a folder of IDX files, an .npz, or (no path) keras.datasets."""
    if path is None:
        try:
            from keras.datasets import mnist  # downloads on machines that can
        except ImportError:
            raise needs_tensorflow("downloading MNIST (no --data)") from None

        try:
            (x_train, y_train), (x_test, y_test) = mnist.load_data()
        except Exception as exc:  # Keras raises a bare Exception where the download fails
            raise DatasetError(
                "MNIST", f"not downloaded ({exc}); give --data a folder of its four IDX .gz files or an .npz"
            ) from None
        return Mnist(x_train, y_train, x_test, y_test)
    source = Path(path)
    if source.is_dir():
        return load_idx_folder(source)
    if not source.exists():
        raise DatasetError(source, "no such file or folder")
    return load_npz(source)


def subset(mnist: Mnist, limit: int | None) -> Mnist:
    """The first `limit` training images (all test images), for quick runs."""
    if limit is None:
        return mnist
    return Mnist(mnist.x_train[:limit], mnist.y_train[:limit], mnist.x_test, mnist.y_test)
