"""Writing readings: CSV (RFC 4180, spreadsheet-safe) and JSON Lines, streamed row by row."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
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
    "reason",
    "skew",
    "rotation",
)
# With templates: one row per field of each page (`Layout`).
FIELD_COLUMNS = (
    "file",
    "page",
    "field",
    "text",
    "confidence",
    "needs_review",
    "reason",
    "x",
    "y",
    "width",
    "height",
)
# OWASP CSV injection: a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet hides a cell's leading apostrophe: text that starts with one gets another.
ESCAPED_STARTS = (*FORMULA_STARTS, "'")


def safe_cell(value: str) -> str:
    """Text a spreadsheet would execute, made inert by a leading apostrophe."""
    return "'" + value if value.startswith(ESCAPED_STARTS) else value


def cell_text(cell: str) -> str:
    """The text of a cell `safe_cell` wrote."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(ESCAPED_STARTS) else cell


def row_cells(reading: PageReading, string: DigitString, min_confidence: float) -> dict[str, str]:
    """Every CSV cell a string (or a template's field) can have, by column name: each layout
    picks its columns from these."""
    box = string.box
    return {
        "file": safe_cell(reading.source),
        "page": str(reading.page),
        "index": str(string.index),
        "field": str(string.field),
        "text": string.text,
        "confidence": f"{string.confidence:.4f}" if string.digits else "",  # an empty field: none
        "x": str(box.x),
        "y": str(box.y),
        "width": str(box.width),
        "height": str(box.height),
        "needs_review": "true" if string.needs_review(min_confidence) else "false",
        "reason": ";".join(string.review_reasons(min_confidence)),
        "skew": f"{reading.skew:.2f}",
        "rotation": str(reading.rotation),
    }


@dataclass(frozen=True)
class Layout:
    """What one row is: a string found on a page (no templates), a template's field of a page,
    or with `wide` a whole page, a column per field (`fields`: every template's, in order)."""

    fields: tuple[str, ...] = ()
    wide: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        if not self.fields:
            return CSV_COLUMNS
        return ("file", "page", "template", *self.fields, "needs_review") if self.wide else FIELD_COLUMNS

    def csv_rows(self, reading: PageReading, min_confidence: float) -> list[list[str]]:
        if not self.wide:
            rows = (row_cells(reading, string, min_confidence) for string in reading.strings)
            return [[cells[column] for column in self.columns] for cells in rows]
        texts = {field.field: field.text for field in reading.strings}
        flagged = [str(field.field) for field in reading.strings if field.needs_review(min_confidence)]
        return [
            [
                safe_cell(reading.source),
                str(reading.page),
                str(reading.template),
                *(texts.get(name, "") for name in self.fields),
                ";".join(flagged),
            ]
        ]


def json_record(reading: PageReading, string: DigitString, min_confidence: float) -> dict[str, object]:
    where: dict[str, object] = (
        {"template": reading.template, "field": string.field}
        if string.field is not None
        else {"index": string.index}
    )
    return {
        "file": reading.source,
        "page": reading.page,
        **where,
        "text": string.text,
        "raw": string.raw or string.text,
        "confidence": round(string.confidence, 4) if string.digits else None,
        "box": [string.box.x, string.box.y, string.box.width, string.box.height],
        "needs_review": string.needs_review(min_confidence),
        "reason": list(string.review_reasons(min_confidence)),
        "skew": round(reading.skew, 2),
        "rotation": reading.rotation,
        "dpi": reading.dpi,
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
    def __init__(
        self, stream: IO[str], min_confidence: float, header: bool = True, layout: Layout = Layout()
    ) -> None:
        self.stream = stream
        self.writer = csv.writer(stream, lineterminator="\r\n")
        self.min_confidence = min_confidence
        self.layout = layout
        if header:
            self.writer.writerow(layout.columns)

    def write(self, readings: Iterable[PageReading]) -> None:
        for reading in readings:
            self.writer.writerows(self.layout.csv_rows(reading, self.min_confidence))
        self.stream.flush()


class JsonlWriter:
    def __init__(
        self, stream: IO[str], min_confidence: float, header: bool = True, layout: Layout = Layout()
    ) -> None:
        del header, layout  # JSON Lines has no header; each record names its field
        self.stream = stream
        self.min_confidence = min_confidence

    def write(self, readings: Iterable[PageReading]) -> None:
        for reading in readings:
            for string in reading.strings:
                self.stream.write(json.dumps(json_record(reading, string, self.min_confidence)) + "\n")
        self.stream.flush()


WRITERS = {"csv": CsvWriter, "jsonl": JsonlWriter}
JSONL_SUFFIXES = (".jsonl", ".ndjson")


def format_for(out_file: str | None, given: str | None) -> str:
    """The format to write: as given (`--format`), else as the output file's name says, JSON
    lines for `.jsonl` or `.ndjson` (`--out results.jsonl` wrote CSV into it, which `review`
    could not read), CSV for any other name and for stdout."""
    if given is not None:
        return given
    suffix = Path(out_file).suffix.lower() if out_file not in (None, "-") else ""
    return "jsonl" if suffix in JSONL_SUFFIXES else "csv"


# File names are written as the bytes they are: a name that is not UTF-8 keeps its bytes
# (Python's surrogate escapes), so the row names the file, and --resume matches it back.
NAME_ERRORS = "surrogateescape"


class OutputLock:
    """An exclusive lock on `.NAME.lock` beside an output, held while a run writes it: a
    second run on the same --out is refused at once instead of interleaving its rows."""

    def __init__(self, target: Path) -> None:
        self.path = target.with_name(f".{target.name}.lock")
        try:
            import fcntl
        except ImportError:  # not POSIX: no advisory locks to take
            fcntl = None
        while True:
            self.handle = self.path.open("a")
            if fcntl is None:
                return
            try:
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self.handle.close()
                raise UsageError(
                    f"{target}: another digitscan run is writing it; let it finish or choose another --out"
                ) from None
            # A run that finished unlinks its lock file: what was locked must still be the file
            # under that name, or a third run could hold a lock of its own at the same time.
            if self.path.exists() and os.fstat(self.handle.fileno()).st_ino == self.path.stat().st_ino:
                return
            self.handle.close()

    def release(self) -> None:
        if not self.handle.closed:
            self.path.unlink(missing_ok=True)
            self.handle.close()


class ResultFile:
    """Rows stream into a hidden `.NAME.part` beside the target, flushed file by file, with a
    journal (`.NAME.journal`: the format, then each file completed and the byte offset after it).

    `finish()` renames the part over the target, so a crash leaves the old result (or none)
    under its name, never a torn one. `resume=True` picks up a part left by a killed run (cut
    back to the last completed file, which repairs a torn last line) or, failing that,
    appends to a finished target, skipping the files already in it; either must be in the
    same format. A lock refuses a second run on the same target while this one writes.
    """

    def __init__(
        self,
        path: str,
        output_format: str,
        min_confidence: float,
        resume: bool = False,
        layout: Layout = Layout(),
    ) -> None:
        self.target = Path(path)
        self.layout = layout
        if self.target.is_dir():
            raise UsageError(f"{path}: is a folder; --out takes a file name")
        self.format = output_format
        self.part = self.target.with_name(f".{self.target.name}.part")
        self.journal_path = self.target.with_name(f".{self.target.name}.journal")
        self.done: dict[str, dict[str, object]] = {}
        try:
            self.lock = OutputLock(self.target)
        except OSError as exc:
            raise UsageError(f"{path}: cannot write here ({exc.strerror or exc})") from None
        offset = 0
        try:
            if resume:
                offset = self.recover()
            else:
                for stale in (self.part, self.journal_path):
                    stale.unlink(missing_ok=True)
            self.stream = self.part.open(
                "a" if offset else "w", encoding="utf-8", errors=NAME_ERRORS, newline=""
            )
            self.stream.truncate(offset)
            self.journal = self.journal_path.open("a" if offset else "w", encoding="utf-8")
            if not offset:
                self.journal.write(json.dumps({"format": output_format}) + "\n")
        except OSError as exc:
            self.lock.release()
            raise UsageError(f"{path}: cannot write here ({exc.strerror or exc})") from None
        except UsageError:
            self.lock.release()
            raise
        self.writer = WRITERS[output_format](self.stream, min_confidence, header=offset == 0, layout=layout)

    def key(self, source: str) -> str:
        """A file's name as this format writes it, so names read back from a finished result
        match the files on the command line exactly (CSV escapes formula-like names)."""
        return safe_cell(source) if self.format == "csv" else source

    def recover(self) -> int:
        """Files already complete and where their rows end; 0 when starting afresh."""
        if self.part.exists() and self.journal_path.exists():
            lines = self.journal_path.read_text(encoding="utf-8").splitlines()
            try:
                written_as = json.loads(lines[0])["format"] if lines else None
            except (json.JSONDecodeError, KeyError, TypeError):
                written_as = None
            self.check_format(written_as)
            offset, size = 0, self.part.stat().st_size
            for line in lines[1:]:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    break  # torn by the kill: that file is read again
                if int(entry["offset"]) > size:  # the machine went down before the disk had those rows:
                    break  # read again, not padded with zero bytes by truncate()
                self.done[self.key(entry["file"])] = entry
                offset = int(entry["offset"])
            with self.journal_path.open("w", encoding="utf-8") as journal:
                journal.write(json.dumps({"format": self.format}) + "\n")
                journal.writelines(json.dumps(e) + "\n" for e in self.done.values())
            return offset
        if self.target.exists():
            raw = self.target.read_bytes()
            text = raw.decode("utf-8", errors=NAME_ERRORS)
            if text.startswith("\ufeff"):
                raise UsageError(
                    f"{self.target}: saved again by another program (it starts with a byte-order mark, as"
                    " spreadsheets write), which may have changed its rows; cannot resume it: resume the"
                    " file digitscan wrote, or --overwrite to start afresh"
                )
            self.check_format(format_of(text, self.layout.columns))
            if raw and not raw.endswith(b"\n"):  # its last line end taken off (an editor): rows go below it
                raw += b"\r\n" if self.format == "csv" else b"\n"
            try:
                names = files_in(text, self.format)
            except ValueError as exc:
                raise UsageError(
                    f"{self.target}: {exc}; cannot resume it (mend that line, or --overwrite to start afresh)"
                ) from None
            self.part.write_bytes(raw)
            with self.journal_path.open("w", encoding="utf-8") as journal:
                journal.write(json.dumps({"format": self.format}) + "\n")
                for name in names:
                    entry = {"file": name, "offset": len(raw), "error": None, "page": None}
                    self.done[name] = entry
                    journal.write(json.dumps(entry) + "\n")
            return len(raw)
        return 0

    def check_format(self, written_as: str | None) -> None:
        if written_as == self.format:
            return
        if written_as is None:
            raise UsageError(
                f"{self.target}: not a result of this digitscan version (other columns); cannot resume it"
            )
        raise UsageError(
            f"{self.target}: holds {written_as} rows; rerun with --format {written_as} to resume it"
        )

    def is_done(self, source: str) -> bool:
        return self.key(source) in self.done

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
        self.done[self.key(result.source)] = entry
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
        self.lock.release()


def format_of(text: str, columns: tuple[str, ...] = CSV_COLUMNS) -> str | None:
    """csv or jsonl, from a finished result's first line; None when it is neither of ours (or
    a CSV with other `columns` than this run writes)."""
    first = text.lstrip().split("\n", 1)[0].rstrip("\r")
    if first.startswith("{"):
        return "jsonl"
    return "csv" if first == ",".join(columns) else None


def files_in(text: str, output_format: str) -> list[str]:
    """The source files named in a finished result, as written (CSV's file column, or JSONL's).
    Raises ValueError naming the first line that is no whole row: rows resumed below a torn
    one would be read as part of it."""
    names = []
    if output_format == "jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number} is not JSON ({exc.msg})") from None
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
                raise ValueError(f"line {number} names no file")
            names.append(entry["file"])
        return names
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)  # names may hold newlines, quoted
    width = None
    while True:
        line = rows.line_num + 1  # where the next row starts: a quoted name may span lines
        try:
            row = next(rows, None)
        except csv.Error as exc:
            raise ValueError(f"line {line}: {exc}") from None
        if row is None:
            return names
        if width is None:
            width = len(row)
        elif row and len(row) != width:
            raise ValueError(f"line {line} has {len(row)} cells, not {width}")
        elif row:
            names.append(row[0])


def same_file_key(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino


def refuse_inputs_as_outputs(outputs: dict[str, Path], inputs: Iterable[str], folders: Iterable[str]) -> None:
    """No output may be an input file (the same file by any name or link), and no output
    folder may lie inside an input folder (its pictures would be read as forms next time)."""
    input_files = {key for name in inputs if (key := same_file_key(Path(name))) is not None}
    input_folders = [Path(folder).resolve() for folder in folders]
    for option, path in outputs.items():
        if same_file_key(path) in input_files:
            raise UsageError(f"{path}: is one of the input files; {option} never overwrites an input")
        if option in ("--annotate", "--crops"):
            resolved = path.resolve()
            if any(resolved == folder or folder in resolved.parents for folder in input_folders):
                raise UsageError(f"{path}: is inside an input folder; give {option} a folder of its own")


def check_writable_file(option: str, path: Path) -> None:
    """Refuse an output file that cannot be written, before any page is read."""
    if path.is_dir():
        raise UsageError(f"{path}: is a folder; {option} takes a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"{path}: cannot write here (no folder {folder})")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UsageError(f"{path}: cannot write here (permission denied)")


def refuse_replacing_files(
    paths: Iterable[Path], option: str, way_out: str = "--overwrite replaces it"
) -> None:
    """Refuse files that exist: what `option` would write over is the user's."""
    for path in paths:
        if path.exists():
            raise UsageError(f"{path}: exists; {option} never replaces it unasked: {way_out}")


def refuse_filled_folder(folder: Path) -> None:
    """Refuse a folder that holds anything: files written into it would replace the user's."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder}: holds files already; choose a new folder, or --overwrite to write in it")


def check_writable_folder(option: str, folder: Path) -> None:
    """Create an output folder, or refuse it, before any page is read."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{folder}: cannot create {option} folder ({exc.strerror or exc})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{folder}: cannot write in this {option} folder (permission denied)")


def write_errors(path: Path, failures: list[tuple[str, str, str]]) -> None:
    """The failed files as CSV (file, page, error), written whole or not at all."""
    part = path.with_name(f".{path.name}.part")
    try:
        with part.open("w", encoding="utf-8", errors=NAME_ERRORS, newline="") as stream:
            writer = csv.writer(stream, lineterminator="\r\n")
            writer.writerow(["file", "page", "error"])
            for name, page, message in failures:
                writer.writerow([safe_cell(name), page, safe_cell(message)])
        os.replace(part, path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write here ({exc.strerror or exc})") from None
