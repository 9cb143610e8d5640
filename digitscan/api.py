"""The Python API under the CLI: read files into readings, one file at a time, errors kept per file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2

from digitscan.classify import Classifier, load_classifier
from digitscan.containers import PageReading
from digitscan.errors import DigitscanError
from digitscan.inspect import annotate
from digitscan.pages import DEFAULT_DPI, DEFAULT_MAX_PIXELS, load_pages
from digitscan.pipeline import read_page


@dataclass(frozen=True)
class ScanOptions:
    dpi: float = DEFAULT_DPI
    max_pixels: int = DEFAULT_MAX_PIXELS
    min_confidence: float = 0.9
    annotate_dir: Path | None = None


@dataclass(frozen=True)
class FileResult:
    """The pages of one file read so far, and the error that stopped it, if any."""

    source: str
    pages: tuple[PageReading, ...]
    error: str | None = None
    error_page: int | None = None


def annotated_name(source: str, page: int) -> str:
    """A file name for a page's picture, unique per (file, page): the path's parts joined."""
    parts = [part for part in Path(source).parts if part not in ("/", "..", ".")]
    stem = "__".join(parts).replace(" ", "_") or "page"
    return f"{stem}.p{page}.png"


def read_file(source: str, classifier: Classifier, options: ScanOptions) -> FileResult:
    """Read every page of one file; a bad file gives a FileResult with its error, never an exception."""
    pages: list[PageReading] = []
    number = None
    try:
        for page in load_pages(source, dpi=options.dpi, max_pixels=options.max_pixels):
            number = page.number
            reading = read_page(page, classifier)
            if options.annotate_dir is not None:
                picture = annotate(page.image, reading, options.min_confidence)
                cv2.imwrite(str(options.annotate_dir / annotated_name(source, page.number)), picture)
            pages.append(reading)
            number = None
    except DigitscanError as error:
        return FileResult(source, tuple(pages), str(error), number)
    except (cv2.error, ValueError, OSError, MemoryError, RuntimeError) as error:
        # An image the decoder accepted but a stage could not handle: report it, keep the batch going.
        message = f"{source}: could not be processed ({type(error).__name__}: {str(error).strip()[:200]})"
        return FileResult(source, tuple(pages), message, number)
    return FileResult(source, tuple(pages))


def scan(
    files: list[str], classifier: Classifier | None = None, options: ScanOptions | None = None
) -> Iterator[FileResult]:
    """Read files in order, yielding each file's result as soon as it is done."""
    classifier = classifier or load_classifier()
    options = options or ScanOptions()
    for source in files:
        yield read_file(source, classifier, options)
