"""Finding input files and decoding them into grayscale pages (images, TIFF pages, PDF pages)."""

from __future__ import annotations

import mmap
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from digitscan.defaults import DEFAULT_DPI, DEFAULT_MAX_PIXELS
from digitscan.errors import InputFileError, UsageError
from digitscan.formats import (
    BIGTIFF,
    JPEG,
    PDF,
    PNM,
    TIFF,
    PageHeader,
    UnknownFormat,
    page_headers,
    pnm_header,
    sniff,
)
from digitscan.output import same_file_key
from digitscan.storage import is_url, list_files, read_object

IMAGE_SUFFIXES = {
    *(".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"),
    *(".jp2", ".j2k", ".j2c", ".jpc"),  # JPEG 2000, as archives deliver their scans
    *(".pnm", ".pgm", ".pbm", ".ppm"),  # as SANE's scanimage writes them
}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES
# Images of kinds not read, taken from folders all the same, so that each is refused naming
# its kind (a phone's HEIC photos were skipped unseen: "no images or PDFs found").
REFUSED_SUFFIXES = {".heic", ".heif", ".avif", ".gif", ".psd", ".jxl"}
LOOKED_AT_SUFFIXES = SUPPORTED_SUFFIXES | REFUSED_SUFFIXES | {".jfif", ".jpe"}  # JPEG's other names
# Decoders speak through digitscan's errors (one line per bad file), not their own warnings.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


@dataclass(frozen=True, eq=False)
class Page:
    """One page as loaded: grayscale uint8, ink dark on light paper."""

    source: str
    number: int
    image: np.ndarray
    dpi: float | None = None


@dataclass(frozen=True)
class PageProblem:
    """A page of a multi-page file that cannot be read (over the pixel limit, corrupt): the
    file's other pages still are."""

    number: int
    reason: str


@dataclass(frozen=True)
class Inputs:
    """The files to read, in a deterministic order, and what was passed over."""

    files: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    unreadable: tuple[tuple[str, str], ...] = field(default=())
    repeated: tuple[str, ...] = ()  # names of a file already among `files` (`distinct_files`)


def display_name(path: Path, root: Path, given: str) -> str:
    """The file as the user named it: relative paths stay relative."""
    if path == root:
        return given
    return os.path.join(given, os.path.relpath(path, root))


def walk(
    root: Path, given: str, files: list[str], skipped: list[str], unreadable: list[tuple[str, str]]
) -> None:
    seen: set[tuple[int, int]] = set()

    def visit(folder: Path) -> None:
        try:
            stat = folder.stat()
            if (stat.st_dev, stat.st_ino) in seen:
                unreadable.append((display_name(folder, root, given), "folder link loops back; skipped"))
                return
            seen.add((stat.st_dev, stat.st_ino))
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as exc:
            unreadable.append(
                (display_name(folder, root, given), f"cannot list folder ({exc.strerror or exc})")
            )
            return
        for entry in entries:
            path = Path(entry.path)
            name = display_name(path, root, given)
            try:
                is_dir = entry.is_dir()
            except OSError as exc:
                unreadable.append((name, f"cannot read ({exc.strerror or exc})"))
                continue
            if is_dir:
                visit(path)
            elif path.suffix.lower() in LOOKED_AT_SUFFIXES:
                files.append(name)
            else:
                skipped.append(name)

    visit(root)


def find_inputs(paths: list[str]) -> Inputs:
    """Expand files and folders (recursively, sorted by name) into the files to read."""
    files: list[str] = []
    skipped: list[str] = []
    unreadable: list[tuple[str, str]] = []
    for given in paths:
        if is_url(given):
            found, others = list_files(given, LOOKED_AT_SUFFIXES)
            files += found
            skipped += others
            continue
        path = Path(given)
        if path.is_dir():
            walk(path, given, files, skipped, unreadable)
        elif path.exists() or path.is_symlink():
            files.append(given)
        else:
            raise UsageError(f"{given}: no such file or folder")
    files, repeated = distinct_files(files)
    return Inputs(tuple(files), tuple(skipped), tuple(unreadable), tuple(repeated))


def distinct_files(names: list[str]) -> tuple[list[str], list[str]]:
    """Each file once, under the first name it was given by, and the names that came again: a
    file named twice (alone and in its folder, by two spellings, through a link) was read
    twice and its rows written twice, a form's numbers counted twice in the spreadsheet."""
    kept: list[str] = []
    repeated: list[str] = []
    seen: set[object] = set()
    for name in names:
        # a file that cannot be looked at is read (and refused) under its own name
        key = name if is_url(name) else same_file_key(Path(name)) or os.path.abspath(name)
        (repeated if key in seen else kept).append(name)
        seen.add(key)
    return kept, repeated


MIN_SIDE = 8  # pixels: a narrower or lower image cannot hold a digit


def check_pixels(name: str, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise InputFileError(
            name, f"{width}x{height} pixels is over the limit of {max_pixels:,} (raise it with --max-pixels)"
        )
    check_size(name, width, height)


def check_size(name: str, width: int, height: int) -> None:
    if width < MIN_SIDE or height < MIN_SIDE:
        raise InputFileError(name, f"{width}x{height} pixels is too small to hold digits")


def check_array(name: str, image: np.ndarray) -> None:
    """An image a library caller holds in memory, checked as a file's pixels are: the shape of
    an image (rows by columns, with 1 to 4 channels), big enough to hold digits."""
    if image.ndim not in (2, 3) or (image.ndim == 3 and not 1 <= image.shape[2] <= 4):
        raise InputFileError(
            name, f"an array of shape {image.shape} is no image (rows x columns, with 1 to 4 channels)"
        )
    check_size(name, image.shape[1], image.shape[0])


def from_sixteen_bits(image: np.ndarray) -> np.ndarray:
    """16-bit samples spread to 0-255 by the bits they use: cameras and archive scanners store
    10- and 12-bit samples in 16-bit TIFF and PNG (a 12-bit page's white is 4095, nearly black
    read as 16-bit: nothing was read on it), and an 8-bit page saved as 16-bit keeps its 0-255.
    The brightest sample, the paper's, says how many bits the page holds."""
    bits = max(8, int(image.max()).bit_length())
    return cv2.convertScaleAbs(image, alpha=255 / ((1 << bits) - 1))


def to_gray(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint16:
        image = from_sixteen_bits(image)
    elif image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] in (2, 4):  # gray or BGR, and alpha
        alpha = image[:, :, -1:].astype(np.float32) / 255
        image = (image[:, :, :-1] * alpha + 255 * (1 - alpha)).astype(np.uint8)  # transparent = paper
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return np.ascontiguousarray(image)


def decode_images(
    name: str, data: mmap.mmap | bytes, kind: str, max_pixels: int, numbers: range | None = None
) -> Iterator[tuple[int, np.ndarray | PageProblem]]:
    """The pages of an image file (`numbers`: only those), one at a time with their numbers,
    each checked against the limit from its header before it is decoded, and given square
    pixels (`square_pixels`). A page of a multi-page TIFF that is over the limit or cannot be
    decoded is a PageProblem; the file's other pages are still decoded."""
    try:
        headers = page_headers(kind, data)
    except UnknownFormat as exc:
        raise InputFileError(name, str(exc)) from None
    buffer = np.frombuffer(data, np.uint8)  # the mapped file itself, not a copy
    try:
        for index, header in enumerate(headers):
            if numbers is not None and index + 1 not in numbers:
                continue  # a TIFF's frame is decoded by its index: the others are not touched
            try:
                check_pixels(name, *squared_size(header), max_pixels)
                yield index + 1, square_pixels(decode_page(name, buffer, kind, index, max_pixels), header)
            except InputFileError as error:
                if len(headers) == 1:
                    raise
                yield index + 1, PageProblem(index + 1, error.reason)
    finally:
        del buffer  # the map is closed only once no array looks into it


# Pixels this much wider than high, or higher than wide, are a header's mistake, not a scanner's
# (a fax in standard mode is 2.08): read as stored.
MOST_PIXEL_ASPECT = 4.0
SQUARE_ENOUGH = 0.02  # resolutions closer than this share are one (72.0 and 72.01 dpi)


def pixel_stretch(header: PageHeader) -> tuple[float, float]:
    """How many times each page axis (across, down) is stretched to square pixels: the one with
    the lower resolution, to the other's."""
    aspect = header.aspect
    if abs(aspect - 1) <= SQUARE_ENOUGH or not 1 / MOST_PIXEL_ASPECT <= aspect <= MOST_PIXEL_ASPECT:
        return 1.0, 1.0
    return (1.0, aspect) if aspect > 1 else (1 / aspect, 1.0)


def squared_size(header: PageHeader) -> tuple[int, int]:
    across, down = pixel_stretch(header)
    return round(header.width * across), round(header.height * down)


def square_pixels(image: np.ndarray, header: PageHeader) -> np.ndarray:
    """The page with square pixels. A fax in standard mode has pixels twice as high as wide
    (204 x 98 dpi): read as stored, its handwriting was half as tall as it is, and samples/'
    image pages so sent read 37% of their fields, 40% of those accepted wrong. The header
    describes the pixels as stored: a photo OpenCV turned a quarter by its EXIF orientation
    has its stored rows as columns."""
    across, down = pixel_stretch(header)
    if (across, down) == (1.0, 1.0):
        return image
    height, width = image.shape[:2]
    if (width, height) == (header.height, header.width) != (header.width, header.height):
        across, down = down, across
    return cv2.resize(image, (round(width * across), round(height * down)), interpolation=cv2.INTER_LINEAR)


def decode_page(name: str, buffer: np.ndarray, kind: str, index: int, max_pixels: int) -> np.ndarray:
    try:
        if kind in (TIFF, BIGTIFF):
            ok, images = cv2.imdecodemulti(buffer, cv2.IMREAD_UNCHANGED, range=(index, index + 1))
            image = images[0] if ok and images else None
        else:
            # A JPEG has no alpha and 8-bit samples: decoding straight to grey skips colour
            # conversion (a third of its decode time on a colour scan).
            image = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE if kind == JPEG else cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise InputFileError(name, f"cannot decode image ({str(exc).strip().splitlines()[-1]})") from None
    if image is None:
        raise InputFileError(name, f"not a readable {kind}: corrupt or truncated")
    check_pixels(name, image.shape[1], image.shape[0], max_pixels)
    if kind == PNM:
        return full_range(image, pnm_header(buffer)[2])
    return image


def full_range(image: np.ndarray, largest: int) -> np.ndarray:
    """A PNM's samples spread to 0-255: OpenCV keeps a grey or colour PNM's values as stored
    whatever its largest value (a 12-bit scan's white is 4095, read as 16-bit it is nearly
    black); a bitmap it gives as 0 and 255 already."""
    if largest in (1, 255, 65535):
        return image
    return cv2.convertScaleAbs(image, alpha=255 / largest)


PDF_ERRORS = {
    "FPDF_ERR_FILE": "cannot open PDF (file not found or unreadable)",
    "FPDF_ERR_FORMAT": "cannot open PDF (damaged, or not a PDF)",
    "FPDF_ERR_SECURITY": "PDF uses an unsupported security handler",
}


def pdf_error(exc: Exception, encrypted: bool) -> str:
    """What went wrong opening a PDF. PDFium's last error outlives the file it was set for, so
    "password" is believed only of a file whose trailer asks for one (/Encrypt)."""
    import pypdfium2.raw as pdfium_c

    code = getattr(exc, "err_code", None)
    if encrypted:
        return "encrypted PDF (password protected)"
    for constant, message in PDF_ERRORS.items():
        if code == getattr(pdfium_c, constant):
            return message
    return "cannot open PDF (damaged, or not a PDF)"


def render_pdf(
    name: str,
    source: Path | bytes,
    encrypted: bool,
    dpi: float,
    max_pixels: int,
    numbers: range | None = None,
) -> Iterator[Page | PageProblem]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    except pdfium.PdfiumError as exc:
        raise InputFileError(name, pdf_error(exc, encrypted)) from None
    try:
        if len(document) == 0:
            raise InputFileError(name, "PDF has no pages")
        for index in range(len(document)):
            if numbers is not None and index + 1 not in numbers:
                continue
            page = document[index]
            width_pt, height_pt = page.get_size()
            scale = dpi / 72
            try:
                check_pixels(name, round(width_pt * scale), round(height_pt * scale), max_pixels)
            except InputFileError as error:
                if len(document) == 1:
                    raise
                yield PageProblem(index + 1, error.reason)  # the other pages are still read
                continue
            bitmap = page.render(scale=scale, grayscale=True)
            image = to_gray(np.array(bitmap.to_numpy(), copy=True))
            page.close()
            yield Page(name, index + 1, image, dpi)
    finally:
        document.close()


FILE_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
}


@contextmanager
def mapped(name: str, path: Path) -> Iterator[mmap.mmap]:
    """The file mapped read-only: pages of it are read only where a header check or a decoder
    looks, so a huge file is never copied into memory to be checked. Refuses what is not a
    regular file (a FIFO would block, a device never end) before opening it."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            kind = FILE_KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise InputFileError(name, f"is {kind}, not an image file")
        if info.st_size == 0:
            raise InputFileError(name, "empty file (0 bytes)")
        with path.open("rb") as handle:
            view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except PermissionError:
        raise InputFileError(name, "permission denied") from None
    except (ValueError, OSError) as exc:
        raise InputFileError(name, f"cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        yield view
    finally:
        with suppress(BufferError):  # an error's traceback may still hold an array on the map:
            view.close()  # then it is unmapped when that goes


def load_pages(name: str, dpi: float = DEFAULT_DPI, max_pixels: int = DEFAULT_MAX_PIXELS) -> Iterator[Page]:
    """Yield the pages of one file, one at a time (multi-page TIFFs and PDFs too). What the
    file is comes from its first bytes, not its name; every page's size from its header.
    `name` may be an object-storage URL (`storage`): its bytes are fetched, then the same.
    A page that cannot be read ends the file (InputFileError naming the page); to read its
    other pages, use `document_pages`."""
    for page in document_pages(name, dpi, max_pixels):
        if isinstance(page, PageProblem):
            raise InputFileError(name, f"page {page.number}: {page.reason}")
        yield page


def document_pages(
    name: str, dpi: float = DEFAULT_DPI, max_pixels: int = DEFAULT_MAX_PIXELS, numbers: range | None = None
) -> Iterator[Page | PageProblem]:
    """`load_pages`, with each page of a multi-page file that cannot be read (over the pixel
    limit, corrupt) as a PageProblem in its place, and the pages after it still read. What
    leaves the whole file unread (not an image, truncated before its pages) is InputFileError.
    `numbers`: only those pages (no other PDF page is rendered, no other TIFF frame decoded)."""
    if is_url(name):
        yield from pages_of(name, read_object(name), Path(name), dpi, max_pixels, numbers)
        return
    with mapped(name, Path(name)) as data:
        yield from pages_of(name, data, Path(name), dpi, max_pixels, numbers)


def page_image(name: str, number: int, dpi: float = DEFAULT_DPI) -> np.ndarray | None:
    """One page's image as `run` loaded it (the others not rendered or decoded), or None where
    the file has no such page or that page cannot be read: the review station's and its
    export's page, at the dpi the results were read at."""
    for page in document_pages(name, dpi=dpi, numbers=range(number, number + 1)):
        if isinstance(page, Page):
            return page.image
    return None


def pages_of(
    name: str, data: mmap.mmap | bytes, path: Path, dpi: float, max_pixels: int, numbers: range | None = None
) -> Iterator[Page | PageProblem]:
    try:
        kind = sniff(data[:32])
    except UnknownFormat as exc:
        raise InputFileError(name, str(exc)) from None
    if kind == PDF:
        encrypted = data.find(b"/Encrypt") >= 0
        source = data if isinstance(data, bytes) else path
        yield from render_pdf(name, source, encrypted, dpi, max_pixels, numbers)
        return
    for number, image in decode_images(name, data, kind, max_pixels, numbers):
        yield image if isinstance(image, PageProblem) else Page(name, number, to_gray(image))


def may_hold_pages(name: str) -> bool:
    """Whether a file is a local PDF or TIFF, by its first bytes alone (what the process that
    hands out the work may look at: no PDF parser runs there, where a crash would end the run)."""
    if is_url(name) or not Path(name).is_file():  # a FIFO would block the opening
        return False
    try:
        with Path(name).open("rb") as handle:
            return sniff(handle.read(32)) in (PDF, TIFF, BIGTIFF)
    except (OSError, UnknownFormat):
        return False


def page_count(name: str) -> int | None:
    """How many pages a local PDF or TIFF holds, from its page tree or its directories alone
    (nothing decoded), so that its pages can be shared among readers; None for any other
    file, or one that does not open (whose reader then says why)."""
    if not may_hold_pages(name):
        return None
    try:
        with mapped(name, Path(name)) as data:
            kind = sniff(data[:32])
            if kind in (TIFF, BIGTIFF):
                return len(page_headers(kind, data))
    except (InputFileError, UnknownFormat):
        return None
    if kind != PDF:
        return None
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(name)
    except pdfium.PdfiumError:
        return None
    try:
        return len(document)
    finally:
        document.close()
