"""Writing readings: CSV (RFC 4180, spreadsheet-safe) and JSON Lines, streamed row by row."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from digitscan.containers import DigitString, FileResult, PageReading
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


class ResultFile:
    """Rows stream into a hidden `.NAME.part` beside the target, flushed file by file, with a
    journal (`.NAME.journal`) of the files completed and the byte offset after each.

    `finish()` renames the part over the target, so a crash leaves the old result (or none)
    under its name, never a torn one. `resume=True` picks up a part left by a killed run (cut
    back to the last completed file, which repairs a torn last line) or, failing that,
    appends to a finished target, skipping the files already in it.
    """

    def __init__(self, path: str, output_format: str, min_confidence: float, resume: bool = False) -> None:
        self.target = Path(path)
        if self.target.is_dir():
            raise UsageError(f"{path}: is a folder; --out takes a file name")
        self.part = self.target.with_name(f".{self.target.name}.part")
        self.journal_path = self.target.with_name(f".{self.target.name}.journal")
        self.done: dict[str, dict[str, object]] = {}
        offset = 0
        try:
            if resume:
                offset = self.recover(output_format)
            else:
                for stale in (self.part, self.journal_path):
                    stale.unlink(missing_ok=True)
            self.stream = self.part.open(
                "a" if offset else "w", encoding="utf-8", errors="backslashreplace", newline=""
            )
            self.stream.truncate(offset)
            self.journal = self.journal_path.open("a" if offset else "w", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot write here ({exc.strerror or exc})") from None
        self.writer = WRITERS[output_format](self.stream, min_confidence, header=offset == 0)

    def recover(self, output_format: str) -> int:
        """Files already complete and where their rows end; 0 when starting afresh."""
        if self.part.exists() and self.journal_path.exists():
            offset = 0
            for line in self.journal_path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    break  # torn by the kill: that file is read again
                self.done[entry["file"]] = entry
                offset = int(entry["offset"])
            with self.journal_path.open("w", encoding="utf-8") as journal:
                journal.writelines(json.dumps(e) + "\n" for e in self.done.values())
            return offset
        if self.target.exists():
            raw = self.target.read_bytes()
            self.part.write_bytes(raw)
            for name in files_in(raw.decode("utf-8", errors="replace"), output_format):
                self.done[name] = {"file": name, "offset": len(raw), "error": None, "page": None}
            self.journal_path.write_text("".join(json.dumps(e) + "\n" for e in self.done.values()), "utf-8")
            return len(raw)
        return 0

    def is_done(self, source: str) -> bool:
        return source in self.done

    def errors(self) -> list[tuple[str, str, str]]:
        return [
            (str(e["file"]), str(e["page"] or ""), str(e["error"])) for e in self.done.values() if e["error"]
        ]

    def record(self, result: FileResult) -> None:
        self.writer.write(result.pages)
        entry = {
            "file": result.source,
            "offset": self.stream.tell(),
            "error": result.error,
            "page": result.error_page,
        }
        self.done[result.source] = entry
        self.journal.write(json.dumps(entry) + "\n")
        self.journal.flush()

    def finish(self) -> None:
        self.close()
        os.replace(self.part, self.target)
        self.journal_path.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the part and journal (again is harmless), leaving them for --resume."""
        self.stream.close()
        self.journal.close()


def files_in(text: str, output_format: str) -> list[str]:
    """The source files named in a finished result (CSV's file column, or JSONL's)."""
    if output_format == "jsonl":
        return [json.loads(line)["file"] for line in text.splitlines() if line.strip()]
    rows = list(csv.reader(text.splitlines()))
    return [
        row[0][1:] if row[0][:2] in {"'" + c for c in FORMULA_STARTS} else row[0] for row in rows[1:] if row
    ]


def write_errors(path: Path, failures: list[tuple[str, str, str]]) -> None:
    """The failed files as CSV (file, page, error), written whole or not at all."""
    part = path.with_name(f".{path.name}.part")
    try:
        with part.open("w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\r\n")
            writer.writerow(["file", "page", "error"])
            for name, page, message in failures:
                writer.writerow([safe_cell(name), page, safe_cell(message)])
        os.replace(part, path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write here ({exc.strerror or exc})") from None
