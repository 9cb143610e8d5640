"""Writing readings: CSV (RFC 4180, spreadsheet-safe) and JSON Lines, streamed row by row."""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from digitscan.containers import DigitString, PageReading
from digitscan.errors import UsageError

CSV_COLUMNS = (
    "file",
    "page",
    "index",
    "text",
    "confidence",
    "x",
    "y",
    "width",
    "height",
    "needs_review",
    "skew",
)
# OWASP CSV injection: a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Text a spreadsheet would execute, made inert by a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_row(reading: PageReading, string: DigitString, min_confidence: float) -> list[str]:
    box = string.box
    return [
        safe_cell(reading.source),
        str(reading.page),
        str(string.index),
        string.text,
        f"{string.confidence:.4f}",
        str(box.x),
        str(box.y),
        str(box.width),
        str(box.height),
        "true" if string.needs_review(min_confidence) else "false",
        f"{reading.skew:.2f}",
    ]


def json_record(reading: PageReading, string: DigitString, min_confidence: float) -> dict[str, object]:
    return {
        "file": reading.source,
        "page": reading.page,
        "index": string.index,
        "text": string.text,
        "confidence": round(string.confidence, 4),
        "box": [string.box.x, string.box.y, string.box.width, string.box.height],
        "needs_review": string.needs_review(min_confidence),
        "digits": [
            {
                "box": [d.box.x, d.box.y, d.box.width, d.box.height],
                "label": d.label.text,
                "confidence": round(d.label.confidence, 4),
                "second": str(d.label.second),
                "second_confidence": round(d.label.second_confidence, 4),
            }
            for d in string.digits
        ],
    }


class CsvWriter:
    def __init__(self, stream: IO[str], min_confidence: float, header: bool = True) -> None:
        self.stream = stream
        self.writer = csv.writer(stream, lineterminator="\r\n")
        self.min_confidence = min_confidence
        if header:
            self.writer.writerow(CSV_COLUMNS)

    def write(self, readings: Iterable[PageReading]) -> None:
        for reading in readings:
            for string in reading.strings:
                self.writer.writerow(csv_row(reading, string, self.min_confidence))
        self.stream.flush()


class JsonlWriter:
    def __init__(self, stream: IO[str], min_confidence: float, header: bool = True) -> None:
        del header  # JSON Lines has none
        self.stream = stream
        self.min_confidence = min_confidence

    def write(self, readings: Iterable[PageReading]) -> None:
        for reading in readings:
            for string in reading.strings:
                self.stream.write(json.dumps(json_record(reading, string, self.min_confidence)) + "\n")
        self.stream.flush()


WRITERS = {"csv": CsvWriter, "jsonl": JsonlWriter}


@contextmanager
def open_output(path: str | None) -> Iterator[IO[str]]:
    """stdout for None or '-'; else a temporary file beside `path`, renamed over it when complete.

    A crash leaves the old result (or none) in place, never a half-written one under its name.
    """
    if path in (None, "-"):
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{path}: is a folder; --out takes a file name")
    try:
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed into place only on success
            "w",
            encoding="utf-8",
            newline="",
            dir=target.parent,
            prefix=f".{target.name}.",
            suffix=".part",
            delete=False,
        )
    except OSError as exc:
        raise UsageError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    try:
        with handle:
            yield handle
        os.replace(handle.name, target)
    finally:
        if os.path.exists(handle.name):
            os.unlink(handle.name)
