"""The review station's records and its SQLite store of corrections.

A results file (`digitscan run --format jsonl`) is read once; its flagged records are the
items to review, numbered by their line. Corrections live in `RESULTS.review.sqlite` beside
it (WAL mode: a kill loses nothing committed), each written before the reviewer moves on.
Several reviewers share the store: an item handed to one is leased to them for LEASE_SECONDS,
so no two get it at once, and every save names the version it saw, so none overwrites another.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from digitscan.errors import InputFileError, UsageError

LEASE_SECONDS = 120.0
ALLOWED_TEXT = re.compile(r"^[0-9?]*$")  # digits, and ? for a mark no one can read
RECORD_KEYS = ("file", "page", "text", "box", "needs_review", "reason", "digits")


@dataclass(frozen=True)
class Record:
    """One line of the results: a string (or a template's field) as `run` wrote it."""

    line: int  # 1-based line of the results file: the item's id
    data: dict

    @property
    def file(self) -> str:
        return str(self.data["file"])

    @property
    def page(self) -> int:
        return int(self.data["page"])

    @property
    def box(self) -> tuple[int, int, int, int]:
        x, y, w, h = (int(v) for v in self.data["box"])
        return x, y, w, h

    @property
    def label(self) -> str:
        """Where the string is: its field's name, or its place on the page."""
        if self.data.get("field"):
            return f"field {self.data['field']}"
        return f"string {self.data.get('index', '?')}"


@dataclass(frozen=True)
class Results:
    """A JSONL results file as read once: its records, and the digest of the bytes they came
    from (a review store belongs to one version of the file)."""

    records: tuple[Record, ...]
    sha256: str


def is_whole(value: object, least: float = -math.inf) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_box(value: object) -> bool:
    """x, y, width and height in whole pixels, as `run` writes a box (a template's field may
    reach past the page's top or left edge; no size is negative)."""
    return (
        isinstance(value, list) and len(value) == 4 and all(is_whole(v) for v in value)
        and value[2] >= 0 and value[3] >= 0
    )  # fmt: skip


def box_on_page(box: tuple[int, int, int, int], shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """The part of a record's box on the page, or None where it misses the page: the box
    came from another version of the file, or a hand-edited results file."""
    x, y, w, h = box
    left, top = max(0, x), max(0, y)
    right, bottom = min(shape[1], x + w), min(shape[0], y + h)
    if right <= left or bottom <= top:
        return None
    return left, top, right - left, bottom - top


def record_problem(data: dict) -> str | None:
    """What keeps a record from being shown, corrected or exported, or None. `run` writes each
    key with one type; a results file edited by hand (or by a script) may not, and the station
    would otherwise fail on it in the middle of a review."""
    if not isinstance(data["file"], str):
        return "its file is not a name"
    if not is_whole(data["page"], least=1):
        return "its page is not a page number"
    if not isinstance(data["text"], str):
        return "its text is not a string"
    if not is_box(data["box"]):
        return "its box is not four whole numbers of pixels"
    if not isinstance(data["needs_review"], bool):
        return "needs_review is not true or false"
    if not isinstance(data["reason"], list) or not all(isinstance(r, str) for r in data["reason"]):
        return "its reason is not a list of words"
    dpi = data.get("dpi")
    if dpi is not None and not (is_number(dpi) and dpi > 0):
        return "its dpi is not a positive number"
    digits = data["digits"]
    if not isinstance(digits, list) or not all(
        isinstance(d, dict) and is_box(d.get("box")) and isinstance(d.get("label"), str)
        and is_number(d.get("confidence"))
        for d in digits
    ):  # fmt: skip
        return "its digits are not boxes with a label and a confidence each"
    return None


def read_results(path: Path) -> Results:
    """Every record of a JSONL results file; a malformed or truncated line is an error naming it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such results file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if raw and not raw.endswith(b"\n"):
        raise InputFileError(path, "truncated: the last line has no end (was the run killed? --resume it)")
    records = []
    for number, line in enumerate(raw.decode("utf-8", errors="surrogateescape").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFileError(
                path, f"line {number} is not JSON ({exc.msg}); a results file of `run --format jsonl`?"
            ) from None
        if not isinstance(data, dict) or any(key not in data for key in RECORD_KEYS):
            raise InputFileError(
                path, f"line {number} is not a digitscan result (needs {', '.join(RECORD_KEYS)})"
            )
        problem = record_problem(data)
        if problem:
            raise InputFileError(path, f"line {number} is not a digitscan result: {problem}")
        records.append(Record(number, data))
    if not records:
        raise InputFileError(path, "holds no results")
    return Results(tuple(records), hashlib.sha256(raw).hexdigest())


@dataclass(frozen=True)
class Item:
    """A flagged record and where its review stands."""

    record: Record
    status: str  # pending, corrected, accepted
    text: str  # as corrected, or as read
    version: int


class ReviewStore:
    def __init__(self, path: Path, results: Results) -> None:
        """The store beside the results file at `path`, for the `results` read from it."""
        self.path = path.with_name(path.name + ".review.sqlite")
        self.records = {r.line: r for r in results.records}
        self.flagged = [r.line for r in results.records if r.data.get("needs_review")]
        self.flagged_lines = set(self.flagged)
        digest = results.sha256
        self.db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a correction acknowledged is on disk
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS items (
                line INTEGER PRIMARY KEY, status TEXT NOT NULL DEFAULT 'pending', text TEXT,
                reviewer TEXT, saved REAL, version INTEGER NOT NULL DEFAULT 0,
                lease_owner TEXT, lease_until REAL NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS skips (reviewer TEXT, line INTEGER, PRIMARY KEY (reviewer, line));
            """
        )
        known = self.db.execute("SELECT value FROM meta WHERE key = 'results_sha256'").fetchone()
        if known and known[0] != digest:
            raise UsageError(
                f"{self.path}: holds corrections of another version of {path.name}; "
                "move it away to start afresh, or review the results it was made for"
            )
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('results_sha256', ?)", (digest,))
            self.db.executemany("INSERT OR IGNORE INTO items (line) VALUES (?)", [(n,) for n in self.flagged])

    def close(self) -> None:
        self.db.close()

    def item(self, line: int) -> Item:
        status, text, version = self.db.execute(
            "SELECT status, text, version FROM items WHERE line = ?", (line,)
        ).fetchone()
        record = self.records[line]
        return Item(record, status, text if text is not None else str(record.data["text"]), version)

    def progress(self) -> tuple[int, int]:
        done = self.db.execute("SELECT COUNT(*) FROM items WHERE status != 'pending'").fetchone()[0]
        return done, len(self.flagged)

    def lease(self, line: int, reviewer: str, now: float | None = None) -> bool:
        """Hand `line` to `reviewer` unless another holds it; renew their own lease."""
        now = time.time() if now is None else now
        cursor = self.db.execute(
            "UPDATE items SET lease_owner = ?, lease_until = ? WHERE line = ? "
            "AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
            (reviewer, now + LEASE_SECONDS, line, reviewer, now),
        )
        return cursor.rowcount == 1

    def next_for(self, reviewer: str, after: int = 0, now: float | None = None) -> Item | None:
        """The first pending item after `after` that no one else holds and this reviewer has not
        skipped (from the start again once the end is reached; what they skipped once nothing
        else is left), leased to them."""
        now = time.time() if now is None else now
        for start in (after, 0, -1):
            if start < 0:  # all that is left was skipped by this reviewer: it comes round again
                with self.db:
                    self.db.execute("DELETE FROM skips WHERE reviewer = ?", (reviewer,))
                start = 0
            rows = self.db.execute(
                "SELECT line FROM items WHERE status = 'pending' AND line > ? "
                "AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?) "
                "AND line NOT IN (SELECT line FROM skips WHERE reviewer = ?) ORDER BY line",
                (start, reviewer, now, reviewer),
            ).fetchall()
            for (line,) in rows:
                if self.lease(line, reviewer, now):
                    return self.item(line)
        return None

    def next_pending_after(self, line: int) -> Record | None:
        """The pending item after `line`, whoever gets it: its page can be decoded meanwhile."""
        row = self.db.execute(
            "SELECT line FROM items WHERE status = 'pending' AND line > ? ORDER BY line LIMIT 1", (line,)
        ).fetchone()
        return self.records[row[0]] if row else None

    def skip(self, line: int, reviewer: str) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO skips VALUES (?, ?)", (reviewer, line))
            self.db.execute(
                "UPDATE items SET lease_owner = NULL, lease_until = 0 WHERE line = ? AND lease_owner = ?",
                (line, reviewer),
            )

    def save(self, line: int, reviewer: str, text: str, version: int, accepted: bool) -> Item:
        """Record a correction (or `accepted`: the text as read is right). Raises `Conflict` when
        another reviewer holds the item or saved it since `version` was read."""
        if not ALLOWED_TEXT.match(text):
            raise ValueError("only digits, and ? for an illegible mark")
        now = time.time()
        cursor = self.db.execute(
            "UPDATE items SET status = ?, text = ?, reviewer = ?, saved = ?, version = version + 1, "
            "lease_owner = NULL, lease_until = 0 WHERE line = ? AND version = ? "
            "AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
            ("accepted" if accepted else "corrected", text, reviewer, now, line, version, reviewer, now),
        )
        if cursor.rowcount != 1:
            raise Conflict("another reviewer has this string, or saved it meanwhile")
        self.db.execute("DELETE FROM skips WHERE line = ?", (line,))
        return self.item(line)

    def reviewed(self) -> dict[int, str]:
        """Every reviewed line and its final text."""
        return dict(self.db.execute("SELECT line, text FROM items WHERE status != 'pending'").fetchall())


class Conflict(Exception):
    """A save that would overwrite another reviewer's work, or take their item."""
