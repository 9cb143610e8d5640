"""Seeing what was read: annotated pages, crops in the terminal, crops saved for correction."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import cv2
import numpy as np
from rich.table import Table
from rich.text import Text

from digitscan.containers import PageReading
from digitscan.output import NAME_ERRORS, cell_text, safe_cell
from digitscan.templates import FieldSpec

GOOD = (40, 160, 40)  # BGR
REVIEW = (0, 110, 255)
DIGIT = (200, 90, 0)


def annotate(image: np.ndarray, reading: PageReading, min_confidence: float) -> np.ndarray:
    """The page in colour with each string's box and text and each digit's label."""
    page = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    scale = max(0.5, max(page.shape[:2]) / 2500)
    thickness = max(1, round(2 * scale))
    for string in reading.strings:
        colour = REVIEW if string.needs_review(min_confidence) else GOOD
        box = string.box
        cv2.rectangle(page, (box.x, box.y), (box.x + box.width, box.y + box.height), colour, thickness)
        caption = f"{string.field or string.index}: {string.text} ({string.confidence:.2f})"
        cv2.putText(
            page,
            caption,
            (box.x, max(12, box.y - 6)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.6 * scale,
            colour,
            thickness,
        )
        for digit in string.digits:
            doubtful = digit.label.digit is None or digit.label.confidence < min_confidence
            d = digit.box
            cv2.rectangle(page, (d.x, d.y), (d.x + d.width, d.y + d.height), REVIEW if doubtful else DIGIT, 1)
            cv2.putText(
                page,
                digit.label.text,
                (d.x, d.y + d.height + round(16 * scale)),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.5 * scale,
                REVIEW if doubtful else DIGIT,
                max(1, thickness - 1),
            )
    return page


SHADES = " .:-=+*#%@"


def shrink(crop: np.ndarray, size: int) -> np.ndarray:
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)


def crop_art(crops: list[np.ndarray], size: int = 12, color: bool = True) -> Text:
    """Crops side by side in the terminal: half blocks in grey levels, or plain characters."""
    small = [shrink(crop, size) for crop in crops]
    art = Text()
    for row in range(0, size, 2):
        for index, image in enumerate(small):
            if index:
                art.append(" ")
            for column in range(size):
                top, bottom = int(image[row, column]), int(image[row + 1, column])
                if color:
                    art.append("▀", style=f"rgb({top},{top},{top}) on rgb({bottom},{bottom},{bottom})")
                else:
                    art.append(SHADES[(top + bottom) * (len(SHADES) - 1) // 510])
        if row + 2 < size:
            art.append("\n")
    return art


def preview_table(reading: PageReading, min_confidence: float, width: int, color: bool) -> Table:
    """One row per string: the crops drawn, the text read, its confidence, doubtful digits' second choices."""
    size = 12
    per_line = max(1, (width - 46) // (size + 1))
    form = f" ({reading.template})" if reading.template else ""
    # a file's or field's name is text: "scan[1].png" is no markup tag
    table = Table(title=Text(f"{reading.source}, page {reading.page}{form}"), show_lines=True)
    table.add_column("field" if reading.template else "#", justify="right")
    table.add_column("crops")
    table.add_column("text")
    table.add_column("conf", justify="right")
    table.add_column("2nd choice")
    for string in reading.strings:
        crops = [digit.crop for digit in string.digits]
        art = Text("\n").join(
            crop_art(crops[i : i + per_line], size, color) for i in range(0, len(crops), per_line)
        )
        review = string.needs_review(min_confidence)
        doubtful = [
            f"{k + 1}:{d.label.second} ({d.label.second_confidence:.2f})"
            for k, d in enumerate(string.digits)
            if d.label.digit is None or d.label.confidence < min_confidence
        ]
        style = "bold yellow" if review and color else ""
        text = string.text + (" *" if review else "")
        table.add_row(
            Text(string.field or str(string.index)),
            art,
            Text(text, style=style),
            f"{string.confidence:.2f}" if string.digits else "",
            "\n".join(doubtful),
        )
    if not reading.strings:
        table.add_row("", "", "(no digits found)", "", "")
    return table


CROP_COLUMNS = ("file", "page", "string", "digit", "label", "confidence", "path")


def page_stem(source: str, page: int) -> str:
    """A file-name stem unique per (file, page), for its annotated page and crops: the path's
    parts joined by '__'. Where that joining could give two files one name (`a/x.png` and
    `a__x.png`, `../x.png` and `x.png`, an absolute path or a URL and the relative path it
    ends in, a space made '_'), 8 hex digits of the name's digest follow, so no file's
    pictures or crops overwrite another's."""
    path = Path(source.split("://", 1)[-1])  # an object-storage URL: its bucket and key
    parts = [part for part in path.parts if part not in ("/", "..", ".")]
    stem = "__".join(parts).replace(" ", "_")
    if not joins_apart(source, path, parts):
        stem += "." + hashlib.sha256(source.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{stem}.p{page}"


def joins_apart(source: str, path: Path, parts: list[str]) -> bool:
    """Whether the parts joined by '__' give this name alone: a relative local path with
    every part kept, none holding a space or '__' or starting or ending with '_'."""
    plain = all(" " not in part and "__" not in part and part.strip("_") == part for part in parts)
    return plain and "://" not in source and not path.is_absolute() and len(parts) == len(path.parts)


class CropWriter:
    """Every crop as a 28x28 PNG in a folder, listed in its index.csv for a person to correct."""

    def __init__(self, folder: Path, append: bool = False) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        index = folder / "index.csv"
        fresh = not (append and index.exists())
        self.stream = index.open("w" if fresh else "a", encoding="utf-8", errors=NAME_ERRORS, newline="")
        self.writer = csv.writer(self.stream, lineterminator="\r\n")
        if fresh:
            self.writer.writerow(CROP_COLUMNS)

    def write(self, readings: tuple[PageReading, ...]) -> None:
        for reading in readings:
            for string in reading.strings:
                for k, digit in enumerate(string.digits, start=1):
                    name = f"{page_stem(reading.source, reading.page)}.s{string.index}.d{k}.png"
                    cv2.imwrite(str(self.folder / name), digit.crop)
                    row = (
                        safe_cell(reading.source),  # opened in a spreadsheet to correct labels
                        reading.page,
                        string.field or string.index,  # a template's field by its name
                        k,
                        digit.label.text,
                        f"{digit.label.confidence:.4f}",
                        safe_cell(name),
                    )
                    self.writer.writerow(row)
        self.stream.flush()

    def close(self) -> None:
        self.stream.close()


def read_corrected_crops(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Crops and labels from a crops folder's index.csv: 0-9 a digit, 'x' or '?' not a digit."""
    from digitscan.classify import NOT_DIGIT
    from digitscan.errors import InputFileError

    index = folder / "index.csv"
    crops, labels = [], []
    try:
        rows = list(csv.DictReader(index.open(encoding="utf-8")))
    except FileNotFoundError:
        raise InputFileError(
            index, "not found: --extra takes a folder written by `digitscan run --crops`"
        ) from None
    for line, row in enumerate(rows, start=2):
        label = (row.get("label") or "").strip().lower()
        if label == "":
            continue  # left blank: the person chose not to label it
        if label not in set("0123456789x?"):
            raise InputFileError(index, f"line {line}: label {label!r} is not 0-9, x or ?")
        path = folder / cell_text(row["path"])
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None or image.shape != (28, 28):
            raise InputFileError(path, "missing, or not a 28x28 crop")
        crops.append(image)
        labels.append(NOT_DIGIT if label in "x?" else int(label))
    return np.array(crops, np.uint8).reshape(-1, 28, 28), np.array(labels, np.int64)


def draw_fields(image: np.ndarray, fields: list[FieldSpec]) -> np.ndarray:
    """A template's reference with each field's box, name and cells drawn (`template detect --preview`)."""
    page = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image.copy()
    scale = max(0.5, max(page.shape[:2]) / 2500)
    thickness = max(1, round(2 * scale))
    for field in fields:
        box = field.box
        cv2.rectangle(page, (box.x, box.y), (box.x + box.width, box.y + box.height), DIGIT, thickness)
        for k in range(1, field.cells or 1):
            x = box.x + round(k * box.width / (field.cells or 1))
            cv2.line(page, (x, box.y), (x, box.y + box.height), DIGIT, 1)
        cv2.putText(
            page,
            field.name,
            (box.x, max(12, box.y - 6)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.6 * scale,
            DIGIT,
            thickness,
        )
    return page
