"""Peak memory and time of one reader process on hostile files, written afresh here.

    python benchmarks/hostile.py [--keep DIR]

Each file is read by `digitscan run FILE --workers 1` (the page is read in the one process,
so its peak RSS is the reader's, model and runtime included); the table gives its peak RSS
(VmHWM, read until it exits: exact but for its last few milliseconds), wall time, exit code
and the one line it printed. A normal form page is the baseline. Nothing here is kept
unless --keep names a folder.
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import cv2
import numpy as np

PAGE = (2338, 1654)  # A4 at 200 dpi


def png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">II", width, height) + bytes([8, 0, 0, 0, 0])
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def tiff_directories(sizes: list[tuple[int, int]], big: bool) -> bytes:
    if big:
        out, count, entry, offset = (
            bytearray(b"II+\x00\x08\x00\x00\x00" + struct.pack("<Q", 16)),
            "<Q",
            "<HHQQ",
            "<Q",
        )
    else:
        out, count, entry, offset = bytearray(b"II*\x00" + struct.pack("<I", 8)), "<H", "<HHII", "<I"
    for index, (width, height) in enumerate(sizes):
        directory = (
            struct.pack(count, 2)
            + struct.pack(entry, 256, 4, 1, width)
            + struct.pack(entry, 257, 4, 1, height)
        )
        following = 0 if index + 1 == len(sizes) else len(out) + len(directory) + struct.calcsize(offset)
        out += directory + struct.pack(offset, following)
    return bytes(out)


def write_cases(folder: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    cases: dict[str, Path] = {}

    def add(name: str, data: bytes) -> None:
        cases[name] = folder / name
        cases[name].write_bytes(data)

    form = np.full(PAGE, 235, np.uint8)
    for row in range(300, 2200, 150):
        cv2.putText(form, "12345 678", (200, row), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.5, 20, 4)
    add("baseline-form.png", cv2.imencode(".png", form)[1].tobytes())
    small = cv2.imencode(".tif", form[:200, :200])[1].tobytes()
    add(
        "tiff-second-page-25000.tif",
        small[:4] + tiff_directories([(200, 200), (25000, 25000)], big=False)[4:],
    )
    add("bigtiff-30000.tif", tiff_directories([(30000, 30000)], big=True))
    header = struct.pack(">I4sII", 22, b"ihdr", 30000, 30000) + bytes(6)
    add(
        "jpeg2000-30000.jp2",
        b"\x00\x00\x00\x0cjP  \r\n\x87\n"
        + struct.pack(">I4s", 8 + len(header), b"jp2h")
        + header
        + bytes(4096),
    )
    add("pnm-30000.pgm", b"P5\n30000 30000\n255\n" + bytes(4096))
    add("gif-as.png", b"GIF89a" + struct.pack("<HH", 20000, 20000) + bytes(4096))
    add("png-header-30000.png", png_header_only(30000, 30000))
    garbage = folder / "garbage-1.5GB.png"
    with garbage.open("wb") as handle:
        handle.write(os.urandom(1 << 16))
        handle.truncate(1_500_000_000)
    cases[garbage.name] = garbage
    add(
        "salt-and-pepper.png",
        cv2.imencode(".png", np.where(rng.random(PAGE) < 0.5, 0, 255).astype(np.uint8))[1].tobytes(),
    )
    rows, cols = np.mgrid[0 : PAGE[0], 0 : PAGE[1]]
    picture = 128 + 100 * np.sin(cols / 200) * np.cos(rows / 150)
    dithered = np.where(picture > rng.random(PAGE) * 255, 255, 0).astype(np.uint8)
    _, encoded = cv2.imencode(".tif", dithered, [cv2.IMWRITE_TIFF_COMPRESSION, 5])
    add("dithered-1bit.tif", encoded.tobytes())
    return cases


def high_water_mb(pid: int) -> float | None:
    """The process's peak resident memory so far (VmHWM: its own, not what fork lent it)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure(path: Path) -> tuple[float, float, int, str]:
    """Peak RSS (the last VmHWM read before the process ended), wall time, exit code, message."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "digitscan", "run", str(path), "--workers", "1", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, high_water_mb(process.pid) or 0.0)
        time.sleep(0.005)
    seconds = time.perf_counter() - started
    message = (process.stderr.read() if process.stderr else b"").decode(errors="replace").strip().splitlines()
    return peak, seconds, process.returncode, (message or [""])[0][:110]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        print("| file | peak RSS | wall time | exit | message |")
        print("|---|---|---|---|---|")
        for name, path in write_cases(folder).items():
            rss, seconds, code, message = measure(path)
            message = message.replace(str(folder) + "/", "").replace("|", "/")
            print(f"| `{name}` | {rss:.0f} MB | {seconds:.2f} s | {code} | {message} |")


if __name__ == "__main__":
    main()
