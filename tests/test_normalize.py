import numpy as np
import pytest

from digitscan.normalize import to_mnist


def centre_of_mass(image):
    ys, xs = np.indices(image.shape)
    total = image.sum()
    return (ys * image).sum() / total, (xs * image).sum() / total


def ink_box(image):
    rows = np.flatnonzero(image.max(axis=1) > 40)
    cols = np.flatnonzero(image.max(axis=0) > 40)
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_tall_bar_fills_twenty_rows_and_keeps_aspect():
    image = np.full((200, 300), 255, np.uint8)
    image[20:180, 100:140] = 0  # dark bar 160 tall, 40 wide, on white
    crop = to_mnist(image)
    height, width = ink_box(crop)
    assert crop.shape == (28, 28) and crop.dtype == np.uint8
    assert height == 20
    assert width in (5, 6)  # 40/160 of 20


def test_wide_shape_fits_twenty_columns():
    image = np.zeros((50, 400), np.uint8)
    image[10:40, :] = 255  # bright ink on black, 30 x 400
    height, width = ink_box(to_mnist(image))
    assert width == 20 and height in (1, 2)


@pytest.mark.parametrize("offset", [(0, 0), (130, 170), (60, 10)])
def test_centre_of_mass_lands_in_the_middle(offset):
    image = np.full((300, 300), 250, np.uint8)
    y, x = offset
    image[y : y + 100, x : x + 60] = 10
    image[y : y + 20, x : x + 120] = 10  # an L-ish, lopsided shape
    cy, cx = centre_of_mass(to_mnist(image).astype(float))
    assert abs(cy - 14) <= 1.0 and abs(cx - 14) <= 1.0


def test_polarity_does_not_matter():
    ink = np.zeros((90, 60), np.uint8)
    ink[10:80, 25:35] = 255
    ink[10:20, 10:50] = 255
    assert np.array_equal(to_mnist(ink), to_mnist(255 - ink))
    assert np.array_equal(to_mnist(ink > 0), to_mnist(ink))


def test_mnist_digits_come_back_nearly_unchanged(mnist):
    diffs = [np.abs(to_mnist(img, dark_ink=False).astype(int) - img).mean() for img in mnist.x_test[:300]]
    assert np.median(diffs) < 1.0


def test_empty_and_blank_images_give_black_field():
    assert not to_mnist(np.zeros((0, 0), np.uint8)).any()
    assert not to_mnist(np.full((40, 40), 255, np.uint8)).any()
