"""Loaders of the real-handwriting sets in ../shared/datasets, and their disjoint splits."""

from __future__ import annotations

import numpy as np
import pytest

from digitscan.errors import DatasetError
from digitscan.sources import (
    load_optdigits,
    load_orand_digits,
    load_usps,
    read_amounts,
    split,
)
from tests.conftest import DATASETS

needs_data = pytest.mark.skipif(not (DATASETS / "usps").is_dir(), reason="no ../shared/datasets")


@needs_data
@pytest.mark.parametrize(
    ("loader", "path", "count"),
    [
        (load_usps, DATASETS / "usps" / "usps-train.npz", 7291),
        (load_optdigits, DATASETS / "optdigits" / "optdigits-train.npz", 1934),
        (load_orand_digits, DATASETS / "orand-car-a", 4898),
    ],
)
def test_each_source_loads_as_mnist_crops_with_disjoint_splits(loader, path, count):
    digits = loader(path)
    assert digits.images.shape == (count, 28, 28) and digits.images.dtype == np.uint8
    assert set(np.unique(digits.labels)) == set(range(10))
    # Ink centred as MNIST's: white on black, the border dark.
    assert digits.images[:, 0, :].mean() < 10 and digits.images.mean() > 20
    train, held = split(digits)
    assert len(train) + len(held) == count
    assert 0.1 < len(held) / count < 0.3
    assert not set(train.groups) & set(held.groups)  # no writer or image on both sides
    again = split(loader(path))[1]
    assert np.array_equal(again.labels, held.labels)  # the same split every time


def test_bad_npz_files_are_clear_errors(tmp_path):
    with pytest.raises(DatasetError, match="file not found"):
        load_usps(tmp_path / "none.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip at all")
    with pytest.raises(DatasetError, match=r"not a readable \.npz"):
        load_usps(garbage)
    wrong_keys = tmp_path / "keys.npz"
    np.savez(wrong_keys, x=np.zeros((2, 16, 16)))
    with pytest.raises(DatasetError, match="missing array"):
        load_usps(wrong_keys)
    wrong_shape = tmp_path / "shape.npz"
    np.savez(wrong_shape, images=np.zeros((2, 20, 20), np.uint8), labels=np.zeros(2, np.uint8))
    with pytest.raises(DatasetError, match=r"expected \(N, 16, 16\)"):
        load_usps(wrong_shape)
    bad_labels = tmp_path / "labels.npz"
    np.savez(bad_labels, images=np.zeros((2, 32, 32), np.uint8), labels=np.array([3, 12]))
    with pytest.raises(DatasetError, match="labels outside 0-9"):
        load_optdigits(bad_labels)


def test_orand_boxes_must_spell_the_amount(tmp_path):
    (tmp_path / "strings.csv").write_text("file,text,width,height\nimages/a.jpg,12,40,20\n")
    (tmp_path / "digits.csv").write_text("file,digit,x,y,width,height\nimages/a.jpg,1,0,0,10,20\n")
    with pytest.raises(DatasetError, match="digit boxes read '1', text '12'"):
        read_amounts(tmp_path)
    with pytest.raises(DatasetError, match="file not found"):
        read_amounts(tmp_path / "elsewhere")
    (tmp_path / "digits.csv").write_text(
        "file,digit,x,y,width,height\nimages/a.jpg,1,0,0,10,20\nimages/a.jpg,2,12,0,10,20\n"
    )
    with pytest.raises(DatasetError, match="not a readable image"):
        load_orand_digits(tmp_path)


@needs_data
def test_amounts_as_reading_hands_them_over_hold_their_digits(tmp_path, classifier):
    """The string reader's training regions: cut by the page stage itself, kept only where one
    string holds every digit box of the amount, labelled with the amount."""
    from digitscan.classify import load_pair_reader
    from digitscan.training.lines import read_regions

    source = DATASETS / "orand-car-a"
    amounts = read_amounts(source)[:12]
    files = {a.file for a in amounts}
    for name in ("strings.csv", "digits.csv"):
        lines = (source / name).read_text().splitlines()
        kept = [lines[0], *(line for line in lines[1:] if line.split(",")[0] in files)]
        (tmp_path / name).write_text("\n".join(kept) + "\n")
    (tmp_path / "images").symlink_to(source / "images")
    regions = read_regions(tmp_path, classifier, load_pair_reader())
    assert regions.fields.shape[1:] == (32, 256) and len(regions.texts) >= 9
    for field, text, group in zip(regions.fields, regions.texts, regions.groups, strict=True):
        assert text == amounts[group].text
        assert field.any(axis=0).sum() > 8 * len(text)  # ink across the whole amount, not one digit
