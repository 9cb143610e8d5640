"""Pages of an old register: handwritten numbers in the cells of a ruled table, read as they come.

    python benchmarks/registers.py --data ../shared/datasets/mnist --real ../shared/datasets

Historical registers are what digitscan read worst (40% of entries, issue 15). This makes
pages like them from each source's validation digits (writer- or image-disjoint from training,
as `sources.py`): a printed table of ruled rows and columns (thin, faded print) on yellowed,
foxed paper with a binding shadow and a dark scanner margin, on half of them the other side's
entries showing through; faint pen entries (an entry number, a day, a quantity, an amount)
sitting on their row's rule, one in five crossing it, some overrunning a column rule; names in
a column of slanted script type, which must not be read as numbers. Prints, per source, the
entries exact, digit accuracy, the share accepted, the share of the accepted that is wrong,
the entries missed and the spurious strings (names or show-through read as numbers), and how
many of those were not flagged.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
from sources import validation_digits, validation_parser  # benchmarks/sources.py

from digitscan.api import ScanOptions, load_readers
from digitscan.errors import PageRefused
from digitscan.evaluate import Field, fields_of, read_truth_fields, score_forms
from digitscan.numbers import FAINT_SHARE
from digitscan.pages import Page
from digitscan.segment.binarize import ink_contrast
from digitscan.synth import DigitSource, digit_ink, turn, write_truth

A4_INCHES = (8.27, 11.69)
COLUMNS = (("No.", 0.7, 3), ("Name", 2.6, 0), ("Day", 0.8, 2), ("Qty", 0.9, 3), ("Amount", 1.6, 6))
NAMES = ("J. Smith", "Mary Brown", "A. Dupont", "Wm. Jones", "E. Clarke", "R. Moreau", "Th. Hill")


def paper(shape: tuple[int, int], dpi: int, rng: np.random.Generator) -> np.ndarray:
    """Yellowed paper in grey: uneven, foxed with brown spots, shadowed towards the binding,
    a dark scanner margin along one edge."""
    rows, cols = shape
    base = rng.uniform(185, 215)
    blotches = cv2.GaussianBlur(
        rng.normal(0, 1, (rows // 32 + 1, cols // 32 + 1)).astype(np.float32), (0, 0), 2
    )
    sheet = base + 8 * cv2.resize(blotches, (cols, rows), interpolation=cv2.INTER_CUBIC)
    for _ in range(int(rng.integers(8, 25))):  # foxing
        centre = (int(rng.integers(0, cols)), int(rng.integers(0, rows)))
        spot = np.zeros(shape, np.float32)
        cv2.circle(spot, centre, int(rng.uniform(0.03, 0.15) * dpi), 1.0, -1)
        sheet -= rng.uniform(10, 35) * cv2.GaussianBlur(spot, (0, 0), 0.03 * dpi)
    binding = np.linspace(0, 1, cols)[None, :] if rng.random() < 0.5 else np.linspace(1, 0, cols)[None, :]
    sheet *= 1 - 0.35 * np.exp(-binding / 0.06)
    margin = int(rng.uniform(0.1, 0.3) * dpi)
    sheet[:, -margin:] = rng.uniform(15, 40)  # the scanner's lid beyond the sheet
    return sheet


def register_page(
    source: DigitSource, dpi: int, rng: np.random.Generator
) -> tuple[np.ndarray, list[tuple[tuple[int, int, int, int], str]]]:
    """A grey register page and its entries (box on the page, digits)."""
    rows, cols = round(A4_INCHES[1] * dpi), round(A4_INCHES[0] * dpi)
    sheet = paper((rows, cols), dpi, rng)
    ink = np.zeros((rows, cols), np.float32)  # handwriting, 0-1
    print_ink = np.zeros((rows, cols), np.uint8)  # the printed table, 0 or 255
    script = np.zeros((rows, cols), np.uint8)  # the names, written in the same pen
    row_height = int(rng.uniform(0.3, 0.4) * dpi)
    rule = max(1, round(0.005 * dpi))
    left, top = int(0.7 * dpi), int(1.2 * dpi)
    edges = [left]
    for _, inches, _ in COLUMNS:
        edges.append(edges[-1] + int(inches * dpi))
    bottom = rows - int(0.9 * dpi)
    for y in range(top, bottom, row_height):
        cv2.line(print_ink, (left, y), (edges[-1], y), 255, rule)
    last_rule = top + (bottom - top - 1) // row_height * row_height
    for x in edges:
        cv2.line(print_ink, (x, top - row_height), (x, last_rule), 255, rule)
    scale = 0.12 * dpi / 22
    for (title, _, _), x in zip(COLUMNS, edges, strict=False):
        cv2.putText(
            print_ink,
            title,
            (x + int(0.05 * dpi), top - int(0.08 * dpi)),
            cv2.FONT_HERSHEY_COMPLEX,
            scale,
            255,
            max(1, round(scale * 1.5)),
            cv2.LINE_AA,
        )
    entries = []
    height = int(row_height * rng.uniform(0.55, 0.75))
    for baseline in range(top + row_height, last_rule + 1, row_height):
        if rng.random() < 0.1:
            continue  # a row left empty
        for (title, _, longest), x0, x1 in zip(COLUMNS, edges, edges[1:], strict=False):
            if longest == 0:
                name = str(rng.choice(NAMES))
                cv2.putText(
                    script,
                    name,
                    (x0 + int(0.1 * dpi), baseline - int(0.06 * dpi)),
                    cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
                    height / 26,
                    255,
                    max(1, round(height / 14)),
                    cv2.LINE_AA,
                )
                continue
            if title != "No." and rng.random() < 0.2:
                continue  # nothing entered in this cell
            length = int(rng.integers(1, longest + 1))
            cursor = x0 + int(rng.uniform(0.06, 0.2) * dpi)
            boxes, text = [], ""
            # On its row's rule, or (one entry in five) across it, down to a third of its height.
            across = rng.random() < 0.2
            sits = rng.uniform(-0.05, 0.35) if across else rng.uniform(-0.02, 0.06)
            for _ in range(length):
                image, label = source.take()
                digit = digit_ink(image, int(height * rng.uniform(0.9, 1.1)), rng, broken=False)
                y = baseline - digit.shape[0] + int(sits * height) - rule
                if cursor + digit.shape[1] >= x1 + int(0.05 * dpi):
                    break  # the cell is full
                region = ink[y : y + digit.shape[0], cursor : cursor + digit.shape[1]]
                np.maximum(region, digit[: region.shape[0], : region.shape[1]], out=region)
                boxes.append((cursor, y, cursor + digit.shape[1], y + digit.shape[0]))
                text += str(label)
                cursor += digit.shape[1] + int(rng.uniform(0.05, 0.3) * height)
            if boxes:
                bx0, by0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
                bx1, by1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
                entries.append(((bx0, by0, bx1 - bx0, by1 - by0), text))
    np.maximum(ink, script.astype(np.float32) / 255, out=ink)
    faded_print = rng.uniform(70, 120)
    pen = rng.uniform(60, 130)  # faded iron-gall ink: how dark the strokes are on the paper
    page = sheet * (1 - (print_ink > 0) * (1 - faded_print / 200))
    page = page * (1 - ink) + np.minimum(page, pen) * ink
    if rng.random() < 0.5:  # the entries of the leaf's other side showing through, mirrored
        through = np.fliplr(np.roll(ink, int(rng.integers(row_height // 3, row_height)), axis=0))
        through = cv2.GaussianBlur(through, (0, 0), 0.006 * dpi)  # diffused by the paper
        page *= 1 - rng.uniform(0.08, 0.2) * through
    page += rng.normal(0, 3, page.shape)
    return turn(np.clip(page, 0, 255).astype(np.uint8), entries, rng.uniform(-1.5, 1.5))


def pen_sources(data: Path, real: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The validation digits (`sources.validation_digits`) of the sources written with a pen."""
    held_out = validation_digits(data, real)
    del held_out["orand-car-a"]  # digits cut from cheques: no pen entries
    return held_out


def source_pages(
    name: str, images: np.ndarray, labels: np.ndarray, count: int, seed: int
) -> Iterator[tuple[Page, list[tuple[tuple[int, int, int, int], str]]]]:
    """`count` register pages written with one source's digits (200 and 300 dpi in turn), each
    as a Page that says its dpi, with its entries' boxes and texts."""
    rng = np.random.default_rng(seed)
    source = DigitSource(images, labels, rng)
    for number in range(count):
        dpi = (200, 300)[number % 2]
        image, entries = register_page(source, dpi, rng)
        yield Page(f"{name}-{number}.png", 1, image, dpi), entries


def main() -> None:
    parser = validation_parser(__doc__)
    parser.add_argument("--pages", type=int, default=4, help="pages per source")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--save", type=Path, help="write the pages (PNG) and their truth (SOURCE-truth.csv) here"
    )
    args = parser.parse_args()
    options = ScanOptions()
    readers = load_readers(None, options)
    for name, (images, labels) in pen_sources(args.data, args.real).items():
        truth: list[Field] = []
        rows: list[Field] = []
        lightness: list[float] = []  # per row: its ink's contrast over its page's median (`faint`)
        for page, entries in source_pages(name, images, labels, args.pages, args.seed):
            file, image = page.source, page.image
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(args.save / file), image)
            truth.extend(Field(file, 1, *box, text) for box, text in entries)
            try:
                read = fields_of(readers.read(page), options.min_confidence)
            except PageRefused as refusal:
                print(f"  {file} refused: {refusal}")
                continue
            contrasts = [ink_contrast(image, (row.x, row.y, row.width, row.height)) for row in read]
            lightness.extend(np.array(contrasts) / max(1e-6, float(np.median(contrasts))) if read else [])
            rows.extend(read)
        if args.save:
            write_truth(args.save / f"{name}-truth.csv", truth)
        score = score_forms(truth, rows)
        _, claimed = read_truth_fields(truth, rows)
        unflagged = sum(1 for i, row in enumerate(rows) if i not in claimed and not row.reasons)
        print(
            f"{name:<12} {score.fields} entries  exact {score.exact:7.2%}  digits {score.digit_accuracy:7.2%}"
            f"  accepted {score.accepted:7.2%}  wrong among accepted {score.wrong_among_accepted:6.2%}"
            f"  missed {score.missed}  spurious {score.spurious} ({unflagged} not flagged)"
        )
        entries = [lightness[i] for i in claimed]
        light = sum(1 for i, share in enumerate(lightness) if i not in claimed and share < FAINT_SHARE)
        print(
            f"{'':<12} contrast over the page's typical string: entries {min(entries, default=0):.2f} and up;"
            f" spurious strings under {FAINT_SHARE} (faint-ink): {light}"
        )


if __name__ == "__main__":
    main()
