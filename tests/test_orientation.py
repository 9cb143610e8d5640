"""Pages the right way up: turned pages read as upright, boxes mapped back, doubt flagged."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from digitscan import orientation
from digitscan.containers import ORIENTATION_UNSURE
from digitscan.pages import load_pages
from digitscan.pipeline import read_page
from tests.conftest import REPO


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_a_box_on_a_turned_page_maps_back(degrees):
    page = np.zeros((50, 80), np.uint8)
    page[10:20, 30:45] = 1
    turned = orientation.turn_image(page, degrees)
    rows, cols = np.nonzero(turned)
    box = (cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1)
    assert orientation.unturn_box(box, turned.shape, degrees) == (30, 10, 15, 10)


def test_nearest_neighbours_tell_sideways_lines():
    line = np.array([(x, 100, 20, 30) for x in range(0, 600, 30)], float)
    assert orientation.side_by_side_share(line) == 1.0
    assert not orientation.is_sideways(line)
    assert orientation.is_sideways(line[:, [1, 0, 3, 2]])
    assert orientation.side_by_side_share(line[:3]) is None  # too few to tell


def test_the_classifier_tells_upside_down_and_doubt():
    sure = np.eye(11)[[3, 5, 10, 7] * 4]
    vague = np.full((16, 11), 1 / 11)
    verdict = orientation.upright_or_upside_down(sure, vague)
    assert (verdict.turn, verdict.unsure) == (0, False) and verdict.margin == pytest.approx(np.log(11))
    assert orientation.upright_or_upside_down(vague, sure).turn == 180
    assert orientation.upright_or_upside_down(sure, sure).unsure
    # A snippet of a few marks is never turned on so little evidence, only flagged when it
    # looks turned; a near tie is the rule for a few marks, not a doubt worth a look.
    few = orientation.upright_or_upside_down(vague[:4], sure[:4])
    assert (few.turn, few.unsure) == (0, True)
    assert not orientation.upright_or_upside_down(sure[:4], sure[:4]).unsure


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_turned_page_reads_as_upright(classifier, degrees):
    page = next(load_pages(str(REPO / "samples" / "form-01.png")))
    upright = read_page(page, classifier)
    image = orientation.turn_image(page.image, degrees)
    turned = read_page(replace(page, image=image), classifier)
    assert upright.rotation == 0
    assert (turned.rotation + degrees) % 360 == 0
    assert [s.text for s in turned.strings] == [s.text for s in upright.strings]
    assert (turned.width, turned.height) == (image.shape[1], image.shape[0])
    assert not any(ORIENTATION_UNSURE in s.flags for s in turned.strings)
    # Boxes are on the page as loaded (turned): mapped back through the turn, the upright boxes.
    back = [
        orientation.unturn_box(tuple(s.box.__dict__.values()), image.shape, degrees) for s in turned.strings
    ]
    for box, string in zip(back, upright.strings, strict=True):
        assert np.allclose(box, tuple(string.box.__dict__.values()), atol=3)


def with_exif_orientation(jpeg: bytes, orientation_tag: int) -> bytes:
    """A JPEG with an APP1 EXIF segment holding only the Orientation tag (0x0112)."""
    ifd = (1).to_bytes(2, "little") + (0x0112).to_bytes(2, "little") + (3).to_bytes(2, "little")
    ifd += (1).to_bytes(4, "little") + orientation_tag.to_bytes(2, "little") + bytes(2) + bytes(4)
    exif = b"Exif\x00\x00" + b"II*\x00" + (8).to_bytes(4, "little") + ifd
    return jpeg[:2] + b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif + jpeg[2:]


def test_exif_orientation_of_photos_is_honoured(tmp_path):
    import cv2

    image = np.full((100, 200), 230, np.uint8)
    image[:20, :40] = 0  # a mark at the top left
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(with_exif_orientation(cv2.imencode(".jpg", image)[1].tobytes(), 6))  # turn 90 clockwise
    page = next(load_pages(str(photo)))
    assert page.image.shape == (200, 100)
    assert page.image[:40, -20:].mean() < 60  # the mark is now at the top right
