"""The `digitscan` command: parses arguments, calls the library, maps errors to exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from digitscan import __version__
from digitscan.errors import DigitscanError, ExitCode

app = typer.Typer(
    help="Read handwritten digits off scanned forms into CSV.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
out = Console()


def fail(error: DigitscanError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {error}", highlight=False)
    return typer.Exit(int(error.exit_code))


def show_version(value: bool) -> None:
    if value:
        print(f"digitscan {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=show_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Read handwritten digits off scanned forms into CSV."""


DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="MNIST: a folder with the four IDX .gz files or a Keras .npz. Default: download via Keras.",
    ),
]


@app.command()
def train(
    out_file: Annotated[Path, typer.Option("--out", help="Model file to write (.keras; .tflite beside it).")],
    data: DataOption = None,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the augmented training set.")] = 15,
    seed: Annotated[int, typer.Option(help="Random seed for weights, augmentation and non-digits.")] = 0,
    batch_size: Annotated[int, typer.Option(min=1)] = 128,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Use only the first N training images (quick runs).")
    ] = None,
) -> None:
    """Train the CNN on augmented MNIST plus generated non-digits; write Keras and LiteRT models."""
    from digitscan.data import load_mnist, subset
    from digitscan.training.train import EpochReport
    from digitscan.training.train import train as run_training

    def report(epoch: EpochReport) -> None:
        err.print(
            f"epoch {epoch.epoch}/{epoch.epochs}  loss {epoch.loss:.4f}  "
            f"train acc {epoch.train_accuracy:.4f}  MNIST test acc {epoch.test_accuracy:.4f}  "
            f"{epoch.seconds:.0f}s",
            highlight=False,
        )

    try:
        mnist = subset(load_mnist(data), limit)
        result = run_training(mnist, epochs, out_file, seed=seed, batch_size=batch_size, on_epoch=report)
    except DigitscanError as error:
        raise fail(error) from None
    err.print(
        f"wrote {result.keras_path} and {result.litert_path} "
        f"({result.parameters:,} parameters, {result.seconds:.0f}s)",
        highlight=False,
    )


ModelOption = Annotated[
    Path | None, typer.Option("--model", help="A .tflite or .keras model. Default: the shipped model.")
]


@app.command()
def evaluate(
    data: DataOption = None,
    model: ModelOption = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Score only the first N test images.")] = None,
    nondigits: Annotated[
        int, typer.Option(min=0, help="Generated non-digits to measure rejection on.")
    ] = 2000,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object to stdout.")] = False,
) -> None:
    """Score a model on the MNIST test split and on generated non-digits."""
    import json

    import numpy as np

    from digitscan.classify import load_classifier
    from digitscan.data import load_mnist
    from digitscan.evaluate import rejection_rate, score_mnist
    from digitscan.report import mnist_tables
    from digitscan.training.nondigits import generate_nondigits

    try:
        mnist = load_mnist(data)
        classifier = load_classifier(model)
    except DigitscanError as error:
        raise fail(error) from None
    images, labels = mnist.x_test[:limit], mnist.y_test[:limit]
    score = score_mnist(classifier, images, labels)
    # Held out: a seed training never uses, and fragments of test digits, not training digits.
    crops = generate_nondigits(nondigits, np.random.default_rng(2**31 - 1), mnist.x_test, mnist.y_test)
    result = {
        **score.as_dict(),
        "nondigits": nondigits,
        "nondigits_rejected": rejection_rate(classifier, crops),
    }
    if json_output:
        print(json.dumps(result))
        return
    for table in mnist_tables(score, result["nondigits_rejected"], nondigits):
        out.print(table)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(int(ExitCode.INTERRUPTED))
