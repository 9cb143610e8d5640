"""samples/ read again as worse scanners and older paper would give it, page by page.

    python benchmarks/scans.py [--samples samples]

Each page of samples/ is read as it is and changed thirty-five ways: on a dark scanner bed
larger than the sheet (black borders blurred into the paper), with the outer bands of the page
itself scanned black (a lid left open over a smaller sheet), with its right side in deep
shadow (a book's spine), with its ink faded to 30% of its contrast, with grey-level grain
(noise of sigma 14), at a half and at 0.35 of its resolution (100-150 and 70-105 dpi), and
shrunk to 0.6 but said to be 300 dpi (handwriting as small as in tight boxes), and
photographed from its right (its left edge 4% and 8% shorter: the rules fan out) and curled
(its rows 1% and 2% of its height lower in the middle than at its edges), punched for
a binder (two holes scanned dark), stapled (a staple across its top left corner) and with its
middle third shaded 30% grey by a printed halftone screen (dots 0.25 mm apart, about 100
lines an inch, and 0.5 mm); saved as a JPEG of quality 15, sprinkled with salt and pepper
noise, written with a thicker and a thinner pen (each pixel the darkest of its 3x3, the
lightest of its 2x2), with the sheet's other side (the page mirrored) showing through at 12%
and 25% of its ink's darkness, stained by a coffee ring, turned 15, -25, 35 and 45 degrees
on a dark desk and 20 on a scanner's white lid (a string read on a turned page is scored
where the middle of its box lies on the page as it was), and as a negative, light on dark as
on microfilm (alone, and with the clear film round the page's frame left light), and streaked
by a feeder's glass (three upright lines down the whole page, at 0.3, 0.5 and 0.7 of its width,
through fields: 2 pixels wide and grey, 3 wide and black; and 3 wide and white, as a sensor
element calibrated through dust draws them, seen only where they cut the ink), and streaked
across (the grey and the white lines across the page at 0.3, 0.5 and 0.7 of its height: a page
fed sideways, turned upright by the scanner's software), and folded in three by hand (two
creases across the whole page: dark lines 3 pixels wide, level and turned 1.5 degrees either
way, or the soft shadows of ridges, level and turned 1.5 degrees; a fold follows the hand, not
the print). A page
refused counts as read with no strings. Prints, per way, the fields exact, digit accuracy,
the share accepted, the share of the accepted that is wrong, and the strings on no field
(and how many of them were not flagged).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from digitscan.api import ScanOptions, load_readers
from digitscan.errors import PageRefused
from digitscan.evaluate import Field, fields_of, read_fields, score_forms
from digitscan.pages import Page, load_pages

BED = (90, 40, 120, 60)  # border added above, below, left and right of the sheet (pixels)


def on_dark_bed(image: np.ndarray) -> np.ndarray:
    top, bottom, left, right = BED
    bordered = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=18)
    bordered[:, -right:] = 35  # the lid's edge, a little lighter than the bed
    return cv2.GaussianBlur(bordered, (5, 5), 0)


def black_bands(image: np.ndarray) -> np.ndarray:
    out = image.copy()
    rows, cols = out.shape
    out[:, : int(0.04 * cols)] = 15
    out[: int(0.03 * rows)] = 20
    out[:, -int(0.02 * cols) :] = 30
    return out


def deep_shadow(image: np.ndarray) -> np.ndarray:
    ramp = np.clip(np.linspace(-1, 1, image.shape[1]), 0, 1) ** 2
    return (image * (1 - 0.7 * ramp[None, :])).astype(np.uint8)


def grainy(image: np.ndarray) -> np.ndarray:
    noise = np.random.default_rng(0).normal(0, 14, image.shape)
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def faded(image: np.ndarray) -> np.ndarray:
    return (255 - (255 - image.astype(np.float32)) * 0.3).astype(np.uint8)


def millimetre(image: np.ndarray) -> float:
    """Pixels a millimetre, the page taken for A4 (210 mm across)."""
    return image.shape[1] / 210


def punched(image: np.ndarray) -> np.ndarray:
    """Two holes 6 mm across, 80 mm apart, 12 mm in from the left edge, scanned dark."""
    out, mm = image.copy(), millimetre(image)
    for offset in (-40, 40):
        centre = (round(12 * mm), round(image.shape[0] / 2 + offset * mm))
        cv2.circle(out, centre, round(3 * mm), 25, -1)
    return out


def stapled(image: np.ndarray) -> np.ndarray:
    """A staple (12.7 mm, 0.8 mm thick, dark) slanting across the top left corner."""
    out, mm = image.copy(), millimetre(image)
    start, end = (round(8 * mm), round(15 * mm)), (round(17 * mm), round(6 * mm))
    cv2.line(out, start, end, 50, max(2, round(0.8 * mm)))
    return out


def screen_shaded(pitch_mm: float) -> Callable[[np.ndarray], np.ndarray]:
    """A band across the page's middle third (fields and all) shaded 30% grey by a printed
    halftone screen at 45 degrees, its dots `pitch_mm` apart, under the ink; scanner blur."""

    def change(image: np.ndarray) -> np.ndarray:
        out, pitch = image.copy(), pitch_mm * millimetre(image)
        height, width = image.shape[:2]
        band = out[height // 3 : 2 * height // 3, width // 20 : 19 * width // 20]
        rows, columns = np.mgrid[0 : band.shape[0], 0 : band.shape[1]].astype(np.float32)
        along, across = (columns + rows) / np.sqrt(2), (rows - columns) / np.sqrt(2)
        dots = np.hypot(along % pitch - pitch / 2, across % pitch - pitch / 2) < pitch * np.sqrt(0.3 / np.pi)
        np.minimum(band, np.where(dots, 40, 255).astype(np.uint8), out=band)
        band[:] = cv2.GaussianBlur(band, (3, 3), 0)
        return out

    return change


def showing_through(share: float) -> Callable[[np.ndarray], np.ndarray]:
    """The sheet's other side showing through: the page itself mirrored (a form filled on both
    sides), diffused by the paper (a blur of 1.5 pixels), its ink `share` as dark as on its own side."""

    def change(image: np.ndarray) -> np.ndarray:
        back = cv2.GaussianBlur(cv2.flip(image, 1).astype(np.float32), (0, 0), 1.5)
        return np.clip(image.astype(np.float32) - share * (255 - back), 0, 255).astype(np.uint8)

    return change


def coffee_ring(image: np.ndarray) -> np.ndarray:
    """A cup set down on the page: a disc a third of its width across darkened 15%, its rim
    (some 3 mm wide) up to 60%."""
    height, width = image.shape[:2]
    rows, columns = np.mgrid[0:height, 0:width]
    off = np.hypot(rows - 0.4 * height, columns - 0.55 * width)
    stain = np.exp(-(((off - 0.18 * width) / (0.01 * width)) ** 2)) * 0.45 + (off < 0.18 * width) * 0.15
    return (image.astype(np.float32) * (1 - stain)).astype(np.uint8)


def negative_film(image: np.ndarray) -> np.ndarray:
    """The page as a microfilm's negative, the clear film round the page's frame left light."""
    top, bottom, left, right = BED
    return cv2.copyMakeBorder(255 - image, top, bottom, left, right, cv2.BORDER_CONSTANT, value=235)


def streaked(width: int, grey: int, across: bool = False) -> Callable[[np.ndarray], np.ndarray]:
    """Three upright lines `width` pixels wide and `grey` down the whole page, as specks on an
    automatic feeder's glass draw them: exactly upright as stored, whatever the page's skew
    (white ones replace what they cross: light from a sensor calibrated through dust).
    `across`: the lines across the page instead, at 0.3, 0.5 and 0.7 of its height (a page fed
    sideways, then turned upright by the scanner's software)."""

    def change(image: np.ndarray) -> np.ndarray:
        out = image.copy()
        lines = out.T if across else out  # a view: drawn down it, they lie across the page
        for share in (0.3, 0.5, 0.7):
            x = int(share * lines.shape[1])
            lines[:, x : x + width] = grey if grey == 255 else np.minimum(lines[:, x : x + width], grey)
        return out

    return change


def creased(degrees: float, soft: bool = False) -> Callable[[np.ndarray], np.ndarray]:
    """The sheet folded in three by hand: a crease across the whole page at a third and two
    thirds of its height, turned `degrees` (a fold follows the hand, not the print), each a
    dark line 3 pixels wide, or (`soft`) the shadow of a ridge, a blurred band darkening the
    page by up to a third."""

    def change(image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        slope = np.tan(np.deg2rad(degrees))
        lines = np.zeros((height, width), np.uint8)
        for share in (1 / 3, 2 / 3):
            middle = height * share
            ends = (0, round(middle + slope * width / 2)), (width, round(middle - slope * width / 2))
            cv2.line(lines, *ends, 255, 5 if soft else 3)
        if not soft:
            shade = np.where(lines > 0, 80, 255).astype(np.uint8)
            return np.minimum(image, shade if image.ndim == 2 else shade[..., None])
        darker = 1 - cv2.GaussianBlur(lines, (0, 0), 3).astype(np.float32) / 255 / 3
        return (image * (darker if image.ndim == 2 else darker[..., None])).astype(np.uint8)

    return change


def jpeg(quality: int) -> Callable[[np.ndarray], np.ndarray]:
    def change(image: np.ndarray) -> np.ndarray:
        _, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return cv2.imdecode(encoded, cv2.IMREAD_UNCHANGED)

    return change


def salt_and_pepper(image: np.ndarray) -> np.ndarray:
    """0.4% of the pixels black and as many white: a dusty scanner glass, a fax line."""
    out, draw = image.copy(), np.random.default_rng(1).random(image.shape[:2])
    out[draw < 0.004], out[draw > 0.996] = 0, 255
    return out


@dataclass(frozen=True)
class Way:
    """A change to a page, and where it moves the page's fields: shifted by `shift` (x, y)
    pixels, then scaled by `scale` (the page's dpi with them), or through the perspective
    `homography` makes for a page of its shape."""

    change: Callable[[np.ndarray], np.ndarray]
    shift: tuple[int, int] = (0, 0)
    scale: float = 1.0
    said_dpi: float | None = None  # the dpi the changed page claims (default: its own, scaled)
    homography: Callable[[tuple[int, ...]], np.ndarray] | None = None
    bow: float = 0.0  # rows lower in the page's middle than at its edges, a share of its height
    # The page turned by `homography` so far that a field's box moved with it would be a hull
    # holding its neighbours: the strings read are moved back instead, each to its middle.
    strings_moved_back: bool = False

    def moved(self, field: Field, shape: tuple[int, ...]) -> Field:
        x, y, w, h = field.x, field.y, field.width, field.height
        if self.strings_moved_back:
            return field
        if self.bow:
            drop = bowed_rows(np.linspace(x, x + w, 5), shape, self.bow)
            box = (x, round(y + drop.min()), w, round(h + drop.max() - drop.min()))
        elif self.homography is not None:
            corners = np.float32([[x, y], [x + w, y], [x, y + h], [x + w, y + h]])[None]
            (x0, y0), (x1, y1) = np.sort(
                cv2.perspectiveTransform(corners, self.homography(shape))[0], axis=0
            )[[0, -1]]
            box = (round(x0), round(y0), round(x1 - x0), round(y1 - y0))
        else:
            (dx, dy), k = self.shift, self.scale
            box = tuple(round(v * k) for v in (x + dx, y + dy, w, h))
        return Field(field.file, field.page, *box, field.text)

    def read_back(self, row: Field, shape: tuple[int, ...]) -> Field:
        """A string read on the changed page, on the page as it was: for a turned page, a
        pixel at its box's middle; else as read."""
        if not self.strings_moved_back or self.homography is None:
            return row
        middle = np.float32([[[row.x + row.width / 2, row.y + row.height / 2]]])
        ((x, y),) = cv2.perspectiveTransform(middle, np.linalg.inv(self.homography(shape)))[0]
        return replace(row, x=round(x), y=round(y), width=1, height=1)


def turned(degrees: float, surround: int) -> Way:
    """The page turned `degrees` on a larger image (nothing of it cut off), the rest `surround`
    grey: a sheet photographed crooked on a desk, or laid crooked on a scanner under its lid."""

    def size(shape: tuple[int, ...]) -> tuple[int, int]:
        height, width = shape[:2]
        cos, sin = abs(np.cos(np.deg2rad(degrees))), abs(np.sin(np.deg2rad(degrees)))
        return round(width * cos + height * sin), round(width * sin + height * cos)

    def homography(shape: tuple[int, ...]) -> np.ndarray:
        height, width = shape[:2]
        outer_width, outer_height = size(shape)
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
        matrix[:, 2] += ((outer_width - width) / 2, (outer_height - height) / 2)
        return np.vstack([matrix, [0, 0, 1]])

    def change(image: np.ndarray) -> np.ndarray:
        fill = surround if image.ndim == 2 else (surround,) * 3
        return cv2.warpPerspective(image, homography(image.shape), size(image.shape), borderValue=fill)

    return Way(change, homography=homography, strings_moved_back=True)


def left_edge_shorter(share: float) -> Way:
    """The page photographed from its right: its left edge `share` of its height shorter."""

    def homography(shape: tuple[int, ...]) -> np.ndarray:
        height, width = shape[:2]
        page = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
        seen = np.float32(
            [[0, height * share / 2], [width, 0], [width, height], [0, height * (1 - share / 2)]]
        )
        return cv2.getPerspectiveTransform(page, seen)

    def change(image: np.ndarray) -> np.ndarray:
        size = (image.shape[1], image.shape[0])
        return cv2.warpPerspective(image, homography(image.shape), size, borderMode=cv2.BORDER_REPLICATE)

    return Way(change, homography=homography)


def bowed_rows(columns: np.ndarray, shape: tuple[int, ...], share: float) -> np.ndarray:
    """How far down the rows of a curled page lie at `columns` (`Way.bow`)."""
    height, width = shape[:2]
    return share * height * np.sin(np.pi * columns / width)


def curled(share: float) -> Way:
    """The sheet photographed curled (lifted off the table, bent along an upright fold): its
    rows bow, `share` of its height lower in its middle than at its edges."""

    def change(image: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
        rows = (ys - bowed_rows(xs, image.shape, share)).astype(np.float32)
        return cv2.remap(image, xs, rows, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    return Way(change, bow=share)


def scaled(factor: float, said_dpi: float | None = None) -> Way:
    return Way(
        lambda image: cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA),
        scale=factor,
        said_dpi=said_dpi,
    )


WAYS: dict[str, Way] = {
    "as scanned": Way(lambda image: image),
    "on a dark scanner bed": Way(on_dark_bed, shift=(BED[2], BED[0])),
    "black bands over the page": Way(black_bands),
    "right side in deep shadow": Way(deep_shadow),
    "ink faded to 30%": Way(faded),
    "grain of sigma 14": Way(grainy),
    "at half the resolution": scaled(0.5),
    "at 0.35 of the resolution": scaled(0.35),
    "written small, at 300 dpi": scaled(0.6, said_dpi=300),
    "photographed, left edge 4% shorter": left_edge_shorter(0.04),
    "photographed, left edge 8% shorter": left_edge_shorter(0.08),
    "photographed curled, bowed 1%": curled(0.01),
    "photographed curled, bowed 2%": curled(0.02),
    "punched, holes scanned dark": Way(punched),
    "stapled in the corner": Way(stapled),
    "shaded by a fine screen": Way(screen_shaded(0.25)),
    "shaded by a coarse screen": Way(screen_shaded(0.5)),
    "saved as JPEG, quality 15": Way(jpeg(15)),
    "salt and pepper, 0.4% each": Way(salt_and_pepper),
    "a thicker pen (3x3 darker)": Way(lambda image: cv2.erode(image, np.ones((3, 3), np.uint8))),
    "a thinner pen (2x2 lighter)": Way(lambda image: cv2.dilate(image, np.ones((2, 2), np.uint8))),
    "other side through, 12%": Way(showing_through(0.12)),
    "other side through, 25%": Way(showing_through(0.25)),
    "a coffee ring": Way(coffee_ring),
    "turned 15 degrees, dark desk": turned(15, 60),
    "turned -25 degrees, dark desk": turned(-25, 60),
    "turned 35 degrees, dark desk": turned(35, 60),
    "turned 45 degrees, dark desk": turned(45, 60),
    "turned 20 degrees, white lid": turned(20, 235),
    "a negative (light on dark)": Way(lambda image: 255 - image),
    "a negative, clear film round": Way(negative_film, shift=(BED[2], BED[0])),
    "streaked by a feeder, grey": Way(streaked(2, 60)),
    "streaked by a feeder, black": Way(streaked(3, 0)),
    "streaked by a feeder, white": Way(streaked(3, 255)),
    "streaked across, grey": Way(streaked(2, 60, across=True)),
    "streaked across, white": Way(streaked(3, 255, across=True)),
    "creased, dark, level": Way(creased(0)),
    "creased, dark, 1.5 degrees": Way(creased(1.5)),
    "creased, dark, -1.5 degrees": Way(creased(-1.5)),
    "creased, soft shadow, level": Way(creased(0, soft=True)),
    "creased, soft shadow, 1.5 degrees": Way(creased(1.5, soft=True)),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=Path, default=Path("samples"))
    parser.add_argument("--way", action="append", choices=list(WAYS), help="only this way (repeatable)")
    args = parser.parse_args()
    options = ScanOptions()
    readers = load_readers(None, options)
    truth = read_fields(args.samples / "truth.csv")
    pages = [page for name in sorted({t.file for t in truth}) for page in load_pages(args.samples / name)]
    for name, way in WAYS.items():
        if args.way and name not in args.way:
            continue
        rows: list[Field] = []
        moved: list[Field] = []
        for page in pages:
            dpi = way.said_dpi or (page.dpi * way.scale if page.dpi else None)
            changed = Page(str(page.source), page.number, way.change(page.image), dpi)
            try:
                read = fields_of(readers.read(changed), options.min_confidence)
                rows.extend(way.read_back(row, page.image.shape) for row in read)
            except PageRefused as refusal:
                print(f"  {changed.source} page {changed.number} refused: {refusal}")
            on_page = [
                t for t in truth if args.samples / t.file == Path(page.source) and t.page == page.number
            ]
            moved.extend(way.moved(replace(t, file=str(page.source)), page.image.shape) for t in on_page)
        score = score_forms(moved, rows)
        print(
            f"{name:<28} {score.fields} fields  exact {score.exact:7.2%}  digits {score.digit_accuracy:7.2%}"
            f"  accepted {score.accepted:7.2%}  wrong among accepted {score.wrong_among_accepted:6.2%}"
            f"  spurious {score.spurious} ({score.spurious_accepted} not flagged)"
        )


if __name__ == "__main__":
    main()
