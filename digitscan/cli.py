"""The `digitscan` command: parses arguments, calls the library, maps errors to exit codes."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from digitscan import __version__
from digitscan.cpus import usable_cpus
from digitscan.defaults import DEFAULT_MAX_PIXELS, DEFAULT_MIN_CONFIDENCE
from digitscan.errors import (
    DigitscanError,
    ExitCode,
    PageRefused,
    UsageError,
    needs_tensorflow,
)
from digitscan.memory import reuse_page_buffers

# TensorFlow's C++ INFO and WARNING lines (CPU features, per-op notices) off the terminal of
# the commands that load it (train, samples without --data): digitscan speaks to its users
# through its own messages. Its errors still show, and so do the few lines it writes before
# its logging is set up ("Could not find cuda drivers"); a user's own setting stands.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

app = typer.Typer(
    help="Read handwritten digits off scanned forms into CSV.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Markdown, not rich markup: a docstring's lines join into one paragraph (rich kept each
    # line break, ragged in the commands list), and `digitscan[ray]` is text, not a style tag.
    rich_markup_mode="markdown",
)
err = Console(stderr=True, soft_wrap=True)  # one error, one line, whatever the width
out = Console()


def fail(error: DigitscanError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
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
    extra: Annotated[
        Path | None,
        typer.Option(help="A `run --crops` folder whose index.csv labels you corrected: added, oversampled."),
    ] = None,
    base_model: Annotated[
        Path | None, typer.Option(help="Fine-tune this .keras model instead of starting from scratch.")
    ] = None,
    pairs: Annotated[
        bool, typer.Option("--pairs", help="Train the touching-pair reader instead of the digit classifier.")
    ] = False,
    pairs_per_epoch: Annotated[
        int,
        typer.Option(
            "--per-epoch",
            "--pairs-per-epoch",
            min=1,
            help="Pairs (--pairs) or strings (--lines) made each epoch.",
        ),
    ] = 100_000,
    lines: Annotated[
        bool,
        typer.Option(
            "--lines",
            help="Train the string reader (CTC over whole strings); needs --real. Its real amounts "
            "are cut as the shipped classifier and pair reader read them: retrain those first.",
        ),
    ] = False,
    real: Annotated[
        Path | None,
        typer.Option(
            help="A datasets folder with usps/, optdigits/ and orand-car-a/ (../shared/datasets): "
            "their training parts are added, their validation parts scored each epoch."
        ),
    ] = None,
    stage_pages: Annotated[
        int,
        typer.Option(
            min=0,
            help="Also train on crops as the page stage cuts them: from N generated pages per "
            "source and from ORAND-CAR-A's training amounts (the classifier; needs --real).",
        ),
    ] = 0,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace a model file that exists (else refused, before training)."),
    ] = False,
) -> None:
    """Train the digit classifier on augmented MNIST (with --real, real handwriting too) and
    generated non-digits; with --pairs the touching-pair reader, with --lines the string
    reader. Writes a Keras model and its LiteRT export."""
    try:
        import tensorflow  # noqa: F401  (training imports it anyway)
    except ImportError:
        raise fail(needs_tensorflow("digitscan train")) from None
    from digitscan.data import load_mnist, subset
    from digitscan.sources import load_sources
    from digitscan.training.train import EpochReport, train_lines, train_pairs
    from digitscan.training.train import train as run_training

    def report(epoch: EpochReport) -> None:
        held_out = "  ".join(f"{name} {value:.4f}" for name, value in epoch.held_out.items())
        err.print(
            f"epoch {epoch.epoch}/{epoch.epochs}  loss {epoch.loss:.4f}  "
            f"train acc {epoch.train_accuracy:.4f}  {held_out}  {epoch.seconds:.0f}s",
            highlight=False,
            markup=False,
        )

    from digitscan.inspect import read_corrected_crops
    from digitscan.output import refuse_replacing_files
    from digitscan.training.stage_crops import stage_training_crops
    from digitscan.training.train import oversampled

    if (pairs or lines) and (extra or base_model):
        raise fail(
            UsageError("--extra and --base-model are for the digit classifier, not --pairs or --lines")
        )
    if lines and real is None:
        raise fail(UsageError("--lines trains on ORAND-CAR-A's amounts too: give --real DATASETS"))
    if stage_pages and (real is None or pairs or lines):
        raise fail(UsageError("--stage-pages is for the digit classifier and needs --real DATASETS"))
    try:
        if not overwrite:
            refuse_replacing_files([out_file.with_suffix(".keras"), out_file.with_suffix(".tflite")], "--out")
        mnist = subset(load_mnist(data), limit)
        sources = load_sources(real) if real and not lines else None  # train_lines loads its own
        if lines:
            result = train_lines(
                mnist,
                epochs,
                out_file,
                real,
                seed=seed,
                batch_size=batch_size,
                per_epoch=pairs_per_epoch,
                on_epoch=report,
            )
        elif pairs:
            result = train_pairs(
                mnist,
                epochs,
                out_file,
                seed=seed,
                batch_size=batch_size,
                per_epoch=pairs_per_epoch,
                on_epoch=report,
                real=sources,
            )
        else:
            extra_crops = oversampled(*read_corrected_crops(extra), len(mnist.x_train)) if extra else None
            stage = (
                stage_training_crops((mnist.x_train, mnist.y_train), sources, real, stage_pages, seed)
                if stage_pages
                else None
            )
            result = run_training(
                mnist,
                epochs,
                out_file,
                seed=seed,
                batch_size=batch_size,
                extra=extra_crops,
                base_model=base_model,
                on_epoch=report,
                real=sources,
                stage=stage,
            )
    except DigitscanError as error:
        raise fail(error) from None
    err.print(
        f"wrote {result.keras_path} and {result.litert_path} "
        f"({result.parameters:,} parameters, {result.seconds:.0f}s)",
        highlight=False,
        markup=False,
    )


@app.command()
def calibrate(
    real: Annotated[
        Path,
        typer.Option(help="A datasets folder with usps/, optdigits/ and orand-car-a/ (../shared/datasets)."),
    ],
    model: Annotated[
        Path | None, typer.Option("--model", help="The model to calibrate. Default: the shipped classifier.")
    ] = None,
) -> None:
    """Fit the temperature that makes the classifier's confidence mean what it says, on the
    sources' validation parts; write it beside the model (NAME.calibration.json)."""
    from digitscan.calibration import calibrate_classifier
    from digitscan.classify import default_model_path, load_classifier
    from digitscan.report import calibration_table
    from digitscan.sources import load_sources

    try:
        path = model or default_model_path()
        calibration, report = calibrate_classifier(load_classifier(path), load_sources(real))
        written = calibration.save(path)
    except DigitscanError as error:
        raise fail(error) from None
    except OSError as error:
        raise fail(
            UsageError(f"{error.filename or path}: cannot write ({error.strerror or error})")
        ) from None
    out.print(calibration_table(report, calibration.temperature))
    err.print(f"wrote {written} (temperature {calibration.temperature:.3f})", highlight=False, markup=False)


def score_run(
    truth: Path, results: Path, json_output: bool, plot: Path | None, min_confidence: float
) -> None:
    import json

    from digitscan.evaluate import (
        TRADEOFF_THRESHOLDS,
        plot_tradeoff,
        read_fields,
        read_truth,
        review_tradeoff,
        score_forms,
    )
    from digitscan.output import refuse_replacing_files
    from digitscan.report import form_table, tradeoff_table

    thresholds = sorted({*TRADEOFF_THRESHOLDS, min_confidence})
    try:
        refuse_replacing_files([plot] if plot else [], "--plot", "choose another name")
        truth_fields, result_fields = read_truth(truth), read_fields(results)
        score = score_forms(truth_fields, result_fields)
        points = review_tradeoff(truth_fields, result_fields, thresholds)
        if plot is not None:
            plot_tradeoff(points, min_confidence, plot)
    except DigitscanError as error:
        raise fail(error) from None
    if json_output:
        print(json.dumps({**score.as_dict(), "tradeoff": [p.__dict__ for p in points]}))
    else:
        out.print(form_table(score))
        out.print(tradeoff_table(points, min_confidence))


def score_pair_reader(
    data: Path | None, model: Path | None, count: int, json_output: bool, real: Path | None
) -> None:
    import json

    import numpy as np

    from digitscan.classify import PAIR_MODEL_NAME, load_classifier, shipped_model_path
    from digitscan.data import load_mnist
    from digitscan.evaluate import score_pairs
    from digitscan.report import pair_table
    from digitscan.sources import load_sources, split
    from digitscan.touching import PAIR_CONFIDENT
    from digitscan.training.pairs import held_out_pairs

    try:
        if real is not None:  # other writers: the real sources' validation digits
            parts = [split(source)[1] for source in load_sources(real)]
            images = np.concatenate([part.images for part in parts])
            labels = np.concatenate([part.labels for part in parts])
            title = "the real sources' validation digits"
        else:
            mnist = load_mnist(data)
            images, labels, title = mnist.x_test, mnist.y_test, "MNIST test digits"
        path = model or shipped_model_path(PAIR_MODEL_NAME)
        if path is None:
            raise UsageError("no shipped pair reader; pass --model PAIRS.tflite")
        reader = load_classifier(path)
    except DigitscanError as error:
        raise fail(error) from None
    score = score_pairs(reader, *held_out_pairs(images, labels, count), PAIR_CONFIDENT)
    if json_output:
        print(json.dumps(score.as_dict()))
    else:
        out.print(pair_table(score, PAIR_CONFIDENT, title))


ModelOption = Annotated[
    Path | None, typer.Option("--model", help="A .tflite or .keras model. Default: the shipped model.")
]


@app.command()
def evaluate(
    data: DataOption = None,
    model: ModelOption = None,
    limit: Annotated[
        int | None,
        typer.Option(min=1, help="Score only the first N test images (--pairs: N crops, default 10,000)."),
    ] = None,
    nondigits: Annotated[
        int, typer.Option(min=0, help="Generated non-digits to measure rejection on.")
    ] = 2000,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object to stdout.")] = False,
    truth: Annotated[
        Path | None, typer.Option("--truth", help="Score a run's results against this truth CSV instead.")
    ] = None,
    results: Annotated[
        Path | None, typer.Argument(help="The results of `digitscan run`, CSV or JSONL (with --truth).")
    ] = None,
    pairs: Annotated[
        bool,
        typer.Option("--pairs", help="Score the touching-pair reader (or --model) on held-out MNIST pairs."),
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="With --truth: draw wrong-among-accepted against share accepted over thresholds (PNG)."
        ),
    ] = None,
    min_confidence: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="With --truth: the threshold marked as the default.")
    ] = DEFAULT_MIN_CONFIDENCE,
    real: Annotated[
        Path | None,
        typer.Option(help="With --pairs: pairs of the real sources' validation digits (../shared/datasets)."),
    ] = None,
) -> None:
    """Score a model on MNIST and generated non-digits, or (--truth) a run's results (CSV or
    JSONL) against form truth."""
    import json

    import numpy as np

    if truth is not None or results is not None:
        if truth is None or results is None:
            raise fail(UsageError("form scoring needs both --truth TRUTH.csv and a RESULTS.csv"))
        score_run(truth, results, json_output, plot, min_confidence)
        return
    if pairs:
        score_pair_reader(data, model, limit or 10_000, json_output, real)
        return

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


PairsOption = Annotated[
    bool,
    typer.Option(
        "--pairs/--no-pairs",
        help="Read touching digits whole (the shipped pair reader) where that beats every cut.",
    ),
]


LinesOption = Annotated[
    bool,
    typer.Option(
        "--lines/--no-lines",
        help="Also read each string whole (the shipped string reader); disagreements are flagged.",
    ),
]


TemplateOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--template",
        help="A form template (TOML): only its fields are read, by name. Repeat it: each page "
        "goes to the template it matches best.",
    ),
]


class EngineName(str, Enum):
    local = "local"
    ray = "ray"


class Format(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


@app.command()
def run(
    paths: Annotated[
        list[str],
        typer.Argument(help="Image or PDF files, or folders (searched recursively), or s3:// (fsspec) URLs."),
    ],
    out_file: Annotated[
        str | None, typer.Option("--out", "-o", help="Output file; '-' or none writes to stdout.")
    ] = None,
    output_format: Annotated[
        Format | None,
        typer.Option(
            "--format", help="csv, or jsonl with every digit. Default: jsonl for --out *.jsonl, else csv."
        ),
    ] = None,
    min_confidence: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Strings with a digit below this are flagged for review.")
    ] = DEFAULT_MIN_CONFIDENCE,
    dpi: Annotated[float, typer.Option(min=50, max=1200, help="Resolution to render PDF pages at.")] = 300,
    max_pixels: Annotated[
        int, typer.Option(min=1, help="Refuse images with more pixels than this (checked before decoding).")
    ] = DEFAULT_MAX_PIXELS,
    model: ModelOption = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, help="Processes reading pages in parallel. Default: one per CPU this process may use."
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Continue an interrupted run into the same --out, skipping done files."
        ),
    ] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace an --out, --errors or --crops index.csv that exists (else refused)."
        ),
    ] = False,
    errors_file: Annotated[
        str | None, typer.Option("--errors", help="Write one CSV row per failed file here (a file or URL).")
    ] = None,
    annotate_dir: Annotated[
        str | None,
        typer.Option(
            "--annotate", help="Write each page with boxes and labels drawn, as PNG (a folder or URL)."
        ),
    ] = None,
    crops_dir: Annotated[
        Path | None,
        typer.Option("--crops", help="Save every 28x28 crop as PNG with an index.csv to correct labels in."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")] = False,
    pairs: PairsOption = True,
    lines: LinesOption = True,
    template: TemplateOption = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="With --template: one row per page, a column per field.")
    ] = False,
    engine: Annotated[
        EngineName,
        typer.Option(
            "--engine",
            help="local: --workers processes here. ray: a pool of Ray actors (--workers of them, "
            "default one per CPU of the cluster); needs digitscan[ray].",
        ),
    ] = EngineName.local,
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray-address",
            help="With --engine ray: the cluster to join. Default: RAY_ADDRESS, else Ray here.",
        ),
    ] = None,
) -> None:
    """Read the digit strings on every page and write one row per string (with --template,
    one row per field of the form)."""
    import os
    import signal
    import time

    from digitscan.api import Engine, ScanOptions, run_batch
    from digitscan.report import FileProgress, RunTally, shown_name, summary_panel

    started = time.perf_counter()
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    tally = RunTally()
    bar = FileProgress(enabled=not quiet and err.is_terminal, console=err)

    def on_result(result) -> None:
        tally.add(result, min_confidence)
        bar.file_done()

    def on_failure(failure) -> None:  # one line a bad file, whatever its name holds
        err.print(f"[red]error:[/] {escape(shown_name(failure[2]))}", highlight=False)

    try:
        with bar:
            failures, inputs = run_batch(
                paths,
                out_file,
                output_format and output_format.value,
                ScanOptions(
                    dpi, max_pixels, min_confidence, annotate_dir, pairs, lines, tuple(template or ())
                ),
                model=model,
                workers=workers or usable_cpus(),
                resume=resume,
                crops_dir=crops_dir,
                errors_file=errors_file,
                wide=wide,
                engine=Engine(engine.value, workers, ray_address),
                overwrite=overwrite,
                on_start=bar.start,
                on_result=on_result,
                on_failure=on_failure,
                on_pages=bar.pages_read,
            )
    except DigitscanError as error:
        raise fail(error) from None
    except BrokenPipeError:
        # The reader of stdout went away (`digitscan run ... | head`): stop quietly, as a
        # pipeline expects, and keep Python from complaining about the closed stream at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(int(ExitCode.OK)) from None
    except OSError as error:
        where = error.filename or out_file or "stdout"
        raise fail(UsageError(f"{where}: cannot write ({error.strerror or error})")) from None
    except KeyboardInterrupt:
        resumable = "" if out_file in (None, "-") else f"; rerun with --resume to continue into {out_file}"
        err.print(f"interrupted: {tally.files} files done{resumable}", highlight=False, markup=False)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the batch is written: nothing left to stop cleanly
    tally.errors = len(failures)
    tally.skipped, tally.repeated = len(inputs.skipped), len(inputs.repeated)
    if not quiet:
        err.print(summary_panel(tally, time.perf_counter() - started))
    if failures:
        raise typer.Exit(int(ExitCode.SOME_FILES_FAILED))


def stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # the same clean stop as Ctrl-C: workers ended, output kept for --resume


@app.command()
def preview(
    file: Annotated[str, typer.Argument(help="An image, TIFF or PDF file.")],
    page: Annotated[
        int | None, typer.Option(min=1, help="Only this page (1-based). Default: every page.")
    ] = None,
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0)] = DEFAULT_MIN_CONFIDENCE,
    dpi: Annotated[float, typer.Option(min=50, max=1200, help="Resolution to render PDF pages at.")] = 300,
    model: ModelOption = None,
    pairs: PairsOption = True,
    lines: LinesOption = True,
    template: TemplateOption = None,
) -> None:
    """Show each string's crops (with --template, each field's) in the terminal beside what was read."""
    from digitscan.api import ScanOptions, load_readers
    from digitscan.inspect import preview_table
    from digitscan.pages import PageProblem, document_pages

    try:
        options = ScanOptions(read_pairs=pairs, read_lines=lines, templates=tuple(template or ()))
        readers = load_readers(model, options)
        shown, unread = 0, 0
        only = range(page, page + 1) if page is not None else None  # the other pages not rendered
        for loaded in document_pages(file, dpi=dpi, numbers=only):
            problem = loaded.reason if isinstance(loaded, PageProblem) else None
            if problem is None:
                try:
                    reading = readers.read(loaded)
                except PageRefused as refused:
                    problem = str(refused)
            if problem is not None:  # as `run` does: one line, and the file's other pages still shown
                err.print(f"[red]error:[/] {escape(f'{file}: page {loaded.number} not read: {problem}')}")
                unread += 1
                continue
            out.print(preview_table(reading, min_confidence, out.width, color=out.is_terminal))
            shown += 1
        if page is not None and not shown and not unread:
            raise UsageError(f"{file}: has no page {page}")
    except DigitscanError as error:
        raise fail(error) from None
    if unread:
        raise typer.Exit(int(ExitCode.SOME_FILES_FAILED))


@app.command()
def review(
    results: Annotated[Path, typer.Argument(help="A results file of `digitscan run --format jsonl`.")],
    host: Annotated[
        str, typer.Option(help="Address to listen on. Only this machine by default; the URL carries a token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free one).")] = 8765,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export", help="Instead of serving: write the results with corrections applied (CSV)."
        ),
    ] = None,
    crops: Annotated[
        Path | None,
        typer.Option(
            "--crops", help="Instead of serving: write the corrected digits' crops for `train --extra`."
        ),
    ] = None,
) -> None:
    """Correct the flagged strings in a browser, one at a time, with the keyboard; corrections
    are kept in RESULTS.review.sqlite beside the results. With --export/--crops, write them out."""
    from digitscan import review as station

    try:
        if export is not None or crops is not None:
            reviewed, written, left_out = station.export_corrections(results, export, crops)
            what = [f"{reviewed} reviewed strings"]
            if export is not None:
                what.append(f"written to {export}")
            if crops is not None:
                what.append(f"{written} crops in {crops} ({left_out} strings left out: unlike lengths)")
            err.print(", ".join(what), highlight=False, markup=False)
            return
        station.serve(results, host, port, lambda url: print(f"review at {url}", flush=True))
    except DigitscanError as error:
        raise fail(error) from None


template_app = typer.Typer(
    help="Form templates: find a form's fields, to read them by name.", no_args_is_help=True
)
app.add_typer(template_app, name="template")


@template_app.command("detect")
def template_detect(
    image: Annotated[str, typer.Argument(help="The form's reference page: a blank form or a filled one.")],
    out_file: Annotated[
        Path, typer.Option("--out", help="Template file to write (TOML); never overwritten.")
    ],
    preview: Annotated[
        Path | None, typer.Option("--preview", help="Also write the page with the fields drawn (PNG).")
    ] = None,
) -> None:
    """Find the form's number fields (boxes, combs, underlined blanks) and write a template
    naming them field_01, field_02... in reading order, for you to rename."""
    from digitscan.api import detect_template

    try:
        fields = detect_template(image, out_file, preview)
    except DigitscanError as error:
        raise fail(error) from None
    combs = sum(1 for f in fields if f.cells)
    err.print(f"wrote {out_file}: {len(fields)} fields ({combs} combs)", highlight=False, markup=False)


@app.command()
def samples(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the pages and truth.csv into.")],
    data: DataOption = None,
    seed: Annotated[int, typer.Option(help="Another seed gives another set of pages.")] = 1,
    copies: Annotated[int, typer.Option(min=1, help="Repeat the set of files this many times.")] = 1,
    template: Annotated[
        bool,
        typer.Option(
            "--template",
            help="Instead: one form layout's template, filled scans of it (shifted, turned, scaled) "
            "and a few pages of another layout.",
        ),
    ] = False,
    pages: Annotated[int, typer.Option(min=1, help="With --template: filled pages of the form.")] = 20,
    others: Annotated[int, typer.Option(min=0, help="With --template: pages of another form.")] = 4,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Write into a folder that holds files already.")
    ] = False,
) -> None:
    """Compose synthetic form pages from MNIST test digits, with a truth file."""
    from digitscan.data import load_mnist
    from digitscan.output import refuse_filled_folder
    from digitscan.synth import DEFAULT_FILES, generate_form_set, generate_samples, numbered

    try:
        if not overwrite:
            refuse_filled_folder(out_dir)
        mnist = load_mnist(data)
    except DigitscanError as error:
        raise fail(error) from None
    if template:
        truth = generate_form_set(out_dir, mnist.x_test, mnist.y_test, seed=seed, pages=pages, others=others)
    else:
        truth = generate_samples(
            out_dir, mnist.x_test, mnist.y_test, seed=seed, files=numbered(DEFAULT_FILES, copies)
        )
    pages = len({(t.file, t.page) for t in truth})
    err.print(f"wrote {pages} pages with {len(truth)} fields to {out_dir}", highlight=False, markup=False)


def main() -> None:
    reuse_page_buffers()  # this process is ours: pages read in it reuse each other's buffers
    # File names need not be UTF-8: rows on stdout carry their bytes as they are (as in --out),
    # messages on stderr show them escaped; neither crashes on them.
    for stream, errors in ((sys.stdout, "surrogateescape"), (sys.stderr, "backslashreplace")):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=errors)
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(int(ExitCode.INTERRUPTED))
