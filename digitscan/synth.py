"""Synthetic form pages built from MNIST test digits, with the truth of every field.

They stand in for real scans: printed titles and labels, comb fields, underlined, boxed and
free-written fields, touching and broken digits, skew, uneven light, grey paper, noise, blue
or black ink or pencil, JPEG artefacts, 200 and 300 dpi. Only MNIST *test* digits are drawn, so a model
trained on the training split has never seen them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from digitscan.containers import Box
from digitscan.evaluate import Field
from digitscan.templates import FieldSpec, template_toml

A4_INCHES = (8.27, 11.69)
TITLES = ("ORDER FORM", "CUSTOMER SURVEY", "REGISTRATION", "METER READING CARD", "DELIVERY NOTE")
LABELS = (
    "Account no.",
    "DATE",
    "Quantity",
    "Amount",
    "Phone",
    "Meter reading",
    "Postcode",
    "Customer ID",
    "Order no.",
    "Year of birth",
    "Units",
    "Reference",
)
FIELD_KINDS = ("comb", "underline", "box", "free")
BLACK_INK = (35, 30, 30)
BLUE_INK = (150, 55, 25)  # BGR
PENCIL = (105, 100, 100)  # graphite: grey, and grainy where the paper's tooth shows through
PRINT = (40, 40, 40)


@dataclass(frozen=True)
class PageStyle:
    dpi: int
    ink: tuple[int, int, int]
    skew: float
    noise: float
    paper: float


class DigitSource:
    """Hands out MNIST test digits in a shuffled order, each with its label."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> None:
        self.images, self.labels = images, labels
        self.order = rng.permutation(len(labels))
        self.next = 0

    def take(self) -> tuple[np.ndarray, int]:
        index = self.order[self.next % len(self.order)]
        self.next += 1
        return self.images[index], int(self.labels[index])


def digit_ink(image: np.ndarray, height: int, rng: np.random.Generator, broken: bool) -> np.ndarray:
    """A digit's ink (float 0-1) scaled to `height` pixels, optionally with a stroke broken."""
    rows = np.flatnonzero(image.max(axis=1) > 30)
    cols = np.flatnonzero(image.max(axis=0) > 30)
    tight = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    width = max(2, round(tight.shape[1] * height / tight.shape[0]))
    ink = cv2.resize(tight, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    if broken:
        top = int(rng.uniform(0.22, 0.4) * height)
        ink[top : top + max(2, int(0.07 * height))] = 0
    return np.clip(ink, 0, 1)


def side_by_side(
    images: np.ndarray, height: int, rng: np.random.Generator, overlap: tuple[float, float]
) -> np.ndarray:
    """Digits written touching in a row (float ink 0-1): each cut to its ink, scaled to about
    `height`, set at a slightly different baseline and starting a random share (`overlap`,
    of the height) inside the one before."""
    parts = [digit_ink(image, int(height * rng.uniform(0.9, 1.1)), rng, broken=False) for image in images]
    starts = [0]
    for before, share in zip(parts[:-1], rng.uniform(*overlap, len(parts) - 1), strict=True):
        # never left of the digit before (a narrow 1 can be all overlap)
        starts.append(max(starts[-1], starts[-1] + before.shape[1] - int(share * height)))
    canvas = np.zeros(
        (int(1.25 * height), max(x + p.shape[1] for x, p in zip(starts, parts, strict=True))), np.float32
    )
    for part, x in zip(parts, starts, strict=True):
        y = int(rng.uniform(0, 0.12) * height)
        region = canvas[y : y + part.shape[0], x : x + part.shape[1]]
        np.maximum(region, part, out=region)
    return canvas


def stamp(alpha: np.ndarray, ink: np.ndarray, x: int, y: int) -> None:
    h, w = ink.shape
    region = alpha[y : y + h, x : x + w]
    np.maximum(region, ink[: region.shape[0], : region.shape[1]], out=region)


def put_text(canvas: np.ndarray, text: str, x: int, y: int, dpi: int, size_in: float) -> None:
    scale = size_in * dpi / 22
    thickness = max(1, round(scale * 1.3))
    cv2.putText(canvas, text, (x, y), cv2.FONT_HERSHEY_DUPLEX, scale, PRINT, thickness, cv2.LINE_AA)


def write_field(
    canvas: np.ndarray,
    alpha: np.ndarray,
    source: DigitSource,
    kind: str,
    x: int,
    baseline: int,
    dpi: int,
    rng: np.random.Generator,
    longest: int,
) -> tuple[tuple[int, int, int, int], str, int]:
    """Draw one field and its handwriting; returns the handwriting's box, text and the field's right edge."""
    length = int(rng.integers(3, longest + 1))
    height = int(rng.uniform(0.2, 0.3) * dpi)
    rule = max(2, round(0.008 * dpi))
    cell = int(height * rng.uniform(1.25, 1.5))
    text = ""
    boxes = []
    cursor = x + int(0.1 * dpi)
    for position in range(length):
        image, label = source.take()
        digit_height = int(height * rng.uniform(0.9, 1.1) * (0.8 if kind == "comb" else 1.0))
        ink = digit_ink(image, digit_height, rng, broken=rng.random() < 0.08 and label in (4, 5, 7, 9))
        if kind == "comb":
            left = x + position * cell + (cell - ink.shape[1]) // 2 + int(rng.integers(-3, 4))
        else:
            left = cursor
            touching = rng.random() < 0.12 and position > 0
            gap = rng.uniform(-0.12, -0.02) if touching else rng.uniform(0.08, 0.4)
            left = int(cursor + gap * height) if position > 0 else cursor
        if kind == "comb":  # inside the cell, clear of its sides
            top = baseline - int(0.1 * height) - ink.shape[0] + int(rng.uniform(-0.05, 0.05) * height)
        else:
            top = baseline - ink.shape[0] + int(rng.uniform(-0.05, 0.08) * height)
        stamp(alpha, ink, left, top)
        boxes.append((left, top, left + ink.shape[1], top + ink.shape[0]))
        cursor = left + ink.shape[1]
        text += str(label)
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    if kind == "comb":
        right = x + length * cell
        top = baseline - int(cell * 1.05)
        cv2.line(canvas, (x, baseline + rule), (right, baseline + rule), PRINT, rule)
        for k in range(length + 1):
            cv2.line(canvas, (x + k * cell, baseline + rule), (x + k * cell, top), PRINT, rule)
        cv2.line(canvas, (x, top), (right, top), PRINT, rule)
    elif kind == "underline":
        right = min(max(x1, x + int(2.5 * dpi)) + int(0.2 * dpi), canvas.shape[1] - int(0.5 * dpi))
        cv2.line(canvas, (x, baseline + rule // 2), (right, baseline + rule // 2), PRINT, rule)
    elif kind == "box":
        right = x1 + int(0.25 * dpi)
        pad = int(0.25 * height)
        cv2.rectangle(canvas, (x, y0 - pad - rule), (right, baseline + pad + rule), PRINT, rule)
    else:
        right = x1
    return (x0, y0, x1 - x0, y1 - y0), text, right


def lighting(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Uneven light: a gentle gradient, a darker corner, sometimes a shadow along one edge."""
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    gradient = (np.cos(angle) * xs / w + np.sin(angle) * ys / h) * rng.uniform(0.05, 0.2)
    light = 1.0 - (gradient - gradient.min())
    if rng.random() < 0.5:
        edge = xs / w if rng.random() < 0.5 else ys / h
        light *= 1.0 - rng.uniform(0.2, 0.4) * np.exp(-edge / rng.uniform(0.03, 0.08))
    return light


def compose_page(
    source: DigitSource, style: PageStyle, rng: np.random.Generator
) -> tuple[np.ndarray, list[tuple[tuple[int, int, int, int], str]]]:
    """A BGR form page and its fields (box on the page, text)."""
    dpi = style.dpi
    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    canvas = np.full((height, width, 3), 255, np.uint8)
    alpha = np.zeros((height, width), np.float32)
    put_text(canvas, str(rng.choice(TITLES)), int(0.8 * dpi), int(1.0 * dpi), dpi, 0.22)
    cv2.line(canvas, (int(0.8 * dpi), int(1.2 * dpi)), (width - int(0.8 * dpi), int(1.2 * dpi)), PRINT, 2)
    fields = []
    baseline = int(2.0 * dpi)
    while baseline < height - int(1.2 * dpi):
        x = int(0.8 * dpi)
        for _ in range(int(rng.integers(1, 3))):
            start = x + int(1.6 * dpi)
            longest = min(8, int((width - 0.7 * dpi - start) / (0.42 * dpi)))
            if longest < 3:
                break
            put_text(canvas, str(rng.choice(LABELS)), x, baseline, dpi, 0.11)
            kind = str(rng.choice(FIELD_KINDS))
            box, text, right = write_field(canvas, alpha, source, kind, start, baseline, dpi, rng, longest)
            fields.append((box, text))
            x = right + int(0.5 * dpi)
        baseline += int(rng.uniform(0.8, 1.1) * dpi)
    if style.ink == PENCIL:
        grain = cv2.GaussianBlur(rng.uniform(0.45, 1.0, alpha.shape).astype(np.float32), (0, 0), 0.7)
        alpha *= grain * rng.uniform(0.7, 0.95)
    ink = np.array(style.ink, np.float32)
    page = canvas.astype(np.float32) * (1 - alpha[..., None]) + ink * alpha[..., None]
    page = page * style.paper * lighting((height, width), rng)[..., None]
    if style.noise:
        page += rng.normal(0, style.noise, (height, width, 1)).astype(np.float32)
    specks = rng.integers(0, [width, height], (int(rng.integers(50, 300)), 2))
    for sx, sy in specks:
        cv2.circle(page, (int(sx), int(sy)), int(rng.integers(1, 3)), (60, 60, 60), -1)
    return turn(np.clip(page, 0, 255).astype(np.uint8), fields, style.skew)


Fields = list[tuple[tuple[int, int, int, int], str]]  # (box on the page, text)


def turn(page: np.ndarray, fields: Fields, skew: float) -> tuple[np.ndarray, Fields]:
    """The page turned by `skew` degrees about its centre, and its fields' boxes with it."""
    height, width = page.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
    # An automatic feeder crops to the sheet: what the turn brings in looks like the sheet's edge.
    page = cv2.warpAffine(
        page, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    turned = []
    for (x, y, w, h), text in fields:
        corners = (
            np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], np.float64) @ matrix.T
        )
        (x0, y0), (x1, y1) = corners.min(axis=0), corners.max(axis=0)
        turned.append(((int(x0), int(y0), int(x1 - x0), int(y1 - y0)), text))
    return page, turned


def random_style(rng: np.random.Generator, dpi: int) -> PageStyle:
    """Blue ballpoint on 40% of pages, pencil on 20%, black ink on the rest."""
    pen = rng.random()
    return PageStyle(
        dpi=dpi,
        ink=BLUE_INK if pen < 0.4 else PENCIL if pen < 0.6 else BLACK_INK,
        skew=float(rng.uniform(-5, 5)),
        noise=float(rng.uniform(2, 6)),
        paper=float(rng.uniform(0.86, 1.0)),
    )


def write_pdf(path: Path, pages: list[np.ndarray], dpi: int) -> None:
    """A PDF holding each page as a JPEG image at `dpi` (as a scanner would write it)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for image in pages:
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        assert ok
        height, width = image.shape[:2]
        page = document.new_page(width * 72 / dpi, height * 72 / dpi)
        picture = pdfium.PdfImage.new(document)
        picture.load_jpeg(io.BytesIO(jpeg.tobytes()), inline=True)
        picture.set_matrix(pdfium.PdfMatrix().scale(width * 72 / dpi, height * 72 / dpi))
        page.insert_obj(picture)
        page.gen_content()
    document.save(str(path))


@dataclass(frozen=True)
class SampleFile:
    name: str
    pages: int
    dpi: int
    gray: bool


# The committed samples/: every format, both resolutions, grey and colour scans.
DEFAULT_FILES = (
    SampleFile("form-01.png", 1, 200, True),
    SampleFile("form-02.jpg", 1, 300, False),
    SampleFile("form-03.jpg", 1, 200, False),
    SampleFile("form-04.png", 1, 300, True),
    SampleFile("forms-05-07.tif", 3, 200, True),
    SampleFile("form-08.pdf", 1, 200, False),
)
PDF_RENDER_DPI = 300  # truth boxes of PDF pages are in pixels of a render at digitscan's default --dpi


def generate_samples(
    out: Path,
    images: np.ndarray,
    labels: np.ndarray,
    seed: int = 1,
    files: tuple[SampleFile, ...] = DEFAULT_FILES,
) -> list[Field]:
    """Write sample pages and `truth.csv` into `out`; returns the truth rows."""
    rng = np.random.default_rng(seed)
    source = DigitSource(images, labels, rng)
    out.mkdir(parents=True, exist_ok=True)
    truth: list[Field] = []
    for spec in files:
        pages = []
        for number in range(1, spec.pages + 1):
            style = random_style(rng, spec.dpi)
            if spec.name.endswith((".png", ".tif")):
                style = replace(style, noise=0.0)  # noise defeats lossless compression
            page, fields = compose_page(source, style, rng)
            if spec.gray:
                page = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
            pages.append(page)
            factor = PDF_RENDER_DPI / spec.dpi if spec.name.endswith(".pdf") else 1.0
            for (x, y, w, h), text in fields:
                box = (round(x * factor), round(y * factor), round(w * factor), round(h * factor))
                truth.append(Field(spec.name, number, *box, text))
        path = out / spec.name
        if spec.name.endswith(".pdf"):
            write_pdf(path, pages, spec.dpi)
        elif spec.name.endswith(".tif"):
            cv2.imwritemulti(str(path), pages, [cv2.IMWRITE_TIFF_COMPRESSION, 8])
        elif spec.name.endswith(".jpg"):
            cv2.imwrite(str(path), pages[0], [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(70, 90))])
        else:
            cv2.imwrite(str(path), pages[0], [cv2.IMWRITE_PNG_COMPRESSION, 9])
    write_truth(out / "truth.csv", truth)
    return truth


def write_truth(path: Path, truth: list[Field]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "page", "x", "y", "width", "height", "text"])
        for row in truth:
            writer.writerow([row.file, row.page, row.x, row.y, row.width, row.height, row.text])


def numbered(files: tuple[SampleFile, ...], copies: int) -> tuple[SampleFile, ...]:
    """The set of files repeated `copies` times under distinct names (for larger checks)."""
    if copies == 1:
        return files
    return tuple(
        SampleFile(f"set{copy:03d}-{spec.name}", spec.pages, spec.dpi, spec.gray)
        for copy in range(1, copies + 1)
        for spec in files
    )


# Forms of one layout, for templates: the same printed fields on every page, filled afresh and
# scanned with a shift, a turn, a change of scale and a little perspective.
FORM_FIELD_KINDS = ("comb", "box", "underline")


@dataclass(frozen=True)
class LayoutField:
    name: str
    label: str
    kind: str
    box: tuple[int, int, int, int]  # x, y, width, height: what a template's field box holds
    cells: int | None  # a comb's cells
    longest: int  # the most digits written in it


def form_layout(rng: np.random.Generator, dpi: int) -> tuple[str, list[LayoutField]]:
    """A form's title and its number fields in two columns, each with a printed prompt above."""
    height = round(A4_INCHES[1] * dpi)
    fields: list[LayoutField] = []
    top = int(rng.uniform(1.6, 2.2) * dpi)
    while top < height - int(1.6 * dpi):
        for column in range(2):
            left = int((0.8 + column * 3.7 + rng.uniform(0, 0.4)) * dpi)
            kind = str(rng.choice(FORM_FIELD_KINDS))
            box_height = int(rng.uniform(0.4, 0.5) * dpi)
            if kind == "comb":
                cells = int(rng.integers(4, 9))
                cell = int(min(box_height * rng.uniform(0.75, 0.9), 3.0 * dpi / cells))
                box = (left, top, cells * cell, box_height)
                longest = cells
            else:
                cells = None
                box = (left, top, int(rng.uniform(2.2, 3.0) * dpi), box_height)
                longest = int(box[2] / (0.36 * dpi))
            name = f"field_{len(fields) + 1:02d}"
            fields.append(LayoutField(name, str(rng.choice(LABELS)), kind, box, cells, min(longest, 8)))
        top += int(rng.uniform(0.95, 1.2) * dpi)
    title = f"{rng.choice(TITLES)}  Form {int(rng.integers(100, 999))}-{int(rng.integers(10, 99))}"
    return title, fields


def draw_form(
    title: str,
    layout: list[LayoutField],
    dpi: int,
    source: DigitSource | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, dict[str, str], np.ndarray]:
    """The form printed (BGR) and, with a digit source, each field's handwriting as ink
    (float 0-1, drawn by `finish_page`); returns the page, the text of each field, the ink."""
    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    canvas = np.full((height, width, 3), 255, np.uint8)
    alpha = np.zeros((height, width), np.float32)
    put_text(canvas, title, int(0.8 * dpi), int(1.0 * dpi), dpi, 0.2)
    cv2.line(canvas, (int(0.8 * dpi), int(1.2 * dpi)), (width - int(0.8 * dpi), int(1.2 * dpi)), PRINT, 2)
    rule = max(2, round(0.008 * dpi))
    texts: dict[str, str] = {}
    for field in layout:
        x, y, w, h = field.box
        put_text(canvas, field.label, x, y - int(0.08 * dpi), dpi, 0.1)
        if field.kind == "underline":
            cv2.line(canvas, (x, y + h), (x + w, y + h), PRINT, rule)
        else:
            cv2.rectangle(canvas, (x, y), (x + w, y + h), PRINT, rule)
        if field.kind == "comb":
            cell = w // int(field.cells or 1)
            for k in range(1, int(field.cells or 1)):
                cv2.line(canvas, (x + k * cell, y + h // 2), (x + k * cell, y + h), PRINT, rule)
        if source is None:
            continue
        count = (
            int(rng.integers(0, field.longest + 1))
            if rng.random() < 0.15
            else int(rng.integers(max(1, field.longest - 3), field.longest + 1))
        )
        text, cursor = "", x + int(0.08 * dpi)
        for position in range(count):
            image, label = source.take()
            digit_height = int(h * rng.uniform(0.55, 0.7))
            ink = digit_ink(image, digit_height, rng, broken=False)
            if field.kind == "comb":
                cell = w // int(field.cells or 1)
                left = x + position * cell + (cell - ink.shape[1]) // 2 + int(rng.integers(-2, 3))
            else:
                left = cursor + (int(rng.uniform(0.08, 0.3) * digit_height) if position else 0)
            top = y + h - ink.shape[0] - int(rng.uniform(0.1, 0.2) * h)
            stamp(alpha, ink, left, top)
            cursor = left + ink.shape[1]
            text += str(label)
        texts[field.name] = text
    return canvas, texts, alpha


def finish_page(
    canvas: np.ndarray, alpha: np.ndarray, style: PageStyle, rng: np.random.Generator
) -> np.ndarray:
    """Ink laid on the printed form, paper, light and noise: the page as a scanner sees it."""
    ink = np.array(style.ink, np.float32)
    page = canvas.astype(np.float32) * (1 - alpha[..., None]) + ink * alpha[..., None]
    page = page * style.paper * lighting(alpha.shape, rng)[..., None]
    if style.noise:
        page += rng.normal(0, style.noise, (*alpha.shape, 1)).astype(np.float32)
    return np.clip(page, 0, 255).astype(np.uint8)


def scan_distortion(shape: tuple[int, int], rng: np.random.Generator, dpi: int) -> np.ndarray:
    """A 3x3 map from the form to its scan: a shift (up to 0.2 inch), a turn (+-3 degrees), a
    change of scale (+-3%) and mild perspective (corners moved up to 0.2% of the page)."""
    height, width = shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-3, 3), rng.uniform(0.97, 1.03))
    matrix[:, 2] += rng.uniform(-0.2, 0.2, 2) * dpi
    affine = np.vstack([matrix, [0, 0, 1]])
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    moved = corners + rng.uniform(-0.002, 0.002, (4, 2)).astype(np.float32) * max(shape)
    return np.asarray(cv2.getPerspectiveTransform(corners, moved), np.float64) @ affine


def generate_form_set(
    out: Path,
    images: np.ndarray,
    labels: np.ndarray,
    seed: int = 1,
    pages: int = 20,
    others: int = 4,
    dpi: int = 200,
) -> list[Field]:
    """A template (`template.toml` over a blank `reference.png`), `pages` filled and scanned
    forms of its layout and `others` of another layout, mixed. `truth.csv` holds every field of
    the layout's pages (empty ones too): file, page, field, its box on the scan, its text. The
    other layout's pages have none: they must be refused."""
    rng = np.random.default_rng(seed)
    source = DigitSource(images, labels, rng)
    out.mkdir(parents=True, exist_ok=True)
    title, layout = form_layout(rng, dpi)
    other_title, other_layout = form_layout(rng, dpi)
    blank, _, _ = draw_form(title, layout, dpi, None, rng)
    cv2.imwrite(str(out / "reference.png"), cv2.cvtColor(blank, cv2.COLOR_BGR2GRAY))
    specs = [FieldSpec(f.name, Box(*f.box), f.cells) for f in layout]
    text = template_toml("generated-form", "reference.png", dpi, specs)
    (out / "template.toml").write_text(text, encoding="utf-8")
    truth: list[tuple[str, Field]] = []
    kinds = ["form"] * pages + ["other"] * others
    for number, kind in enumerate(rng.permutation(kinds), start=1):
        style = replace(random_style(rng, dpi), skew=0.0)
        chosen_title, chosen = (title, layout) if kind == "form" else (other_title, other_layout)
        canvas, texts, alpha = draw_form(chosen_title, chosen, dpi, source, rng)
        page = finish_page(canvas, alpha, style, rng)
        distortion = scan_distortion(page.shape[:2], rng, dpi)
        size = (page.shape[1], page.shape[0])
        page = cv2.warpPerspective(page, distortion, size, flags=cv2.INTER_LINEAR, borderValue=(235,) * 3)
        name = f"scan-{number:03d}.png"
        cv2.imwrite(str(out / name), cv2.cvtColor(page, cv2.COLOR_BGR2GRAY))
        if kind == "other":
            continue
        for field in layout:
            x, y, w, h = field.box
            corners = np.float32([[x, y], [x + w, y], [x, y + h], [x + w, y + h]]).reshape(-1, 1, 2)
            mapped = cv2.perspectiveTransform(corners, distortion).reshape(-1, 2)
            (x0, y0), (x1, y1) = mapped.min(axis=0), mapped.max(axis=0)
            box = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
            truth.append((field.name, Field(name, 1, *box, texts[field.name])))
    with (out / "truth.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "page", "field", "x", "y", "width", "height", "text"])
        for name, f in truth:
            writer.writerow([f.file, f.page, name, f.x, f.y, f.width, f.height, f.text])
    return [f for _, f in truth]
