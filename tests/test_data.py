import gzip
import struct

import numpy as np
import pytest

from digitscan.data import load_mnist, read_idx
from digitscan.errors import DatasetError
from tests.conftest import MNIST_DIR


def write_idx(path, magic, dims, payload: bytes, compress=True):
    raw = struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims) + payload
    path.write_bytes(gzip.compress(raw) if compress else raw)


def small_mnist_folder(folder, n_train=5, n_test=3, compress=True):
    suffix = ".gz" if compress else ""
    rng = np.random.default_rng(0)
    for stem, n in (("train", n_train), ("t10k", n_test)):
        write_idx(
            folder / f"{stem}-images-idx3-ubyte{suffix}",
            2051,
            (n, 28, 28),
            rng.integers(0, 255, n * 784, np.uint8).tobytes(),
            compress,
        )
        write_idx(
            folder / f"{stem}-labels-idx1-ubyte{suffix}",
            2049,
            (n,),
            rng.integers(0, 10, n, np.uint8).tobytes(),
            compress,
        )


def test_full_mnist_from_shared_folder(mnist):
    assert mnist.x_train.shape == (60000, 28, 28)
    assert mnist.x_test.shape == (10000, 28, 28)
    assert mnist.y_train.shape == (60000,) and mnist.y_test.shape == (10000,)
    assert set(np.unique(mnist.y_test)) == set(range(10))
    assert abs(mnist.x_train.mean() / 255 - 0.1307) < 0.001


@pytest.mark.parametrize("compress", [True, False])
def test_small_idx_folder_gzip_or_raw(tmp_path, compress):
    small_mnist_folder(tmp_path, compress=compress)
    data = load_mnist(tmp_path)
    assert data.x_train.shape == (5, 28, 28) and data.y_test.shape == (3,)


def test_npz_in_keras_layout(tmp_path, mnist):
    path = tmp_path / "mnist.npz"
    np.savez(
        path,
        x_train=mnist.x_train[:10],
        y_train=mnist.y_train[:10],
        x_test=mnist.x_test[:4],
        y_test=mnist.y_test[:4],
    )
    data = load_mnist(path)
    assert np.array_equal(data.x_test, mnist.x_test[:4])


def test_bad_magic_names_the_file(tmp_path):
    small_mnist_folder(tmp_path)
    bad = tmp_path / "t10k-labels-idx1-ubyte.gz"
    write_idx(bad, 2051, (3,), bytes(3))
    with pytest.raises(DatasetError, match=r"t10k-labels-idx1-ubyte.gz.*magic"):
        load_mnist(tmp_path)


def test_truncated_file_names_the_file(tmp_path):
    small_mnist_folder(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(raw[:-100]))
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.gz.*truncated"):
        load_mnist(tmp_path)


def test_corrupt_gzip_names_the_file(tmp_path):
    small_mnist_folder(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path)


def test_counts_that_disagree(tmp_path):
    small_mnist_folder(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", 2049, (4,), bytes(4))
    with pytest.raises(DatasetError, match=r"5 train images but 4 labels"):
        load_mnist(tmp_path)


def test_missing_file_and_missing_folder(tmp_path):
    with pytest.raises(DatasetError, match=r"train-images-idx3-ubyte.gz.*not found"):
        load_mnist(tmp_path)
    with pytest.raises(DatasetError, match=r"no such file"):
        load_mnist(tmp_path / "nowhere")


def test_npz_missing_array(tmp_path):
    path = tmp_path / "partial.npz"
    np.savez(path, x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(DatasetError, match=r"partial.npz.*missing array"):
        load_mnist(path)


def test_read_idx_matches_shared_labels():
    labels = read_idx(MNIST_DIR / "t10k-labels-idx1-ubyte.gz", 2049)
    assert labels[:5].tolist() == [7, 2, 1, 0, 4]


def test_failed_download_is_a_dataset_error(monkeypatch):
    mnist = pytest.importorskip("keras.datasets.mnist")

    def offline():
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: no network")

    monkeypatch.setattr(mnist, "load_data", offline)
    with pytest.raises(DatasetError, match=r"MNIST: not downloaded \(URL fetch failure.*--data"):
        load_mnist()
