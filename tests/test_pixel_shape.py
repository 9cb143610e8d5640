"""Pages whose pixels are not square (a fax in standard mode: 204 x 98 dpi) are read with
square pixels, from the resolutions their headers give."""

from __future__ import annotations

import struct
import zlib
from dataclasses import replace

import cv2
import numpy as np
import pytest

from digitscan.evaluate import fields_of, read_fields, score_forms
from digitscan.formats import BMP, JPEG, PNG, TIFF, page_headers
from digitscan.pages import load_pages
from digitscan.pipeline import read_page
from tests.conftest import REPO, with_exif_orientation


def dpi(across: int, down: int) -> dict[int, int]:
    return {cv2.IMWRITE_TIFF_XDPI: across, cv2.IMWRITE_TIFF_YDPI: down}


FAX = dpi(204, 98)


def encoded(suffix: str, image: np.ndarray, params: dict[int, int] | None = None) -> bytes:
    ok, buffer = cv2.imencode(suffix, image, [v for pair in (params or {}).items() for v in pair])
    assert ok
    return buffer.tobytes()


def with_png_phys(png: bytes, across: int, down: int) -> bytes:
    """The PNG with a pHYs chunk (pixels per metre) after its header chunk."""
    body = b"pHYs" + struct.pack(">IIB", across, down, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body))
    end_of_header = 8 + 8 + 13 + 4
    return png[:end_of_header] + chunk + png[end_of_header:]


def with_jfif_density(jpeg: bytes, across: int, down: int) -> bytes:
    at = jpeg.index(b"JFIF\x00")  # APP0's identifier; its densities follow version and units
    return jpeg[: at + 8] + struct.pack(">HH", across, down) + jpeg[at + 12 :]


def test_pixel_shape_is_read_from_each_formats_headers():
    image = np.full((40, 60), 255, np.uint8)
    assert page_headers(TIFF, encoded(".tif", image, FAX))[0].aspect == pytest.approx(204 / 98)
    assert page_headers(TIFF, encoded(".tif", image))[0].aspect == 1.0
    png = encoded(".png", image)
    assert page_headers(PNG, png)[0].aspect == 1.0
    assert page_headers(PNG, with_png_phys(png, 8031, 3858))[0].aspect == pytest.approx(8031 / 3858)
    jpeg = encoded(".jpg", image)
    assert page_headers(JPEG, with_jfif_density(jpeg, 204, 98))[0].aspect == pytest.approx(204 / 98)
    bmp = bytearray(encoded(".bmp", image))
    bmp[38:46] = struct.pack("<ii", 3858, 8031)
    header = page_headers(BMP, bytes(bmp))[0]
    assert (header.width, header.height) == (60, 40) and header.aspect == pytest.approx(3858 / 8031)


def test_pages_get_square_pixels_and_absurd_resolutions_are_ignored(tmp_path):
    image = np.full((50, 80), 255, np.uint8)
    cases = {
        "fax.tif": (encoded(".tif", image, FAX), (104, 80)),  # down stretched 204/98 times
        "tall.tif": (encoded(".tif", image, dpi(100, 200)), (50, 160)),
        "absurd.tif": (encoded(".tif", image, dpi(9000, 1)), (50, 80)),
        "near.png": (with_png_phys(encoded(".png", image), 7874, 7870), (50, 80)),
    }
    for name, (content, shape) in cases.items():
        (tmp_path / name).write_bytes(content)
        assert next(load_pages(str(tmp_path / name))).image.shape == shape, name


def test_a_photo_turned_by_its_exif_orientation_is_stretched_along_its_stored_axis(tmp_path):
    # JFIF densities describe the pixels as stored; OpenCV turns the photo by its EXIF
    # orientation as it decodes it, so its stored rows are then its columns.
    image = np.full((50, 80), 255, np.uint8)
    image[:10, :10] = 0  # a mark at the top left
    stored = with_jfif_density(encoded(".jpg", image), 100, 200)  # across stretched twice: 50 x 160
    (tmp_path / "turned.jpg").write_bytes(with_exif_orientation(stored, 6))  # turn 90 clockwise
    page = next(load_pages(str(tmp_path / "turned.jpg")))
    assert page.image.shape == (160, 50)
    assert page.image[:20, -10:].mean() < 100  # the mark, twice as tall, at the top right


def test_a_resolution_pointing_outside_the_file_leaves_the_pixels_as_stored(tmp_path):
    tiff = bytearray(encoded(".tif", np.full((50, 80), 255, np.uint8), FAX))
    (first,) = struct.unpack("<I", tiff[4:8])
    (entries,) = struct.unpack("<H", tiff[first : first + 2])
    for index in range(entries):
        entry = first + 2 + 12 * index
        if struct.unpack("<H", tiff[entry : entry + 2])[0] == 282:  # XResolution: point it away
            tiff[entry + 8 : entry + 12] = struct.pack("<I", len(tiff) + 1000)
    (tmp_path / "odd.tif").write_bytes(bytes(tiff))
    assert page_headers(TIFF, bytes(tiff))[0].aspect == 1.0
    assert next(load_pages(str(tmp_path / "odd.tif"))).image.shape == (50, 80)


def test_a_fax_in_standard_mode_reads_as_the_page_it_was_sent_from(tmp_path, classifier):
    """form-01 of samples/ sent as a fax: half its rows, bilevel, 204 x 98 dpi. Read as stored,
    the handwriting half as tall as it is, 7 of its 12 fields were read right and 1 of the 5
    accepted was wrong; with square pixels all 12 are (the page as scanned: 11)."""
    page = next(load_pages(str(REPO / "samples" / "form-01.png")))
    height, width = page.image.shape
    halved = cv2.resize(page.image, (width, height // 2), interpolation=cv2.INTER_AREA)
    fax = np.where(halved > 150, 255, 0).astype(np.uint8)
    (tmp_path / "form-01.tif").write_bytes(encoded(".tif", fax, FAX))
    received = next(load_pages(str(tmp_path / "form-01.tif")))
    assert received.image.shape == (round(height // 2 * 204 / 98), width)
    down = height / received.image.shape[0]  # the page's rows to the original's
    truth = [t for t in read_fields(REPO / "samples" / "truth.csv") if t.file == "form-01.png"]
    rows = [
        replace(r, file="form-01.png", y=round(r.y * down), height=round(r.height * down))
        for r in fields_of(read_page(received, classifier), 0.9)
    ]
    score = score_forms(truth, rows)
    assert score.exact >= 0.9 and score.missed == 0
    assert score.wrong_among_accepted == 0.0
