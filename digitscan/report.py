"""Rich tables and panels for people: evaluation results and run summaries."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from digitscan.calibration import SourceCalibration
from digitscan.containers import FileResult
from digitscan.evaluate import FormScore, MnistScore, PairScore, TradeoffPoint


def mnist_tables(score: MnistScore, nondigits_rejected: float, nondigits: int) -> list[Table]:
    summary = Table(title="MNIST test split", show_header=False)
    summary.add_row("digits scored", f"{score.n:,}")
    summary.add_row("accuracy", f"{score.accuracy:.2%}")
    summary.add_row("digits wrongly rejected", f"{score.rejected:.2%}")
    summary.add_row(f"generated non-digits rejected (of {nondigits:,})", f"{nondigits_rejected:.2%}")

    per_class = Table(title="Per-class accuracy")
    for digit in range(10):
        per_class.add_column(str(digit), justify="right")
    per_class.add_row(*(f"{acc:.1%}" for acc in score.per_class))

    confusion = Table(title="Confusion matrix (rows: truth, columns: prediction)")
    confusion.add_column("", style="bold")
    for name in [*map(str, range(10)), "rej"]:
        confusion.add_column(name, justify="right")
    for digit, row in enumerate(score.confusion):
        confusion.add_row(
            str(digit),
            *(f"[bold]{v}[/]" if i == digit else (str(v) if v else ".") for i, v in enumerate(row)),
        )
    return [summary, per_class, confusion]


def pair_table(score: PairScore, confident: float, digits: str = "MNIST test digits") -> Table:
    table = Table(title=f"Pair reader on held-out touching pairs of {digits}", show_header=False)
    table.add_row("pairs scored", f"{score.pairs:,}")
    table.add_row("read as the right pair", f"{score.accuracy:.2%}")
    table.add_row(f"accepted (a pair at >= {confident:.2f})", f"{score.accepted:.2%}")
    table.add_row("right, of those accepted", f"{score.accepted_right:.2%}")
    no_pairs = f"no pairs (single digits, triples, marks) accepted, of {score.not_pairs:,}"
    table.add_row(no_pairs, f"{score.not_pairs_accepted:.2%}")
    return table


def form_table(score: FormScore) -> Table:
    table = Table(title="Form fields against truth", show_header=False)
    table.add_row("fields", f"{score.fields:,} on {score.pages} pages")
    table.add_row("field exact match", f"{score.exact:.2%}")
    table.add_row("digit accuracy (1 - CER)", f"{score.digit_accuracy:.2%}")
    table.add_row("missed fields", str(score.missed))
    per_page = f"{score.spurious_per_page:.2f} per page"
    spurious = f"{score.spurious} ({per_page}, {score.spurious_accepted} not flagged)"
    table.add_row("spurious strings", spurious)
    table.add_row("fields accepted (not flagged)", f"{score.accepted:.2%}")
    table.add_row("wrong among accepted", f"{score.wrong_among_accepted:.2%}")
    return table


def calibration_table(report: list[SourceCalibration], temperature: float) -> Table:
    table = Table(title=f"Calibration on validation crops (temperature {temperature:.3f})")
    for column in ("source", "crops", "NLL before", "NLL after", "ECE before", "ECE after"):
        table.add_column(column, justify="right")
    for r in report:
        table.add_row(
            r.name,
            f"{r.crops:,}",
            f"{r.nll_before:.4f}",
            f"{r.nll_after:.4f}",
            f"{r.ece_before:.2%}",
            f"{r.ece_after:.2%}",
        )
    return table


def tradeoff_table(points: list[TradeoffPoint], current: float) -> Table:
    table = Table(title="The review trade-off over --min-confidence")
    for column in ("threshold", "accepted", "wrong among accepted", "misread flagged", "right flagged"):
        table.add_column(column, justify="right")
    for p in points:
        mark = " (default)" if abs(p.threshold - current) < 1e-9 else ""
        table.add_row(
            f"{p.threshold:g}{mark}",
            f"{p.accepted:.2%}",
            f"{p.wrong_among_accepted:.2%}",
            f"{p.wrong_flagged:.1%}",
            f"{p.right_flagged:.1%}",
        )
    return table


SHOWN_EMPTY = 3  # pages with no string named in the summary


@dataclass
class RunTally:
    files: int = 0
    pages: int = 0
    strings: int = 0
    digits: int = 0
    needs_review: int = 0
    errors: int = 0
    skipped: int = 0
    repeated: int = 0  # names of a file given already: read once
    reasons: Counter[str] = field(default_factory=Counter)  # why strings need review
    no_string: int = 0  # pages on which nothing was read
    no_string_named: list[str] = field(default_factory=list)  # the first SHOWN_EMPTY of them

    def add(self, result: FileResult, min_confidence: float) -> None:
        self.files += 1
        self.pages += len(result.pages)
        for reading in result.pages:
            if not reading.strings:
                self.no_string += 1
                if len(self.no_string_named) < SHOWN_EMPTY:
                    self.no_string_named.append(
                        reading.source + (f" page {reading.page}" if reading.page > 1 else "")
                    )
            self.strings += len(reading.strings)
            self.digits += sum(len(s.digits) for s in reading.strings)
            for string in reading.strings:
                reasons = string.review_reasons(min_confidence)
                self.needs_review += bool(reasons)
                self.reasons.update(reasons)


def shown_name(name: str) -> str:
    """A file's name as a terminal should show it: what it would act on (a newline, a name's
    undecodable bytes) written as escapes."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name)


def pages_line(tally: RunTally) -> str:
    """How many pages, and those on which nothing was read (a blank back, or a field image
    whose number was missed: no row says so)."""
    if not tally.no_string:
        return f"{tally.pages:,}"
    named = ", ".join(map(shown_name, tally.no_string_named))
    named += ", ..." if tally.no_string > SHOWN_EMPTY else ""
    return f"{tally.pages:,} ({tally.no_string:,} with no string: {named})"


def needs_review_line(tally: RunTally) -> str:
    """How many strings need review, and why: each reason with its count, commonest first (a
    string may have several)."""
    why = ", ".join(f"{reason} {count:,}" for reason, count in tally.reasons.most_common())
    return f"{tally.needs_review:,}" + (f" ({why})" if why else "")


def files_passed_over(tally: RunTally) -> str:
    """What the batch did not read: files of other kinds, and names of a file already read."""
    notes = [f"{tally.skipped:,} other files skipped"] * bool(tally.skipped)
    notes += [f"{tally.repeated:,} named again, read once"] * bool(tally.repeated)
    return f" ({'; '.join(notes)})" if notes else ""


def summary_panel(tally: RunTally, seconds: float) -> Panel:
    table = Table.grid(padding=(0, 2))
    rate = tally.pages / seconds if seconds > 0 else 0.0
    rows = [
        (
            "files",
            f"{tally.files:,}" + files_passed_over(tally),
        ),
        ("pages", pages_line(tally)),
        ("strings", f"{tally.strings:,}"),
        ("digits", f"{tally.digits:,}"),
        ("needs review", needs_review_line(tally)),
        ("errors", Text(f"{tally.errors:,}", style="red" if tally.errors else "")),
        ("elapsed", f"{seconds:.1f} s ({rate:.2f} pages/s)"),
    ]
    for name, value in rows:  # values as plain text: a file's name may hold brackets (`scans[`)
        table.add_row(Text(name, style="bold"), Text(value) if isinstance(value, str) else value)
    return Panel(table, title="digitscan run", expand=False)


class FileProgress:
    """A progress bar over files on `console` (pages counted as they come); a no-op when disabled."""

    def __init__(self, enabled: bool, console: Console) -> None:
        self.progress = None
        if enabled:
            self.progress = Progress(
                TextColumn("[bold]reading"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("files"),
                TextColumn("{task.fields[pages]} pages, {task.fields[rate]:.1f} pages/s"),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
        self.pages = 0
        self.started = time.perf_counter()
        self.task = None

    def __enter__(self) -> FileProgress:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def start(self, files: int) -> None:
        self.started = time.perf_counter()
        if self.progress is not None:
            self.task = self.progress.add_task("reading", total=files, pages=0, rate=0.0)

    def pages_read(self, pages: int) -> None:
        """Pages read, as they come (a long PDF's runs before its file is done)."""
        self.pages += pages
        if self.progress is not None and self.task is not None:
            rate = self.pages / max(1e-6, time.perf_counter() - self.started)
            self.progress.update(self.task, pages=self.pages, rate=rate)

    def file_done(self) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, advance=1)
