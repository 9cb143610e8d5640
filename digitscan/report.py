"""Rich tables for people: evaluation results."""

from __future__ import annotations

from rich.table import Table

from digitscan.evaluate import MnistScore


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
