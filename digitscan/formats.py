"""What a file is, from its first bytes, and the size and pixel shape of every page, from its
headers alone.

Nothing here decodes pixels: a file is refused before a decoder allocates anything when its
kind is unknown or unsupported, or when any of its pages is over the pixel limit. The file's
name decides nothing (a JPEG 2000 named `.png` is a JPEG 2000).
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass

PNG, JPEG, TIFF, BIGTIFF, BMP, WEBP, PDF = "PNG", "JPEG", "TIFF", "BigTIFF", "BMP", "WebP", "PDF"
JP2, J2K, PNM = "JPEG 2000", "JPEG 2000 codestream", "PNM"  # archives' scans; SANE's scanimage
READ = "PNG, JPEG, TIFF, BMP, WebP, JPEG 2000, PNM, PDF"
MAX_TIFF_PAGES = 10_000  # a longer chain of directories is a loop or a hostile file
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K_START = b"\xff\x4f\xff\x51"  # the start of a codestream, then its size (SIZ) marker
PNM_MAGICS = (b"P1", b"P2", b"P3", b"P4", b"P5", b"P6")  # bitmap, grey and colour; text, then binary
# Kinds that a decoder underneath might take but whose sizes we do not check: refused by name.
UNSUPPORTED = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"8BPS", "Photoshop"),
    (b"\x76\x2f\x31\x01", "OpenEXR"),
    (b"#?RADIANCE", "Radiance HDR"),
    (b"\x59\xa6\x6a\x95", "Sun raster"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
)


# Phones' photos, in ISO boxes (a size, `ftyp`, then the brand): an iPhone's HEIC, AVIF.
PHOTO_BRANDS = {
    **dict.fromkeys((b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"), "HEIC"),
    **dict.fromkeys((b"avif", b"avis"), "AVIF"),
}


class UnknownFormat(ValueError):
    """Not a kind digitscan reads; the message says what it is, where known."""


def sniff(head: bytes) -> str:
    """The file's kind from its first 16 bytes or so (PNG, JPEG, TIFF, BigTIFF, BMP, WebP,
    JPEG 2000 and its bare codestream, PNM, PDF)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[:4] in (b"II+\x00", b"MM\x00+"):
        return BIGTIFF
    if head.startswith(b"BM"):
        return BMP
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.lstrip(b"\x00\t\n\r ").startswith(b"%PDF-"):
        return PDF
    if head.startswith(JP2_SIGNATURE):
        return JP2
    if head.startswith(J2K_START):
        return J2K
    if head[:2] in PNM_MAGICS and head[2:3].isspace():
        return PNM
    for magic, name in UNSUPPORTED:
        if head.startswith(magic):
            raise UnknownFormat(f"{name} is not a supported format ({READ})")
    if head[4:8] == b"ftyp" and (name := PHOTO_BRANDS.get(bytes(head[8:12]))):
        raise UnknownFormat(f"{name} is not a supported format ({READ}): save the photo as JPEG or PNG")
    raise UnknownFormat("not an image or PDF (unrecognised content)")


@dataclass(frozen=True)
class PageHeader:
    """A page's size in pixels and the shape of its pixels: `aspect` is its resolution across
    over its resolution down (a fax in standard mode, 204 x 98 dpi: 2.08), 1 where the file
    does not say."""

    width: int
    height: int
    aspect: float = 1.0


def page_headers(kind: str, data: bytes | mmap.mmap) -> list[PageHeader]:
    """Every page's size and pixel shape, read from the headers; raises UnknownFormat when the
    size cannot be read (a truncated or malformed header is refused, not decoded to find out)."""
    view = data  # slices of an mmap are small bytes copies: no buffer stays exported
    try:
        if kind == PNG:
            return [PageHeader(*struct.unpack(">II", view[16:24]), png_aspect(view))]
        if kind == BMP:
            width, height = struct.unpack("<ii", view[18:26])
            return [PageHeader(abs(width), abs(height), bmp_aspect(view))]
        if kind == JPEG:
            return [jpeg_header(view)]
        if kind == WEBP:
            return [PageHeader(*webp_size(view))]
        if kind in (TIFF, BIGTIFF):
            return tiff_headers(view, big=kind == BIGTIFF)
        if kind == JP2:
            return [PageHeader(*jp2_size(view))]
        if kind == J2K:
            return [PageHeader(*codestream_size(view, 0))]
        if kind == PNM:
            width, height, _ = pnm_header(view)
            return [PageHeader(width, height)]
    except struct.error:
        raise UnknownFormat(f"{kind} header truncated") from None
    raise UnknownFormat(f"no size check for {kind}")


def ratio(across: float, down: float) -> float:
    """Resolution across over resolution down; 1 where either is not given (zero or less)."""
    return across / down if across > 0 and down > 0 else 1.0


def png_aspect(data: bytes | mmap.mmap) -> float:
    """From the pHYs chunk (pixels per unit across and down), which comes before the image data."""
    offset = 8
    while offset + 16 <= len(data):
        length, chunk = struct.unpack(">I4s", data[offset : offset + 8])
        if chunk == b"pHYs":
            return ratio(*struct.unpack(">II", data[offset + 8 : offset + 16]))
        if chunk in (b"IDAT", b"IEND"):
            break
        offset += 12 + length
    return 1.0


def bmp_aspect(data: bytes | mmap.mmap) -> float:
    """From the pixels per metre across and down of a BITMAPINFOHEADER or later (40 bytes or
    more; the old 12-byte core header has none)."""
    (header_size,) = struct.unpack("<I", data[14:18])
    if header_size < 40 or len(data) < 46:
        return 1.0
    return ratio(*struct.unpack("<ii", data[38:46]))


def jpeg_header(data: bytes | mmap.mmap) -> PageHeader:
    """The frame header's size, and the pixel shape from the JFIF header's densities."""
    offset = 2
    aspect = 1.0
    while offset + 9 < len(data):
        if data[offset] != 0xFF:
            offset += 1
            continue
        marker = data[offset + 1]
        if marker in (0xD8, 0x01, 0xFF) or 0xD0 <= marker <= 0xD7:
            offset += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        jfif = marker == 0xE0 and bytes(data[offset + 4 : offset + 9]) == b"JFIF\x00"
        if jfif and offset + 16 <= len(data):
            aspect = ratio(*struct.unpack(">HH", data[offset + 12 : offset + 16]))
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return PageHeader(width, height, aspect)
        offset += 2 + length
    raise UnknownFormat("JPEG has no frame header (truncated or corrupt)")


def webp_size(data: bytes | mmap.mmap) -> tuple[int, int]:
    chunk = bytes(data[12:16])
    if chunk == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise UnknownFormat("WebP header not understood")


def jp2_boxes(data: bytes | mmap.mmap, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """The boxes between `start` and `end`: each one's type and where its content starts and ends."""
    offset = start
    while offset + 8 <= end:
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        content = offset + 8
        if length == 1:  # the length follows, in 64 bits
            (length,) = struct.unpack(">Q", data[content : content + 8])
            content += 8
        elif length == 0:  # the last box: to the end
            length = end - offset
        if length < content - offset or offset + length > end:
            raise UnknownFormat("JPEG 2000 box lengths do not add up (truncated or corrupt)")
        yield kind, content, offset + length
        offset += length


def jp2_size(data: bytes | mmap.mmap) -> tuple[int, int]:
    """Width and height from the image header box (`ihdr`) of the JP2 header box (`jp2h`)."""
    for kind, start, end in jp2_boxes(data, 0, len(data)):
        if kind == b"jp2h":
            for inner, content, _ in jp2_boxes(data, start, end):
                if inner == b"ihdr":
                    height, width = struct.unpack(">II", data[content : content + 8])
                    return width, height
        if kind == b"jp2c":
            break  # the codestream: a header box would have come before it
    raise UnknownFormat("JPEG 2000 has no image header (truncated or corrupt)")


def codestream_size(data: bytes | mmap.mmap, start: int) -> tuple[int, int]:
    """Width and height from a codestream's size marker: the reference grid less its offset."""
    if bytes(data[start : start + 4]) != J2K_START:
        raise UnknownFormat("JPEG 2000 codestream has no size marker")
    grid_width, grid_height, left, top = struct.unpack(">IIII", data[start + 8 : start + 24])
    return grid_width - left, grid_height - top


PNM_HEADER_MOST = 4096  # bytes: comments longer than this before the size are no scanner's


def pnm_header(data: bytes | mmap.mmap) -> tuple[int, int, int]:
    """Width, height and the largest sample value (1 for a bitmap) of a PNM: whitespace-parted
    numbers after the magic, `#` comments to the end of their line."""
    head = bytes(data[:PNM_HEADER_MOST])
    wanted = 2 if head[:2] in (b"P1", b"P4") else 3
    numbers: list[int] = []
    for line in head[2:].split(b"\n"):
        for token in line.split(b"#", 1)[0].split():
            if not token.isdigit():
                raise UnknownFormat("PNM header not understood")
            numbers.append(int(token))
            if len(numbers) == wanted:
                width, height, largest = numbers[0], numbers[1], numbers[2] if wanted == 3 else 1
                if not 0 < largest < 65536:
                    raise UnknownFormat(f"PNM's largest sample value {largest} is not 1-65535")
                return width, height, largest
    raise UnknownFormat("PNM header truncated")


TIFF_SHORT, TIFF_LONG, TIFF_RATIONAL, TIFF_LONG8 = 3, 4, 5, 16
IMAGE_WIDTH, IMAGE_LENGTH, X_RESOLUTION, Y_RESOLUTION = 256, 257, 282, 283


def tiff_headers(data: bytes | mmap.mmap, big: bool) -> list[PageHeader]:
    """ImageWidth, ImageLength, XResolution and YResolution of every directory (page) in a
    TIFF or BigTIFF."""
    order = "<" if bytes(data[:2]) == b"II" else ">"
    offset_format, count_format, entry_size = ("Q", "Q", 20) if big else ("I", "H", 12)
    offset_size = struct.calcsize(offset_format)
    (offset,) = struct.unpack(order + offset_format, data[8:16] if big else data[4:8])
    headers: list[PageHeader] = []
    seen: set[int] = set()
    while offset:
        if offset in seen or len(headers) >= MAX_TIFF_PAGES:
            raise UnknownFormat("TIFF directories loop or are too many")
        seen.add(offset)
        count_size = struct.calcsize(count_format)
        (entries,) = struct.unpack(order + count_format, data[offset : offset + count_size])
        start = offset + count_size
        size: dict[int, int] = {}
        resolution = {X_RESOLUTION: 0.0, Y_RESOLUTION: 0.0}
        for index in range(entries):
            entry = data[start + entry_size * index : start + entry_size * (index + 1)]
            tag, kind = struct.unpack(order + "HH", entry[:4])
            value = entry[12:] if big else entry[8:]
            if tag in (IMAGE_WIDTH, IMAGE_LENGTH):
                value_format = {TIFF_SHORT: "H", TIFF_LONG: "I", TIFF_LONG8: "Q"}.get(kind)
                if value_format is None:
                    raise UnknownFormat("TIFF page size of an unknown type")
                size[tag] = struct.unpack(order + value_format, value[: struct.calcsize(value_format)])[0]
            elif tag in resolution and kind == TIFF_RATIONAL:
                resolution[tag] = tiff_rational(data, order, value, big)
        if len(size) != 2:
            raise UnknownFormat(f"TIFF page {len(headers) + 1} has no size")
        aspect = ratio(resolution[X_RESOLUTION], resolution[Y_RESOLUTION])
        headers.append(PageHeader(size[IMAGE_WIDTH], size[IMAGE_LENGTH], aspect))
        end = start + entry_size * entries
        (offset,) = struct.unpack(order + offset_format, data[end : end + offset_size])
    if not headers:
        raise UnknownFormat("TIFF has no pages")
    return headers


def tiff_rational(data: bytes | mmap.mmap, order: str, value: bytes, big: bool) -> float:
    """A RATIONAL entry's value (two 32-bit integers: in a BigTIFF's entry itself, elsewhere
    where the entry points); 0 where it cannot be read: a resolution is no reason to refuse
    a page."""
    if big:
        pair = value[:8]
    else:
        (at,) = struct.unpack(order + "I", value[:4])
        pair = data[at : at + 8]
    if len(pair) < 8:
        return 0.0
    numerator, denominator = struct.unpack(order + "II", pair)
    return numerator / denominator if denominator else 0.0
