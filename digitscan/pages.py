"""Finding input files and decoding them into grayscale pages (images, TIFF pages, PDF pages)."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from digitscan.errors import InputFileError, UsageError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES
DEFAULT_MAX_PIXELS = 200_000_000  # an A0 poster at 600 dpi is ~140 Mpx; 30000x30000 is not a scan
DEFAULT_DPI = 300
JPEG_MAGIC = b"\xff\xd8"
TIFF_MAGICS = (b"II*\x00", b"MM\x00*")


@dataclass(frozen=True, eq=False)
class Page:
    """One page as loaded: grayscale uint8, ink dark on light paper."""

    source: str
    number: int
    image: np.ndarray
    dpi: float | None = None


@dataclass(frozen=True)
class Inputs:
    """The files to read, in a deterministic order, and what was passed over."""

    files: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    unreadable: tuple[tuple[str, str], ...] = field(default=())


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
            elif path.suffix.lower() in SUPPORTED_SUFFIXES:
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
        path = Path(given)
        if path.is_dir():
            walk(path, given, files, skipped, unreadable)
        elif path.exists() or path.is_symlink():
            files.append(given)
        else:
            raise UsageError(f"{given}: no such file or folder")
    return Inputs(tuple(files), tuple(skipped), tuple(unreadable))


def header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from an image header without decoding pixels; None if unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return abs(width), abs(height)
    if data.startswith(JPEG_MAGIC):
        return jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return webp_size(data)
    if data[:4] in TIFF_MAGICS:
        return tiff_size(data)
    return None


def tiff_size(data: bytes) -> tuple[int, int] | None:
    """ImageWidth and ImageLength of a TIFF's first page, from its first directory."""
    order = "<" if data[:2] == b"II" else ">"
    try:
        (offset,) = struct.unpack(order + "I", data[4:8])
        (entries,) = struct.unpack(order + "H", data[offset : offset + 2])
        size: dict[int, int] = {}
        for index in range(entries):
            entry = data[offset + 2 + 12 * index : offset + 14 + 12 * index]
            tag, kind = struct.unpack(order + "HH", entry[:4])
            if tag in (256, 257):
                size[tag] = struct.unpack(
                    order + ("H" if kind == 3 else "I"), entry[8 : 10 if kind == 3 else 12]
                )[0]
    except struct.error:
        return None
    return (size[256], size[257]) if len(size) == 2 else None


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    offset = 2
    while offset + 9 < len(data):
        if data[offset] != 0xFF:
            offset += 1
            continue
        marker = data[offset + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            offset += 2
            continue
        length = struct.unpack(">H", data[offset + 2 : offset + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return width, height
        offset += 2 + length
    return None


def webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def check_pixels(name: str, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise InputFileError(
            name, f"{width}x{height} pixels is over the limit of {max_pixels:,} (raise it with --max-pixels)"
        )
    if width < 8 or height < 8:
        raise InputFileError(name, f"{width}x{height} pixels is too small to hold digits")


def to_gray(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255
        image = (image[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)  # transparent = paper
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return np.ascontiguousarray(image)


def decode_images(name: str, data: bytes, max_pixels: int) -> list[np.ndarray]:
    size = header_size(data)
    if size is not None:
        check_pixels(name, *size, max_pixels)
    buffer = np.frombuffer(data, np.uint8)
    try:
        if data[:4] in TIFF_MAGICS:
            ok, images = cv2.imdecodemulti(buffer, cv2.IMREAD_UNCHANGED)
            images = list(images) if ok else []
        else:
            # A JPEG has no alpha and 8-bit samples: decoding straight to grey skips colour
            # conversion (a third of its decode time on a colour scan).
            flags = cv2.IMREAD_GRAYSCALE if data.startswith(JPEG_MAGIC) else cv2.IMREAD_UNCHANGED
            image = cv2.imdecode(buffer, flags)
            images = [] if image is None else [image]
    except cv2.error as exc:
        raise InputFileError(name, f"cannot decode image ({str(exc).strip().splitlines()[-1]})") from None
    if not images:
        raise InputFileError(name, "not a readable image (corrupt, truncated or of another type)")
    for image in images:
        check_pixels(name, image.shape[1], image.shape[0], max_pixels)
    return images


def render_pdf(name: str, path: Path, dpi: float, max_pixels: int) -> Iterator[Page]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        reason = (
            "encrypted PDF (password protected)"
            if "password" in str(exc).lower()
            else f"cannot open PDF ({exc})"
        )
        raise InputFileError(name, reason) from None
    try:
        if len(document) == 0:
            raise InputFileError(name, "PDF has no pages")
        for index in range(len(document)):
            page = document[index]
            width_pt, height_pt = page.get_size()
            scale = dpi / 72
            check_pixels(name, round(width_pt * scale), round(height_pt * scale), max_pixels)
            bitmap = page.render(scale=scale, grayscale=True)
            image = to_gray(np.array(bitmap.to_numpy(), copy=True))
            page.close()
            yield Page(name, index + 1, image, dpi)
    finally:
        document.close()


def read_bytes(name: str, path: Path) -> bytes:
    try:
        if path.stat().st_size == 0:
            raise InputFileError(name, "empty file (0 bytes)")
        return path.read_bytes()
    except PermissionError:
        raise InputFileError(name, "permission denied") from None
    except IsADirectoryError:
        raise InputFileError(name, "is a folder, not a file") from None
    except OSError as exc:
        raise InputFileError(name, f"cannot read ({exc.strerror or exc})") from None


def load_pages(name: str, dpi: float = DEFAULT_DPI, max_pixels: int = DEFAULT_MAX_PIXELS) -> Iterator[Page]:
    """Yield the pages of one file, one at a time (multi-page TIFFs and PDFs too)."""
    path = Path(name)
    if path.suffix.lower() in PDF_SUFFIXES:
        read_bytes(name, path)  # same checks (exists, readable, not empty) as images
        yield from render_pdf(name, path, dpi, max_pixels)
        return
    data = read_bytes(name, path)
    for number, image in enumerate(decode_images(name, data, max_pixels), start=1):
        yield Page(name, number, to_gray(image))
