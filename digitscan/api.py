"""The Python API under the CLI: read files into readings, in order, one result per file.

Concurrency sits behind `scan`: files are read in a pool of worker processes, each with its
own classifier (a LiteRT interpreter starts in a fraction of a second), and results come back
in input order through a bounded window, so memory stays flat however long the batch.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from digitscan.classify import Classifier, load_classifier, load_line_reader, load_pair_reader
from digitscan.containers import FileResult, PageReading, PagesRead
from digitscan.defaults import DEFAULT_DPI, DEFAULT_MAX_PIXELS, DEFAULT_MIN_CONFIDENCE
from digitscan.errors import DigitscanError, InputFileError, PageRefused, UsageError
from digitscan.forms import read_form
from digitscan.inspect import CropWriter, annotate, draw_fields, page_stem
from digitscan.memory import reuse_page_buffers
from digitscan.output import (
    WRITERS,
    Layout,
    ResultFile,
    check_writable_file,
    check_writable_folder,
    format_for,
    refuse_inputs_as_outputs,
    refuse_replacing_files,
    write_errors,
)
from digitscan.pages import (
    Inputs,
    Page,
    PageProblem,
    document_pages,
    find_inputs,
    load_pages,
    may_hold_pages,
    page_count,
)
from digitscan.pipeline import page_dpi, read_page
from digitscan.register import detect_fields
from digitscan.storage import check_writable as check_storage_writable
from digitscan.storage import download, is_url, join, staging_path, upload, write_object
from digitscan.storage import exists as storage_exists
from digitscan.templates import FieldSpec, Template, load_templates, template_toml


@dataclass(frozen=True)
class ScanOptions:
    dpi: float = DEFAULT_DPI
    max_pixels: int = DEFAULT_MAX_PIXELS
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    annotate_dir: Path | str | None = None  # a folder, or an object-storage URL (`storage`)
    read_pairs: bool = True  # touching pairs may be read whole (the shipped pair reader), not only cut
    read_lines: bool = True  # strings are also read whole (the shipped string reader), in competition
    templates: tuple[Path, ...] = ()  # form templates: each page read as the one it matches best


@dataclass(frozen=True)
class Readers:
    """The models a reading process holds: the digit classifier and, where shipped and asked
    for, the pair reader and the string reader."""

    classifier: Classifier
    pair_reader: Classifier | None = None
    line_reader: Classifier | None = None
    templates: tuple[Template, ...] = ()

    def read(self, page: Page) -> PageReading:
        """One page: with templates its fields (`read_form`), else every string on it."""
        if self.templates:
            return read_form(
                page,
                self.templates,
                self.classifier,
                pair_reader=self.pair_reader,
                line_reader=self.line_reader,
            )
        return read_page(page, self.classifier, pair_reader=self.pair_reader, line_reader=self.line_reader)


def load_readers(
    model: Path | None, options: ScanOptions, threads: int | None = None, classifier: Classifier | None = None
) -> Readers:
    return Readers(
        classifier or load_classifier(model, threads),
        load_pair_reader(threads) if options.read_pairs else None,
        load_line_reader(threads) if options.read_lines else None,
        load_templates(options.templates),
    )


def read_pages(
    source: str, readers: Readers, options: ScanOptions, numbers: range | None = None
) -> PagesRead:
    """Read the pages of one file (`numbers`: only those); a bad page or file is reported in
    the result, never raised."""
    pages: list[PageReading] = []
    refused: list[tuple[int, str]] = []  # pages no form or unreadable: the file's other pages go on
    number = None
    try:
        for page in document_pages(source, dpi=options.dpi, max_pixels=options.max_pixels, numbers=numbers):
            if isinstance(page, PageProblem):
                refused.append((page.number, page.reason))
                continue
            number = page.number
            try:
                reading = readers.read(page)
            except PageRefused as error:
                refused.append((page.number, str(error)))
                number = None  # a later page's failure is that page's, not this one's
                continue
            if options.annotate_dir is not None:
                picture = annotate(page.image, reading, options.min_confidence)
                write_annotated(options.annotate_dir, source, page.number, picture)
            pages.append(reading)
            number = None
    except DigitscanError as error:
        return PagesRead(tuple(pages), tuple(refused), str(error), number)
    except (cv2.error, ValueError, OSError, MemoryError, RuntimeError) as error:
        # An image the decoder accepted but a stage could not handle: report it, keep the batch going.
        message = f"{source}: could not be processed ({type(error).__name__}: {str(error).strip()[:200]})"
        return PagesRead(tuple(pages), tuple(refused), message, number)
    return PagesRead(tuple(pages), tuple(refused))


def file_result(source: str, parts: Iterable[PagesRead]) -> FileResult:
    """One file's result from its parts in page order, as if read in one: an error that stopped
    a part stops the file there (the parts after it were read for nothing); else the pages
    refused are named, the first as the error's page."""
    pages: list[PageReading] = []
    refused: list[tuple[int, str]] = []
    for part in parts:
        pages.extend(part.pages)
        if part.error is not None:
            return FileResult(source, tuple(pages), part.error, part.error_page)
        refused.extend(part.refused)
    if refused:
        first, reason = refused[0]
        others = ", ".join(str(number) for number, _ in refused[1:])
        more = f" (and page{'s' if len(refused) > 2 else ''} {others})" if others else ""
        return FileResult(source, tuple(pages), f"{source}: page {first} not read: {reason}{more}", first)
    return FileResult(source, tuple(pages))


def read_file(source: str, readers: Readers, options: ScanOptions) -> FileResult:
    """Read every page of one file; a bad file gives a FileResult with its error, never an exception."""
    return file_result(source, [read_pages(source, readers, options)])


def write_annotated(folder: Path | str, source: str, page: int, picture: np.ndarray) -> None:
    name = f"{page_stem(source, page)}.png"
    if is_url(folder):
        ok, png = cv2.imencode(".png", picture)
        if ok:
            write_object(join(str(folder), name), png.tobytes())
    else:
        cv2.imwrite(str(Path(folder) / name), picture)


worker_readers: Readers | None = None


PARENT_CHECK_SECONDS = 1.0


def exit_with_parent(parent: int) -> None:
    """End this worker within a second of its parent's death, however it died (SIGKILL
    included): an orphaned reader would hold its memory for as long as it liked."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="digitscan-parent-watch", daemon=True).start()


def start_worker(model: Path | None, options: ScanOptions, parent: int) -> None:
    global worker_readers
    exit_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and ends the workers
    cv2.setNumThreads(1)
    reuse_page_buffers()
    worker_readers = load_readers(model, options, threads=1)


def read_in_worker(source: str, numbers: range | None, options: ScanOptions) -> PagesRead:
    """A file, or a run of its pages; its first page comes with the file's page count (counted
    here, not in the parent: a PDF parser that crashes takes only a worker down), and a file
    that cannot be counted is read whole."""
    assert worker_readers is not None
    if numbers is None or numbers.start != 1:  # the count came back with the file's first page
        return read_pages(source, worker_readers, options, numbers)
    count = page_count(source)
    part = read_pages(source, worker_readers, options, numbers if count is not None else None)
    return replace(part, page_count=count)


MAX_PAGES_PER_JOB = 4  # a PDF's or TIFF's pages go to the readers in runs of at most this many


@dataclass(frozen=True)
class Job:
    """A file, or a run of its pages, for one reader process."""

    source: str
    numbers: range | None  # None: every page


def first_job(source: str) -> Job:
    """A PDF's or TIFF's first page alone, which brings back its page count (a stack of forms
    scanned into one file was read by one process while the others waited); any other file
    whole."""
    return Job(source, range(1, 2) if may_hold_pages(source) else None)


def later_jobs(source: str, start: int, count: int, workers: int) -> list[Job]:
    """The pages from `start` to `count` in runs of up to MAX_PAGES_PER_JOB, shared among `workers`."""
    size = max(1, min(MAX_PAGES_PER_JOB, -(-(count - start + 1) // workers)))
    return [
        Job(source, range(first, min(first + size, count + 1))) for first in range(start, count + 1, size)
    ]


def scan_serial(files: Iterable[str], classifier: Classifier, options: ScanOptions) -> Iterator[FileResult]:
    readers = load_readers(None, options, classifier=classifier)
    for source in files:
        yield read_file(source, readers, options)


WorkerReader = Callable[[str, range | None, ScanOptions], PagesRead]


def crashed(job: Job) -> PagesRead:
    """What a job whose reader process died gives: the file's error where it was the whole
    file or its first page (its other pages were never counted), else its run of pages
    refused, the file's other pages kept."""
    if job.numbers is None or job.numbers.start == 1:
        return PagesRead((), error=f"{job.source}: the reader process crashed on this file")
    return PagesRead((), tuple((number, "the reader process crashed on it") for number in job.numbers))


def scan_parallel(
    files: Iterable[str],
    model: Path | None,
    options: ScanOptions,
    workers: int,
    reader: WorkerReader = read_in_worker,
    on_pages: Callable[[int], None] = lambda pages: None,
) -> Iterator[FileResult]:
    """Files read by `workers` processes, yielded in input order, at most 2 jobs per worker in
    flight, but a PDF's or TIFF's pages shared among them: its first page comes back with its
    page count, and the rest of its runs go ahead of the files after it (`later_jobs`).
    When a process dies (a decoder's crash on a hostile file), every job in flight fails with
    it: the one awaited is read again alone, and reported crashed only if it crashes alone."""
    jobs = (first_job(source) for source in files)
    context = multiprocessing.get_context("spawn")  # no fork of a parent that runs threads

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=start_worker,
            initargs=(model, options, os.getpid()),
        )

    pool = new_pool()
    pending: deque[tuple[Job, Future[PagesRead]]] = deque()

    def submit(job: Job) -> None:
        pending.append((job, pool.submit(reader, job.source, job.numbers, options)))

    try:
        for job in jobs:
            submit(job)
            if len(pending) >= 2 * workers:
                break
        parts: list[PagesRead] = []
        count: int | None = None  # pages in the file being put together, once its first part is back
        while pending:
            job, future = pending.popleft()
            try:
                part = future.result()
            except BrokenProcessPool:
                waiting = [waiting_job for waiting_job, _ in pending]
                pending.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                try:  # alone, so that a crash now is its own, not a neighbour's in flight
                    part = pool.submit(reader, job.source, job.numbers, options).result()
                except BrokenProcessPool:
                    part = crashed(job)
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = new_pool()
                for waiting_job in waiting:
                    submit(waiting_job)
            if job.numbers is None or job.numbers.start == 1:
                count = part.page_count if part.error is None else None  # an error ends the file there
                if job.numbers is not None and count is not None and count >= job.numbers.stop:
                    rest = [
                        (later, pool.submit(reader, later.source, later.numbers, options))
                        for later in later_jobs(job.source, job.numbers.stop, count, workers)
                    ]
                    pending.extendleft(reversed(rest))  # ahead of the files after it: rows in input order
            following = next(jobs, None)
            if following is not None:
                submit(following)
            on_pages(len(part.pages))
            parts.append(part)
            if job.numbers is None or count is None or job.numbers.stop > count:
                yield file_result(job.source, parts)
                parts = []
    except BaseException:  # Ctrl-C, SIGTERM, or the consumer stopped early: end the workers now
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(5)
        # Waiting for the pool's own thread here, not at interpreter exit, where a signal
        # arriving in its atexit hook would print a traceback.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)  # all done: let the workers exit cleanly


@dataclass(frozen=True)
class Engine:
    """What reads the files: `local` (this machine's processes, `workers` of them) or `ray`
    (a pool of Ray actors, `workers` of them or one per CPU of the cluster at `ray_address`)."""

    name: str = "local"
    workers: int | None = None
    ray_address: str | None = None


def scan(
    files: Iterable[str],
    options: ScanOptions | None = None,
    model: Path | None = None,
    workers: int = 1,
    classifier: Classifier | None = None,
    engine: Engine | None = None,
    on_pages: Callable[[int], None] = lambda pages: None,
) -> Iterator[FileResult]:
    """Read files in order, yielding each file's result as soon as it (and all before it) is
    done; `engine` chooses what reads them (default: `workers` local processes). `on_pages` is
    told how many pages were read as they come: with workers, a long PDF's or TIFF's runs of
    pages one by one, so progress moves before its result is whole."""
    options = options or ScanOptions()
    if engine is not None and engine.name == "ray":
        from digitscan.ray_engine import scan_ray

        load_readers(model, options)  # a missing model or bad template: one error, before Ray starts
        whole = scan_ray(list(files), model, options, engine.workers, engine.ray_address)
    else:
        if engine is not None and engine.workers:
            workers = engine.workers
        if workers > 1 and classifier is None:
            load_readers(model, options)  # a missing or broken model is one error here, not one per worker
            yield from scan_parallel(files, model, options, workers, on_pages=on_pages)
            return
        whole = scan_serial(files, classifier or load_classifier(model), options)
    for result in whole:
        on_pages(len(result.pages))
        yield result


Failure = tuple[str, str, str]  # file, page ("" when not one page's fault), message


def run_batch(
    paths: list[str],
    out_file: str | None,
    output_format: str | None,
    options: ScanOptions,
    model: Path | None = None,
    workers: int = 1,
    resume: bool = False,
    crops_dir: Path | None = None,
    errors_file: Path | str | None = None,
    wide: bool = False,
    engine: Engine | None = None,
    overwrite: bool = False,
    on_start: Callable[[int], None] = lambda files: None,
    on_result: Callable[[FileResult], None] = lambda result: None,
    on_failure: Callable[[Failure], None] = lambda failure: None,
    on_pages: Callable[[int], None] = lambda pages: None,
) -> tuple[list[Failure], Inputs]:
    """What `digitscan run` does: find the files, read them, stream the rows to `out_file`
    (None or '-': stdout) as `output_format` (None: as its name says, `output.format_for`),
    resuming a killed run if asked; save crops and the errors CSV.
    With `options.templates`, rows are fields (`wide`: one row per page, a column per field).
    An output file that exists is refused (UsageError) unless the run resumes it or may
    `overwrite` it.

    Returns the failures (also passed to `on_failure` as they happen) and the inputs found
    (what was read, the other files skipped, the names of a file given twice). Interrupted,
    it closes what it wrote so `resume=True` can carry on.
    """
    to_stdout = out_file in (None, "-")
    output_format = format_for(out_file, output_format)
    if resume and to_stdout:
        raise UsageError("--resume needs --out FILE: there is nothing to resume on stdout")
    if resume and overwrite:
        raise UsageError("--resume continues what an earlier run wrote, --overwrite replaces it: give one")
    if wide and not (options.templates and output_format == "csv"):
        raise UsageError("--wide needs --template and CSV output: a column per field of the template")
    if engine is not None and engine.name == "ray":
        from digitscan.ray_engine import require_ray

        require_ray()
    templates = load_templates(options.templates)  # a bad template is one usage error, before any output
    layout = Layout(tuple(dict.fromkeys(name for t in templates for name in t.field_names)), wide)
    inputs = find_inputs(paths)
    if not inputs.files and not inputs.unreadable:
        raise UsageError(f"no images or PDFs found in {', '.join(paths)}")
    outputs = {"--out": out_file, "--errors": errors_file, "--annotate": options.annotate_dir}
    outputs["--crops"] = crops_dir
    chosen = {
        option: str(path)
        for option, path in outputs.items()
        if path is not None and not (option == "--out" and to_stdout)
    }
    for option, url in chosen.items():
        if is_url(url):
            if option == "--crops":
                raise UsageError(f"--crops {url}: crops go to a local folder, to be corrected there")
            check_storage_writable(option, url)
    refuse_shared_outputs(chosen)
    local = {option: Path(path) for option, path in chosen.items() if not is_url(path)}
    refuse_inputs_as_outputs(local, inputs.files, [p for p in paths if not is_url(p) and Path(p).is_dir()])
    for option in ("--out", "--errors"):  # before refusing to replace: a folder is no file to resume
        if option in local:
            check_writable_file(option, local[option])
    if not (resume or overwrite):
        refuse_replacing(chosen)
    for option in ("--annotate", "--crops"):
        if option in local:
            check_writable_folder(option, local[option])
    failures: list[Failure] = []

    def failed(failure: Failure) -> None:
        failures.append(failure)
        on_failure(failure)

    for name, reason in inputs.unreadable:
        failed((name, "", f"{name}: {reason}"))
    staged = None if to_stdout else Staged(str(out_file), resume)
    result_file = (
        None
        if staged is None
        else ResultFile(str(staged.local), output_format, options.min_confidence, resume, layout)
    )
    crop_writer = CropWriter(crops_dir, append=resume) if crops_dir is not None else None
    try:
        if result_file is None:
            writer = WRITERS[output_format](sys.stdout, options.min_confidence, layout=layout)
            todo = list(inputs.files)
        else:
            failures.extend(result_file.errors())
            todo = [name for name in inputs.files if not result_file.is_done(name)]
        on_start(len(todo))
        for result in scan(todo, options, model=model, workers=workers, engine=engine, on_pages=on_pages):
            if result_file is not None:
                result_file.record(result)
            else:
                writer.write(result.pages)
            if crop_writer is not None:
                crop_writer.write(result.pages)
            on_result(result)
            if result.error:
                failed((result.source, str(result.error_page or ""), result.error))
        if result_file is not None and staged is not None:
            result_file.finish()
            staged.publish()
    finally:
        if result_file is not None:
            result_file.close()
        if crop_writer is not None:
            crop_writer.close()
    if errors_file is not None:
        errors = Staged(str(errors_file), resume=False)
        write_errors(errors.local, failures)
        errors.publish()
    return failures, inputs


def output_file(option: str, path: str) -> str:
    """The file an output option writes: a crops folder's is its index.csv, where a person
    corrects labels."""
    return join(path, "index.csv") if option == "--crops" else path


def refuse_shared_outputs(outputs: dict[str, str]) -> None:
    """No two outputs may be one path: `--out results.csv --errors results.csv` wrote the
    error rows over the results, `--crops crops --errors crops/index.csv` over the crops'
    index (a crops folder is its index.csv here)."""
    seen: dict[str, str] = {}
    for option, given in outputs.items():
        path = output_file(option, given)
        key = path if is_url(path) else str(Path(path).resolve())
        if key in seen:
            raise UsageError(f"{path}: given to both {seen[key]} and {option}; give each its own name")
        seen[key] = option


def refuse_replacing(outputs: dict[str, str]) -> None:
    """Refuse to replace what an earlier run computed: its results or errors, the rows of a
    run that was killed (kept for --resume), the index.csv of a crops folder a person corrected
    labels in. (Annotated pages are pictures of the pages read, drawn again alike.)"""
    for option, path in outputs.items():
        if option == "--annotate":
            continue
        target = output_file(option, path)
        if storage_exists(target) if is_url(target) else Path(target).exists():
            raise UsageError(
                f"{target}: exists; {option} never replaces it unasked: --resume continues the run "
                "that wrote it, --overwrite replaces it"
            )
        if option == "--out":
            local = staging_path(path) if is_url(path) else Path(path)
            part = local.with_name(f".{local.name}.part")
            if part.exists():
                raise UsageError(
                    f"{path}: a killed run's rows are kept in {part}: --resume continues that run, "
                    "--overwrite starts afresh"
                )


class Staged:
    """An output file: a local path as it is; an object-storage URL written to a local staging
    file first (where `--resume` finds it after a crash) and uploaded by `publish`. Resuming
    a finished result in storage starts from a download of it."""

    def __init__(self, target: str, resume: bool) -> None:
        self.target = target
        self.local = staging_path(target) if is_url(target) else Path(target)
        if is_url(target) and resume and not self.local.exists() and storage_exists(target):
            hidden = self.local.with_name(f".{self.local.name}.part")
            if not hidden.exists():  # a crashed run's part is newer than what was uploaded
                download(target, self.local)

    def publish(self) -> None:
        if is_url(self.target):
            try:
                upload(self.local, self.target)
            except UsageError as exc:  # the store went away during the run: the rows are not lost
                raise UsageError(
                    f"{exc}; every row is kept in {self.local}: the same command with --resume"
                    " uploads it without reading the pages again"
                ) from None
            self.local.unlink()


def detect_template(image: str, out_file: Path, preview: Path | None = None) -> list[FieldSpec]:
    """What `digitscan template detect` does: find the number fields of a form's reference
    page, write them as a template (`field_01`... in reading order, to rename) and, if asked,
    the page with the fields drawn. Neither output may exist already."""
    for option, path in (("--out", out_file), ("--preview", preview)):
        refuse_replacing_files([path] if path else [], option, "choose another name")
    if preview is not None and preview.suffix.lower() != ".png":
        raise UsageError(f"{preview}: --preview writes a PNG; name it .png")
    try:
        page = next(iter(load_pages(image)))
    except StopIteration:
        raise InputFileError(image, "has no page") from None
    dpi = page_dpi(page)
    found = detect_fields(page.image, dpi)
    if not found:  # a template of no field is one `run --template` refuses: write none
        raise InputFileError(
            image,
            "no boxes, combs or underlined blanks found, so no template written; write its"
            " [[field]] tables by hand, each a name and a box [x, y, width, height] in this"
            " image's pixels (README, 'Forms with a template')",
        )
    fields = [FieldSpec(f"field_{n:02d}", f.box, f.cells) for n, f in enumerate(found, start=1)]
    relative = os.path.relpath(Path(image).resolve(), out_file.resolve().parent)
    text = template_toml(Path(image).stem, Path(relative).as_posix(), page.dpi, fields)
    try:
        with out_file.open("x", encoding="utf-8") as handle:  # "x": never over a file made meanwhile
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"{out_file}: cannot write ({exc.strerror or exc})") from None
    if preview is not None and not cv2.imwrite(str(preview), draw_fields(page.image, fields)):
        raise UsageError(f"{preview}: cannot write the preview")
    return fields
