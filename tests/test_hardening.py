"""No input exhausts memory, no command destroys data: each case built from a generated file."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from digitscan.errors import InputFileError
from digitscan.evaluate import read_fields
from digitscan.output import OutputLock
from digitscan.pages import Page, PageProblem, document_pages, load_pages
from digitscan.pipeline import read_image, read_page
from tests.conftest import ENV, REPO, blank_page, write_digits


def digitscan(*args, cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "digitscan", *args], capture_output=True, timeout=timeout, cwd=cwd, env=ENV
    )


@pytest.fixture
def forms(tmp_path, mnist):
    folder = tmp_path / "forms"
    folder.mkdir()
    for number, text in enumerate(["2024", "735", "19"], start=1):
        page = blank_page(900, 500)
        write_digits(page, mnist, text, 150, 300, 80, nth=number)
        cv2.imwrite(str(folder / f"form-{number}.png"), page)
    return folder


def peak_rss_mb(code: str) -> float:
    """Run `code` in a fresh interpreter and return its peak resident memory in MB: its own
    VmHWM (getrusage would also count what the fork lent it of this big test process)."""
    report = "print([line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM')][0])"
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"], capture_output=True, text=True, env=ENV, check=True
    )
    return int(result.stdout.split()[-1]) / 1024


def loading_peak_rss_mb(path: Path) -> float:
    """Peak memory of a fresh interpreter that tries to load `path`'s pages."""
    return peak_rss_mb(
        "from digitscan.pages import load_pages\n"
        f"try: list(load_pages({str(path)!r}))\nexcept Exception: pass"
    )


def refused_with(path: Path, match: str) -> None:
    with pytest.raises(InputFileError, match=match):
        list(load_pages(str(path)))


# --- data loss and wrong output -------------------------------------------------------------


def test_out_naming_an_input_is_refused_and_the_input_kept(forms):
    target = forms / "form-1.png"
    before = target.read_bytes()
    result = digitscan("run", str(forms), "--out", str(target))
    assert result.returncode == 2
    assert b"is one of the input files" in result.stderr
    assert target.read_bytes() == before
    link = forms.parent / "link.csv"
    link.symlink_to(target)  # the same file by another name
    assert digitscan("run", str(forms), "--out", str(link)).returncode == 2
    assert target.read_bytes() == before


def test_two_outputs_of_one_name_are_refused(forms, tmp_path):
    """`--errors` named as `--out` wrote the error rows over the results; now the run is
    refused (exit 2) before anything is read, by any spelling of the one path."""
    out = tmp_path / "results.csv"
    result = digitscan("run", str(forms), "--out", str(out), "--errors", str(tmp_path / "." / "results.csv"))
    assert result.returncode == 2 and b"given to both --out and --errors" in result.stderr
    assert not out.exists()
    assert digitscan("run", str(forms), "--out", str(out), "--annotate", str(out)).returncode == 2
    crops = tmp_path / "crops"  # its index.csv, where a person corrects labels, was the error rows'
    result = digitscan(
        "run", str(forms), "--out", str(out), "--crops", str(crops), "--errors", str(crops / "index.csv")
    )
    assert result.returncode == 2 and b"given to both --errors and --crops" in result.stderr


def test_outputs_that_exist_are_kept_unless_resumed_or_overwritten(forms, tmp_path):
    """An earlier run's results, its errors CSV and a crops folder whose index.csv a person
    corrected are never replaced unasked: exit 2 before anything is read, the files as they were."""
    out, errors, crops = tmp_path / "out.csv", tmp_path / "errors.csv", tmp_path / "crops"
    crops.mkdir()
    for option, path, target in (
        ("--out", out, out),
        ("--errors", errors, errors),
        ("--crops", crops, crops / "index.csv"),
    ):
        target.write_text("kept\n", encoding="utf-8")
        result = digitscan("run", str(forms), option, str(path), "-q")
        assert result.returncode == 2, option
        assert b"exists" in result.stderr and b"--overwrite" in result.stderr
        assert target.read_text(encoding="utf-8") == "kept\n"
        target.unlink()
    assert digitscan("run", str(forms), "--out", str(out), "-q").returncode == 0
    first = out.read_bytes()
    assert digitscan("run", str(forms), "--out", str(out), "--resume", "-q").returncode == 0
    assert out.read_bytes() == first  # every file done already: nothing added
    both = digitscan("run", str(forms), "--out", str(out), "--resume", "--overwrite", "-q")
    assert both.returncode == 2 and b"give one" in both.stderr
    out.write_text("old\n", encoding="utf-8")
    assert digitscan("run", str(forms), "--out", str(out), "--overwrite", "-q").returncode == 0
    assert out.read_bytes() == first


def test_output_folders_inside_an_input_folder_are_refused(forms):
    result = digitscan("run", str(forms), "--annotate", str(forms / "pictures"), "-q")
    assert result.returncode == 2 and b"inside an input folder" in result.stderr


def test_a_second_run_on_the_same_out_is_refused(forms, tmp_path):
    out = tmp_path / "out.csv"
    lock = OutputLock(out)  # as a running digitscan holds it
    try:
        result = digitscan("run", str(forms), "--out", str(out), "-q")
        assert result.returncode == 2
        assert b"another digitscan run is writing it" in result.stderr
        assert not out.exists()
    finally:
        lock.release()
    assert digitscan("run", str(forms), "--out", str(out), "-q").returncode == 0


def test_resume_in_another_format_is_refused(forms, tmp_path):
    out = tmp_path / "out.csv"
    assert digitscan("run", str(forms), "--out", str(out), "-q").returncode == 0
    finished = out.read_bytes()
    result = digitscan("run", str(forms), "--out", str(out), "--resume", "--format", "jsonl", "-q")
    assert result.returncode == 2 and b"holds csv rows; rerun with --format csv" in result.stderr
    assert out.read_bytes() == finished
    jsonl = tmp_path / "out.jsonl"
    assert digitscan("run", str(forms), "--out", str(jsonl), "--format", "jsonl", "-q").returncode == 0
    result = digitscan("run", str(forms), "--out", str(jsonl), "--resume", "--format", "csv", "-q")
    assert result.returncode == 2 and b"holds jsonl rows" in result.stderr
    # A killed run's journal knows its format too.
    part, journal = tmp_path / ".half.csv.part", tmp_path / ".half.csv.journal"
    part.write_text("file,page\r\n")
    journal.write_text('{"format": "jsonl"}\n')
    result = digitscan("run", str(forms), "--out", str(tmp_path / "half.csv"), "--resume", "-q")
    assert result.returncode == 2 and b"holds jsonl rows" in result.stderr


def test_the_format_follows_the_out_files_name_unless_given(forms, tmp_path):
    # `--out results.jsonl` wrote CSV into it, which `digitscan review` then could not read.
    for name, given, first in (
        ("out.jsonl", (), b"{"),
        ("out.NDJSON", (), b"{"),
        ("out.csv", (), b"file,"),
        ("out.txt", (), b"file,"),
        ("csv.jsonl", ("--format", "csv"), b"file,"),
    ):
        out = tmp_path / name
        assert digitscan("run", str(forms), "--out", str(out), *given, "-q").returncode == 0
        assert out.read_bytes().startswith(first), name
    jsonl = tmp_path / "out.jsonl"
    finished = jsonl.read_bytes()
    assert digitscan("run", str(forms), "--out", str(jsonl), "--resume", "-q").returncode == 0
    assert jsonl.read_bytes() == finished  # resumed as the JSON lines it holds


@pytest.mark.parametrize("output_format", ["csv", "jsonl"])
def test_resume_on_a_finished_result_edited_since(forms, tmp_path, output_format):
    """A finished result is what --resume adds new scans to: its last line end taken off (an
    editor) glued the first new row to the last old one; a torn line, or a spreadsheet's
    byte-order mark, is refused naming it, the file as it was."""
    others = sorted(forms.iterdir())[1:]
    out = tmp_path / f"out.{output_format}"
    args = ("run", str(forms), "--out", str(out), "--format", output_format, "-q")
    for other in others:
        other.rename(tmp_path / other.name)
    assert digitscan(*args).returncode == 0
    finished = out.read_bytes()
    out.write_bytes(finished.rstrip(b"\r\n"))
    (tmp_path / others[0].name).rename(others[0])
    assert digitscan(*args, "--resume").returncode == 0
    resumed = out.read_bytes()
    if output_format == "csv":
        rows = list(csv.reader(io.StringIO(resumed.decode(), newline="")))
        assert {len(row) for row in rows} == {len(rows[0])} and len(rows) > finished.count(b"\n")
    else:
        assert [json.loads(line)["file"] for line in resumed.splitlines()][-1] == str(others[0])
    torn = b'"' + str(others[1]).encode() + b",1\r\n" if output_format == "csv" else b'{"file": "x'
    (tmp_path / others[1].name).rename(others[1])
    refusals = [(resumed + torn, b"(mend that line"), (b"\xef\xbb\xbf" + resumed, b"byte-order mark")]
    for damaged, said in refusals:
        out.write_bytes(damaged)
        result = digitscan(*args, "--resume")
        assert result.returncode == 2 and said in result.stderr and out.read_bytes() == damaged


UNUSUAL_NAMES = [
    b"new\nline.png",
    b"carriage\rreturn.png",
    b"bad\xff\xfe.png",
    b"'quoted.png",
    b"=formula.png",
]


@pytest.mark.parametrize("output_format", ["csv", "jsonl"])
def test_resume_on_a_finished_result_matches_unusual_names(forms, tmp_path, output_format):
    source = (forms / "form-1.png").read_bytes()
    for name in UNUSUAL_NAMES:
        Path(os.fsdecode(bytes(forms) + b"/" + name)).write_bytes(source)
    out = tmp_path / f"out.{output_format}"
    args = ("run", str(forms), "--out", str(out), "--format", output_format, "-q")
    assert digitscan(*args).returncode == 0
    finished = out.read_bytes()
    result = digitscan(*args, "--resume")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == finished  # every file known as done: not one row twice
    if output_format == "csv":
        assert b"/bad\xff\xfe.png," in finished  # the name's own bytes, not an escape
        names = [
            row[0] for row in csv.reader(io.StringIO(finished.decode("utf-8", "surrogateescape"), newline=""))
        ]
        assert sum(n.endswith("new\nline.png") for n in names) == 1


# --- memory before the pixel limit ----------------------------------------------------------


def tiff_pages(sizes: list[tuple[int, int]], big: bool = False) -> bytes:
    """A little-endian TIFF (or BigTIFF) whose directories claim these page sizes, no pixels."""
    if big:  # version 43, 8-byte offsets, first directory at 16
        out, count_format, entry_format, offset_format = (
            bytearray(b"II+\x00\x08\x00\x00\x00"),
            "<Q",
            "<HHQQ",
            "<Q",
        )
        out += struct.pack("<Q", 16)
    else:
        out, count_format, entry_format, offset_format = bytearray(b"II*\x00"), "<H", "<HHII", "<I"
        out += struct.pack("<I", 8)
    for index, (width, height) in enumerate(sizes):
        directory = struct.pack(count_format, 2)
        directory += struct.pack(entry_format, 256, 4, 1, width) + struct.pack(
            entry_format, 257, 4, 1, height
        )
        last = index + 1 == len(sizes)
        following = 0 if last else len(out) + len(directory) + struct.calcsize(offset_format)
        out += directory + struct.pack(offset_format, following)
    return bytes(out)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_every_tiff_page_is_checked_before_decoding(tmp_path):
    bomb = tmp_path / "second-page-huge.tif"
    bomb.write_bytes(tiff_pages([(100, 100), (25000, 25000)]))
    pages = list(document_pages(str(bomb)))
    assert [p.number for p in pages if isinstance(p, PageProblem)] == [1, 2]  # no pixels; too big
    assert "25000x25000 pixels is over the limit" in pages[1].reason
    only = list(document_pages(str(bomb), numbers=range(2, 3)))  # a run of pages: the others not touched
    assert [(type(p), p.number) for p in only] == [(PageProblem, 2)]
    result = digitscan("run", str(bomb), "-q")
    assert (
        result.returncode == 1 and b"page 1 not read: " in result.stderr and b"(and page 2)" in result.stderr
    )
    refused_with(bomb, "page 1: ")  # load_pages: the first page that cannot be read ends the file
    assert loading_peak_rss_mb(bomb) < 300


def test_a_page_over_the_limit_does_not_lose_the_documents_other_pages(tmp_path, mnist):
    import pypdfium2 as pdfium

    from digitscan.synth import write_pdf

    form = blank_page(1200, 1000)
    write_digits(form, mnist, "512", 150, 300, 80)
    write_pdf(tmp_path / "form.pdf", [form], 200)
    document = pdfium.PdfDocument.new()
    document.new_page(200 * 72, 200 * 72)  # a fold-out drawing: 60000 pixels a side at 300 dpi
    document.import_pages(pdfium.PdfDocument(str(tmp_path / "form.pdf")))
    document.save(str(tmp_path / "mixed.pdf"))
    document.close()
    result = digitscan("run", str(tmp_path / "mixed.pdf"), "-q")
    assert result.returncode == 1
    assert b",2,1,512," in result.stdout  # page 2 read
    assert b"page 1 not read: 60000x60000 pixels is over the limit" in result.stderr
    assert [p.number for p in document_pages(str(tmp_path / "mixed.pdf"), numbers=range(2, 3))] == [2]
    shown = digitscan("preview", str(tmp_path / "mixed.pdf"), "--page", "2")  # page 1 not rendered
    assert shown.returncode == 0 and b"512" in shown.stdout
    every = digitscan("preview", str(tmp_path / "mixed.pdf"))  # page 1 named, page 2 still shown
    assert every.returncode == 1 and b"512" in every.stdout and b"page 1 not read" in every.stderr


def test_bigtiff_is_recognised_and_checked(tmp_path):
    bomb = tmp_path / "big.tif"
    bomb.write_bytes(tiff_pages([(30000, 30000)], big=True))
    refused_with(bomb, "30000x30000 pixels is over the limit")


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"GIF89a" + (20000).to_bytes(2, "little") * 2 + bytes(100), "GIF"),
        (b"8BPS" + bytes(100), "Photoshop"),
    ],
)
def test_content_decides_the_format_not_the_name(tmp_path, content, kind):
    path = tmp_path / "looks-like.png"
    path.write_bytes(content)
    refused_with(path, f"{kind} is not a supported format")


def test_a_phones_photos_in_a_folder_are_named_not_skipped_unseen(forms):
    # A folder of an iPhone's HEIC photos said only "no images or PDFs found"; beside other
    # pages they were counted as "other files skipped". A scan saved as `.jfif` (Windows' name
    # for a JPEG) was skipped too.
    (forms / "IMG_0001.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100))
    (forms / "logo.gif").write_bytes(b"GIF89a" + bytes(100))
    (forms / "form-1.png").rename(forms / "form-1.jfif")  # PNG content: the content decides
    (forms / "notes.txt").write_text("not a page")
    result = digitscan("run", str(forms), "-q")
    assert result.returncode == 1
    assert b"IMG_0001.HEIC: HEIC is not a supported format" in result.stderr
    assert b"save the photo as JPEG or PNG" in result.stderr
    assert b"logo.gif: GIF is not a supported format" in result.stderr
    assert b"notes.txt" not in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode())))
    assert sorted({Path(row["file"]).name for row in rows}) == ["form-1.jfif", "form-2.png", "form-3.png"]


def jp2_boxes(*boxes: tuple[bytes, bytes]) -> bytes:
    return b"".join(struct.pack(">I4s", 8 + len(content), kind) + content for kind, content in boxes)


J2K_SIZE = struct.pack(">HHHHIIIIIIIIH", 0xFF4F, 0xFF51, 41, 0, 20000, 20000, 0, 0, 20000, 20000, 0, 0, 1)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (
            b"P5\n# a scanner's comment\n20000 20000\n255\n" + bytes(100),
            "20000x20000 pixels is over the limit",
        ),
        (b"P4 20000 20000\n" + bytes(100), "20000x20000 pixels is over the limit"),
        (J2K_SIZE + bytes(100), "20000x20000 pixels is over the limit"),
        (
            jp2_boxes(
                (b"jP  ", b"\r\n\x87\n"),
                (b"ftyp", b"jp2 "),
                (b"jp2h", jp2_boxes((b"ihdr", struct.pack(">II", 20000, 20000) + bytes(6)))),
            ),
            "20000x20000 pixels is over the limit",
        ),
        (
            jp2_boxes((b"jP  ", b"\r\n\x87\n")) + b"\x00\x00\xff\xffjp2h",
            "JPEG 2000 box lengths do not add up",
        ),
        (jp2_boxes((b"jP  ", b"\r\n\x87\n"), (b"jp2c", J2K_SIZE)), "JPEG 2000 has no image header"),
        (b"P5\n300 200\n0\n" + bytes(100), "largest sample value 0"),
        (b"P6\n300 2x00\n255\n" + bytes(100), "PNM header not understood"),
        (b"P2\n300\n", "PNM header truncated"),
    ],
)
def test_jpeg_2000_and_pnm_are_sized_from_their_headers_before_decoding(tmp_path, content, match):
    # A header claiming 400 million pixels is refused by the header, before a decoder allocates them.
    path = tmp_path / "looks-like.png"
    path.write_bytes(content)
    refused_with(path, match)


def test_an_archives_jpeg_2000_and_a_scanners_pnm_read_as_the_png(tmp_path, mnist, classifier):
    # Archives deliver their scans of old registers as JPEG 2000, SANE's scanimage writes PNM:
    # both were refused ("not a supported format"), and skipped in a folder.
    page = blank_page(900, 500)
    write_digits(page, mnist, "2024", 150, 200, 80)
    write_digits(page, mnist, "735", 150, 400, 80, nth=4)
    cv2.imwrite(str(tmp_path / "page.png"), page)
    cv2.imwrite(str(tmp_path / "page.jp2"), page)
    jp2 = (tmp_path / "page.jp2").read_bytes()
    (tmp_path / "page.j2k").write_bytes(jp2[jp2.index(b"jp2c") + 4 :])  # the bare codestream
    cv2.imwrite(str(tmp_path / "page.pgm"), page)
    cv2.imwrite(str(tmp_path / "page.ppm"), cv2.cvtColor(page, cv2.COLOR_GRAY2BGR))
    twelve_bit = (page.astype(np.uint32) * 4095 // 255).astype(">u2")  # white 4095, not 65535
    (tmp_path / "twelve-bit.pgm").write_bytes(b"P5\n# 12 bits\n900 500\n4095\n" + twelve_bit.tobytes())
    bitmap = np.packbits(page < 128, axis=1)  # PBM: 1 is black
    (tmp_path / "page.pbm").write_bytes(b"P4\n900 500\n" + bitmap.tobytes())
    # 12-bit samples in 16-bit TIFF and PNG (a camera's, an archive scanner's), and an 8-bit
    # page saved as 16-bit: read as if white were 65535, nothing was read on them
    cv2.imwrite(str(tmp_path / "twelve-bit.tif"), (page.astype(np.uint32) * 4095 // 255).astype(np.uint16))
    cv2.imwrite(str(tmp_path / "twelve-bit.png"), (page.astype(np.uint32) * 4095 // 255).astype(np.uint16))
    cv2.imwrite(str(tmp_path / "eight-in-sixteen.tif"), page.astype(np.uint16))
    cv2.imwrite(str(tmp_path / "sixteen-bit.png"), page.astype(np.uint16) * 257)
    names = [
        "page.png",
        "page.jp2",
        "page.j2k",
        "page.pgm",
        "page.ppm",
        "twelve-bit.pgm",
        "page.pbm",
        "twelve-bit.tif",
        "twelve-bit.png",
        "eight-in-sixteen.tif",
        "sixteen-bit.png",
    ]
    texts = {
        name: [s.text for s in read_page(next(load_pages(str(tmp_path / name))), classifier).strings]
        for name in names
    }
    assert texts["page.png"] == ["2024", "735"]
    assert all(found == texts["page.png"] for found in texts.values()), texts
    result = digitscan("run", str(tmp_path), "--out", str(tmp_path / "out.csv"), "-q")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "out.csv").open(newline="")))
    assert sorted({Path(row["file"]).name for row in rows}) == sorted(names)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_a_huge_garbage_file_is_refused_without_reading_it(tmp_path):
    garbage = tmp_path / "garbage.png"
    with garbage.open("wb") as handle:
        handle.write(os.urandom(4096))
        handle.truncate(1_500_000_000)  # sparse: 1.5 GB on paper, nothing on disk
    assert loading_peak_rss_mb(garbage) < 300
    refused_with(garbage, "not an image or PDF")


# --- processes and messages -----------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_exit_when_the_parent_is_killed(forms, tmp_path):
    for copy in range(12):
        (forms / f"copy-{copy}.png").write_bytes((forms / "form-1.png").read_bytes())
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "digitscan",
            "run",
            str(forms),
            "--out",
            str(tmp_path / "o.csv"),
            "--workers",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = children_of(process.pid)
        time.sleep(0.05)
    assert workers, "no worker started"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.1)
    alive = [
        pid
        for pid in workers
        if Path(f"/proc/{pid}").exists() and "Z" not in (Path(f"/proc/{pid}/stat").read_text().split()[2:3])
    ]
    assert not alive, f"orphaned workers still running: {alive}"


def zero_page_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def test_pdf_errors_do_not_leak_from_file_to_file(tmp_path):
    from tests.test_bulk import encrypted_pdf

    (tmp_path / "a-encrypted.pdf").write_bytes(encrypted_pdf())
    (tmp_path / "b-empty.pdf").write_bytes(zero_page_pdf())
    refused_with(tmp_path / "a-encrypted.pdf", "encrypted PDF")
    with pytest.raises(InputFileError) as error:
        list(load_pages(str(tmp_path / "b-empty.pdf")))
    assert "encrypted" not in str(error.value) and "Success" not in str(error.value)


def test_one_line_per_bad_file_and_nothing_else(forms, tmp_path):
    tiff = cv2.imencode(".tif", np.full((300, 300), 200, np.uint8))[1].tobytes()
    bad = {
        "truncated.tif": tiff[: len(tiff) // 2],
        "cut.png": cv2.imencode(".png", blank_page())[1].tobytes()[:300],
        "[draft] notes.png": b"not an image",  # brackets are no markup in a message
    }
    for name, data in bad.items():
        (forms / name).write_bytes(data)
    result = digitscan("run", str(forms), "--out", str(tmp_path / "o.csv"), "--workers", "2", "-q")
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert len(lines) == len(bad), lines
    for name in bad:
        assert sum(name in line for line in lines) == 1


def test_names_that_look_like_markup_or_hold_a_newline_are_shown_as_they_are(tmp_path):
    """A folder `scans[` holding `]a.png` made the name `scans[/]a.png`, rich's closing tag: the
    run summary raised after writing every row. A newline in a bad file's name split its error
    line in two."""
    folder = tmp_path / "scans["
    folder.mkdir()
    cv2.imwrite(str(folder / "]a.png"), blank_page(300, 200))
    cv2.imwrite(str(folder / "[red]b.png"), blank_page(300, 200))
    (folder / "empty\nc.png").write_bytes(b"")
    result = digitscan("run", "scans[", "--out", "o.csv", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 1, result.stderr.decode()
    said = result.stderr.decode()
    assert "Traceback" not in said
    assert said.splitlines()[0] == "error: scans[/empty\\nc.png: empty file (0 bytes)"
    summary = " ".join(said.split())  # the panel wraps long lines
    assert "scans[/[red]b.png" in summary and "scans[/]a.png" in summary


def test_unwritable_outputs_are_found_before_reading(forms, tmp_path):
    started = time.monotonic()
    result = digitscan(
        "run", str(forms), "--out", str(tmp_path / "o.csv"), "--errors", "/nonexistent/dir/e.csv"
    )
    assert result.returncode == 2 and b"/nonexistent/dir/e.csv: cannot write here" in result.stderr
    assert not (tmp_path / "o.csv").exists() and time.monotonic() - started < 30
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = digitscan("run", str(forms), "--annotate", str(blocker / "sub"), "-q")
    assert result.returncode == 2 and b"cannot create --annotate folder" in result.stderr
    result = digitscan("run", str(forms), "--out", str(tmp_path), "-q")  # not "exists; --resume it"
    said = result.stderr.decode()
    assert result.returncode == 2 and f"{tmp_path}: is a folder; --out takes a file name" in said


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_named_as_one(tmp_path):
    fifo = tmp_path / "x.png"
    os.mkfifo(fifo)
    refused_with(fifo, "is a FIFO")


# --- cost of hostile pages ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["salt-and-pepper", "dithered", "speckled", "screened"])
def test_a_noise_page_gives_no_strings_quickly(tmp_path, kind):
    rng = np.random.default_rng(0)
    if kind == "screened":  # a halftone screen: rows of dots alike, as a dotted line's (`lines.dashed_lines`)
        page = np.full((2338, 1654), 235, np.uint8)
        for y, x in np.ndindex(2338 // 8, 1654 // 8):
            page[8 * y : 8 * y + 3, 8 * x : 8 * x + 3] = 30
    elif kind == "salt-and-pepper":
        page = np.where(rng.random((2338, 1654)) < 0.5, 0, 255).astype(np.uint8)
    elif kind == "dithered":
        rows, cols = np.mgrid[0:2338, 0:1654]
        picture = 128 + 100 * np.sin(cols / 200) * np.cos(rows / 150)
        page = np.where(picture > rng.random(picture.shape) * 255, 255, 0).astype(np.uint8)
    else:
        page = np.full((2338, 1654), 235, np.uint8)
        page[rng.random(page.shape) < 0.05] = 0
    path = tmp_path / f"{kind}.png"
    cv2.imwrite(str(path), page)
    started = time.monotonic()
    result = digitscan("run", str(path), "--workers", "1", "-q")
    assert result.stdout.decode().count("\n") == 1  # the header alone: no strings
    if kind == "speckled":  # isolated specks on blank paper: a dusty scan, read through a median filter
        assert result.returncode == 0 and not result.stderr
    else:
        assert result.returncode == 1
        assert b"page 1 not read" in result.stderr and b"not a form" in result.stderr
    assert time.monotonic() - started < 20  # a few seconds with start-up; was 20 s to 37 s a page


def test_a_grainy_scan_is_read_not_refused(classifier):
    # Grey-level noise of sigma 14 (a cheap scanner, a dark photo): thresholded as it is, its
    # grain is thousands of specks a megapixel and the page was refused as no form.
    page = next(iter(load_pages(REPO / "samples" / "form-01.png")))
    grainy = np.clip(page.image + np.random.default_rng(0).normal(0, 14, page.image.shape), 0, 255)
    reading = read_page(Page(page.source, 1, grainy.astype(np.uint8), page.dpi), classifier)
    truth = {t.text for t in read_fields(REPO / "samples" / "truth.csv") if t.file == "form-01.png"}
    assert len(truth & {s.text for s in reading.strings}) >= len(truth) - 1


def test_a_refused_page_does_not_lose_the_files_other_pages(tmp_path, mnist):
    form = blank_page(1200, 1000)
    write_digits(form, mnist, "512", 150, 300, 80)
    noise = np.where(np.random.default_rng(1).random((1000, 1200)) < 0.5, 0, 255).astype(np.uint8)
    path = tmp_path / "mixed.tif"
    cv2.imwritemulti(str(path), [noise, form])
    result = digitscan("run", str(path), "-q")
    assert result.returncode == 1
    assert b",2,1,512," in result.stdout  # page 2 read
    assert b"page 1 not read" in result.stderr


@pytest.mark.parametrize(
    ("shape", "says"),
    [
        ((1, 1), "1x1 pixels is too small to hold digits"),
        ((0, 0), "0x0 pixels is too small"),
        ((10,), "an array of shape (10,) is no image"),
        ((2, 60, 200, 3), "is no image"),
        ((60, 200, 5), "is no image"),
    ],
)
def test_an_array_no_page_can_be_is_refused_by_the_library_with_its_reason(classifier, shape, says):
    # The files `digitscan run` reads are checked as they are loaded; a library caller's own
    # array reached OpenCV unchecked (a 1x1 image: "Sizes of input arguments do not match").
    with pytest.raises(InputFileError, match=re.escape(says)):
        read_image(np.full(shape, 235, np.uint8), classifier)
    if len(shape) == 2:
        with pytest.raises(InputFileError, match=r"^scan\.png: "):
            read_page(Page("scan.png", 1, np.full(shape, 235, np.uint8)), classifier)


def test_an_image_with_one_channel_or_gray_and_alpha_reads_as_the_gray_one(classifier, mnist):
    page = blank_page(600, 200)
    write_digits(page, mnist, "2024", 100, 150, 70)
    gray = [s.text for s in read_image(page, classifier).strings]
    assert gray == ["2024"]
    assert [s.text for s in read_image(page[:, :, None], classifier).strings] == gray
    opaque = np.dstack([page, np.full_like(page, 255)])
    assert [s.text for s in read_image(opaque, classifier).strings] == gray
