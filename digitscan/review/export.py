"""Results with the reviewers' corrections applied, and the corrected digits as training crops."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from digitscan.defaults import DEFAULT_DPI
from digitscan.errors import InputFileError, UsageError
from digitscan.inspect import CROP_COLUMNS, page_stem
from digitscan.normalize import to_mnist
from digitscan.output import CSV_COLUMNS, FIELD_COLUMNS, NAME_ERRORS, safe_cell
from digitscan.pages import page_image
from digitscan.review.store import Record, box_on_page
from digitscan.segment import binarize

BINARIZE_WINDOW = 51  # a sixth of 300 dpi, run's default: a few stroke widths


def record_cells(record: Record, text: str) -> dict[str, str]:
    """A results record's CSV cells by column name, as `run` writes them (`output.row_cells`),
    with `text` in place of the text read."""
    data = record.data
    x, y, w, h = record.box
    return {
        "file": safe_cell(record.file),
        "page": str(record.page),
        "index": str(data.get("index", "")),
        "field": str(data.get("field", "")),
        "text": text,
        "confidence": "" if data.get("confidence") is None else f"{float(data['confidence']):.4f}",
        "x": str(x),
        "y": str(y),
        "width": str(w),
        "height": str(h),
        "needs_review": "true" if data["needs_review"] else "false",
        "reason": ";".join(data["reason"]),
        "skew": f"{float(data.get('skew', 0)):.2f}",
        "rotation": str(data.get("rotation", 0)),
    }


def export_csv(records: Sequence[Record], corrections: dict[int, str], out_file: Path) -> int:
    """Every record as `run` wrote it, the reviewed ones with their corrected text; returns how
    many were reviewed. Columns: `run`'s, then `reviewed` and `original_text`."""
    columns = FIELD_COLUMNS if any("field" in r.data for r in records) else CSV_COLUMNS
    try:
        with out_file.open("x", encoding="utf-8", errors=NAME_ERRORS, newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow([*columns, "reviewed", "original_text"])
            for record in records:
                original = str(record.data["text"])
                cells = record_cells(record, corrections.get(record.line, original))
                reviewed = "true" if record.line in corrections else "false"
                writer.writerow([*(cells[column] for column in columns), reviewed, original])
    except FileExistsError:
        raise UsageError(
            f"{out_file}: exists; --export never overwrites a file, choose another name"
        ) from None
    except OSError as exc:
        raise UsageError(f"{out_file}: cannot write ({exc.strerror or exc})") from None
    return sum(1 for r in records if r.line in corrections)


def digit_crop(page: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """A digit's 28x28 crop as the page stage makes it: thresholded around it, normalised."""
    x, y, w, h = box
    margin = max(4, h // 2)
    top, left = max(0, y - margin), max(0, x - margin)
    region = page[top : y + h + margin, left : x + w + margin]
    ink = binarize.binarize(region, window=BINARIZE_WINDOW) > 0
    return to_mnist(ink[y - top : y - top + h, x - left : x - left + w])


def export_crops(records: Sequence[Record], corrections: dict[int, str], folder: Path) -> tuple[int, int]:
    """The digits of every reviewed string whose corrected text has one character per digit
    read, as 28x28 PNGs with an index.csv labelled by the reviewer (what `train --extra`
    reads). Returns (crops written, reviewed strings left out: digits and text differ in
    number, so no digit can be paired with its label)."""
    if (folder / "index.csv").exists():
        raise UsageError(
            f"{folder}: already holds an index.csv; --crops never overwrites, choose another folder"
        )
    folder.mkdir(parents=True, exist_ok=True)
    written = left_out = 0
    pages: dict[tuple[str, int], np.ndarray] = {}
    with (folder / "index.csv").open("w", encoding="utf-8", errors=NAME_ERRORS, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(CROP_COLUMNS)
        for record in records:
            text = corrections.get(record.line)
            if text is None:
                continue
            digits = record.data["digits"]
            if len(text) != len(digits):
                left_out += 1
                continue
            key = (record.file, record.page)
            if key not in pages:
                pages.clear()  # one page at a time: records come page by page
                image = page_image(record.file, record.page, record.data.get("dpi") or DEFAULT_DPI)
                if image is None:
                    raise InputFileError(
                        record.file, f"has no page {record.page}: not the file that was read"
                    )
                pages[key] = image
            for k, (digit, label) in enumerate(zip(digits, text, strict=True), start=1):
                if label == "?":
                    continue  # illegible to the reviewer too: a digit with no label, not a non-digit
                box = box_on_page(tuple(digit["box"]), pages[key].shape)
                if box is None:
                    raise InputFileError(
                        record.file,
                        f"digit {k} of line {record.line} lies outside page {record.page}:"
                        " not the file that was read",
                    )
                name = f"{page_stem(record.file, record.page)}.l{record.line}.d{k}.png"
                cv2.imwrite(str(folder / name), digit_crop(pages[key], box))
                writer.writerow(
                    [safe_cell(record.file), record.page, record.line, k, label, "1.0000", safe_cell(name)]
                )
                written += 1
    return written, left_out
