"""Bulk runs: broken inputs, interruption and resume, parallel equals serial, fuzzed pages."""

import csv
import io
import json
import os
import platform
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from digitscan.errors import InputFileError, PageRefused
from digitscan.memory import reuse_page_buffers
from digitscan.pages import load_pages
from digitscan.pipeline import read_image
from tests.conftest import ENV, REPO, blank_page, write_digits


def digitscan(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "digitscan", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=ENV,
    )


def good_page(mnist, text="2024", nth=0, size=(1200, 800)):
    page = blank_page(*size)
    write_digits(page, mnist, text, 150, 300, 80, nth=nth)
    return page


def png_header_only(width, height):
    """A PNG whose header claims width x height, with a tiny (wrong) body."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + len(ihdr).to_bytes(4, "big") + chunk + zlib.crc32(chunk).to_bytes(4, "big")


def encrypted_pdf():
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    ids = b"<00112233445566778899aabbccddeeff>"
    out += b"trailer\n<< /Size 5 /Root 1 0 R /Encrypt 4 0 R /ID [" + ids + b" " + ids + b"] >>\n"
    return out + b"startxref\n%d\n%%%%EOF\n" % xref


@pytest.fixture
def broken_corpus(tmp_path, mnist):
    folder = tmp_path / "batch"
    folder.mkdir()
    cv2.imwrite(str(folder / "a-good.png"), good_page(mnist, "2024"))
    cv2.imwrite(str(folder / "z-good.jpg"), good_page(mnist, "735", nth=5))
    png = cv2.imencode(".png", good_page(mnist))[1].tobytes()
    jpeg = cv2.imencode(".jpg", good_page(mnist))[1].tobytes()
    tiff = cv2.imencode(".tif", good_page(mnist))[1].tobytes()
    broken = {
        "corrupt.png": png[:40] + os.urandom(3000),
        "truncated.jpg": jpeg[: len(jpeg) // 3],
        "truncated.tif": tiff[:200],
        "corrupt.pdf": b"%PDF-1.4\n" + os.urandom(500),
        "empty.png": b"",
        "text.png": b"this is not an image\n" * 20,
        "encrypted.pdf": encrypted_pdf(),
        "tiny.png": cv2.imencode(".png", np.zeros((1, 1), np.uint8))[1].tobytes(),
        "huge.png": png_header_only(30000, 30000),
    }
    for name, data in broken.items():
        (folder / name).write_bytes(data)
    (folder / "notes.txt").write_text("skipped, not an image")
    (folder / "loop").symlink_to(folder)  # a folder link back to itself
    (folder / "dangling.png").symlink_to(folder / "missing.png")
    (folder / os.fsdecode(b"caf\xe9-latin1.png")).write_bytes(png)
    return folder, broken


def test_broken_files_fail_alone_and_good_files_are_read(broken_corpus, tmp_path):
    folder, broken = broken_corpus
    out, errors = tmp_path / "out.csv", tmp_path / "errors.csv"
    result = digitscan("run", str(folder), "--out", str(out), "--errors", str(errors), "--workers", "2")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8", errors="surrogateescape")))
    by_file = {Path(r["file"]).name: r["text"] for r in rows}
    assert by_file["a-good.png"] == "2024" and by_file["z-good.jpg"] == "735"
    assert os.fsdecode(b"caf\xe9-latin1.png") in by_file  # a non-UTF-8 name is written as its bytes
    assert b"/caf\xe9-latin1.png," in out.read_bytes()
    failed = {Path(r["file"]).name: r["error"] for r in csv.DictReader(errors.open(encoding="utf-8"))}
    assert set(failed) == {*broken, "dangling.png", "loop"}
    assert "over the limit" in failed["huge.png"] and "--max-pixels" in failed["huge.png"]
    assert "empty file" in failed["empty.png"]
    assert "encrypted" in failed["encrypted.pdf"]
    assert "too small" in failed["tiny.png"]
    for name in broken:  # one line on stderr each, naming the file
        assert sum(name in line for line in result.stderr.splitlines()) == 1


def tiff_header_only(width, height):
    """A little-endian TIFF whose first directory claims width x height, with no pixels."""
    entries = [(256, 4, 1, width), (257, 4, 1, height)]
    ifd = len(entries).to_bytes(2, "little") + b"".join(
        tag.to_bytes(2, "little")
        + kind.to_bytes(2, "little")
        + n.to_bytes(4, "little")
        + v.to_bytes(4, "little")
        for tag, kind, n, v in entries
    )
    return b"II*\x00" + (8).to_bytes(4, "little") + ifd + bytes(4)


def test_pixel_limit_is_checked_before_decoding(tmp_path):
    for name, data in (
        ("huge.png", png_header_only(30000, 30000)),
        ("huge.tif", tiff_header_only(30000, 30000)),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputFileError, match="30000x30000"):
            list(load_pages(str(path)))
    small = tmp_path / "small.png"
    cv2.imwrite(str(small), np.full((100, 100), 255, np.uint8))
    with pytest.raises(InputFileError, match="over the limit of 5,000"):
        list(load_pages(str(small), max_pixels=5000))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(tmp_path, mnist):
    path = tmp_path / "locked.png"
    cv2.imwrite(str(path), good_page(mnist))
    path.chmod(0)
    with pytest.raises(InputFileError, match="permission denied"):
        list(load_pages(str(path)))


def test_spreadsheet_formulas_in_names_are_neutralised(tmp_path, mnist):
    cv2.imwrite(str(tmp_path / "=HYPERLINK(1).png"), good_page(mnist, "42"))
    out = tmp_path / "out.csv"
    assert digitscan("run", "=HYPERLINK(1).png", "--out", str(out), "-q", cwd=tmp_path).returncode == 0
    row = next(csv.DictReader(out.open(encoding="utf-8")))
    assert row["file"] == "'=HYPERLINK(1).png"
    from digitscan.evaluate import read_fields
    from digitscan.output import cell_text, safe_cell

    assert [f.file for f in read_fields(out)] == ["=HYPERLINK(1).png"]  # what evaluate matches
    for name in ("=1+1.png", "-2.png", "'quoted.png", "'=x.png", "''=x.png", "a.png"):
        assert cell_text(safe_cell(name)) == name


@pytest.fixture(scope="module")
def batch(tmp_path_factory, mnist):
    folder = tmp_path_factory.mktemp("pages")
    for index in range(16):
        page = good_page(mnist, f"{index:02d}{(index * 37) % 1000:03d}", nth=index * 5, size=(2400, 1800))
        cv2.imwrite(str(folder / f"page-{index:02d}.png"), page)
    reference = folder.parent / "reference.csv"
    result = digitscan("run", str(folder), "--out", str(reference), "--workers", "1", "-q")
    assert result.returncode == 0, result.stderr
    return folder, reference.read_bytes()


def test_parallel_equals_serial(batch, tmp_path):
    folder, reference = batch
    out = tmp_path / "parallel.csv"
    assert digitscan("run", str(folder), "--out", str(out), "--workers", "3", "-q").returncode == 0
    assert out.read_bytes() == reference
    assert reference.count(b"\r\n") == 17  # header and one string per page


@pytest.mark.parametrize("suffix", [".pdf", ".tif"])
def test_a_documents_pages_are_shared_among_the_workers_with_the_same_rows(tmp_path, mnist, suffix):
    """A stack of forms scanned into one PDF or TIFF was read by one process while the others
    waited: its pages now go to the workers in runs, and are put together as one file's, the
    rows and error rows byte for byte those of one worker (a page refused inside a run too)."""
    from PIL import Image

    from digitscan.api import first_job, later_jobs

    pages = [good_page(mnist, f"{n}{n + 3}{n + 5}", nth=7 * n) for n in range(5)]
    pages[2] = cv2.resize(pages[2], None, fx=3, fy=3)  # over --max-pixels below: refused, the rest read
    images = [Image.fromarray(page) for page in pages]
    stack = tmp_path / f"stack{suffix}"
    images[0].save(stack, save_all=True, append_images=images[1:], resolution=150, dpi=(150, 150))
    assert first_job(str(stack)).numbers == range(1, 2)  # the first page brings back the count
    assert [job.numbers for job in later_jobs(str(stack), 2, 5, 2)] == [range(2, 4), range(4, 6)]
    assert first_job(str(REPO / "samples" / "form-01.png")).numbers is None
    written = {}
    for workers in ("1", "2"):
        out, errors = tmp_path / f"r{workers}.csv", tmp_path / f"e{workers}.csv"
        args = ["--out", str(out), "--errors", str(errors), "--max-pixels", "4000000", "--dpi", "150"]
        result = digitscan("run", str(stack), *args, "--workers", workers, "-q")
        assert result.returncode == 1, result.stderr  # page 3
        written[workers] = (out.read_bytes(), errors.read_bytes())
    assert written["1"] == written["2"]
    rows, errors = written["2"]
    assert rows.count(b"\r\n") == 1 + 4 and b"page 3 not read" in errors


def test_progress_moves_with_a_long_documents_runs_of_pages(tmp_path, mnist):
    """A 1,000-page PDF left the progress bar at 0 pages until it was whole: the pages are
    told as each run comes back (with one worker, file by file)."""
    from PIL import Image

    from digitscan.api import scan

    images = [Image.fromarray(good_page(mnist, f"{n}{n}", nth=n)) for n in range(5)]
    images[0].save(tmp_path / "stack.pdf", save_all=True, append_images=images[1:], resolution=150)
    for workers, told in ((2, [1, 2, 2]), (1, [5])):  # the first page, then runs of 2 for 2 workers
        seen: list[int] = []
        results = list(scan([str(tmp_path / "stack.pdf")], workers=workers, on_pages=seen.append))
        assert seen == told and len(results) == 1 and len(results[0].pages) == 5


def reader_dying_on_page_3(source, numbers, options):
    """A reader whose process dies on a file named *crash* and on page 3 of a PDF, as a
    decoder's crash on a hostile file or page would end it."""
    from digitscan.api import read_in_worker

    if "crash" in Path(source).name or (numbers is not None and 3 in numbers):
        os._exit(1)
    return read_in_worker(source, numbers, options)


def test_a_reader_that_dies_costs_only_its_own_file_or_pages(tmp_path, mnist):
    """Every job in flight fails when a process dies; the neighbours were reported crashed with
    the culprit. Now each is read again alone: only the culprit's file (or, for a run of a
    PDF's pages, those pages) is reported."""
    from PIL import Image

    from digitscan.api import ScanOptions, scan_parallel

    for name, text in (("a.png", "123"), ("crash.png", "456"), ("c.png", "789")):
        cv2.imwrite(str(tmp_path / name), good_page(mnist, text, nth=len(text) * ord(name[0])))
    images = [Image.fromarray(good_page(mnist, f"{n}0{n}", nth=3 * n)) for n in range(1, 7)]
    images[0].save(tmp_path / "d.pdf", save_all=True, append_images=images[1:], resolution=150)
    files = [str(tmp_path / name) for name in ("a.png", "crash.png", "c.png", "d.pdf")]
    options = ScanOptions(dpi=150)
    results = list(scan_parallel(files, None, options, 2, reader=reader_dying_on_page_3))
    assert [r.source for r in results] == files
    assert [r.error is None for r in results] == [True, False, True, False]
    assert results[1].error.endswith("crash.png: the reader process crashed on this file")
    assert [p.strings[0].text for r in (results[0], results[2]) for p in r.pages] == ["123", "789"]
    assert [p.page for p in results[3].pages] == [1, 5, 6]  # pages 2-4 were one run
    assert "page 2 not read: the reader process crashed on it (and pages 3, 4)" in results[3].error


def test_killed_run_resumes_to_the_same_result(batch, tmp_path):
    folder, reference = batch
    out = tmp_path / "out.csv"
    journal = tmp_path / ".out.csv.journal"
    command = [
        sys.executable,
        "-m",
        "digitscan",
        "run",
        str(folder),
        "--out",
        str(out),
        "--workers",
        "1",
        "-q",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_text().count("\n") >= 3:
            break
        time.sleep(0.005)
    assert process.poll() is None, "the run finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not out.exists()  # nothing half-written under the real name
    part = tmp_path / ".out.csv.part"
    with part.open("a") as torn:
        torn.write("page-99.png,1,1,12")  # a row cut off mid-write
    afresh = digitscan("run", str(folder), "--out", str(out), "-q")
    assert afresh.returncode == 2 and "killed run" in afresh.stderr  # its rows are not thrown away unasked
    assert part.read_text().endswith("page-99.png,1,1,12")
    result = digitscan("run", str(folder), "--out", str(out), "--workers", "2", "--resume", "-q")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == reference
    assert not part.exists() and not journal.exists()


def test_rows_the_journal_names_but_the_part_lost_are_read_again(batch, tmp_path):
    """After a power cut the journal may name rows the disk never got: resuming padded the part
    to the journal's offset with zero bytes and skipped those files."""
    folder, reference = batch
    ends = [n + 2 for n in range(len(reference)) if reference.startswith(b"\r\n", n)]  # header, a row a page
    pages = sorted(folder.iterdir())
    (tmp_path / ".out.csv.part").write_bytes(reference[: ends[4] - 5])  # rows of 4 pages, the last torn
    entries = [{"file": str(pages[k]), "offset": ends[k + 1], "error": None, "page": None} for k in range(6)]
    journal = [json.dumps({"format": "csv"}), *(json.dumps(e) for e in entries)]
    (tmp_path / ".out.csv.journal").write_text("\n".join(journal) + "\n")
    out = tmp_path / "out.csv"
    result = digitscan("run", str(folder), "--out", str(out), "--workers", "1", "--resume", "-q")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == reference


def test_sigterm_stops_cleanly_and_resume_finishes(batch, tmp_path):
    folder, reference = batch
    out = tmp_path / "out.csv"
    journal = tmp_path / ".out.csv.journal"
    command = [sys.executable, "-m", "digitscan", "run", str(folder), "--out", str(out), "--workers", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (journal.exists() and journal.read_text().count("\n") >= 2):
        time.sleep(0.005)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr and "--resume" in stderr and "Traceback" not in stderr
    assert digitscan("run", str(folder), "--out", str(out), "--resume", "-q").returncode == 0
    assert out.read_bytes() == reference


def test_resume_after_a_finished_run_adds_only_new_files(batch, tmp_path, mnist):
    folder, reference = batch
    out = tmp_path / "out.csv"
    out.write_bytes(reference)
    result = digitscan("run", str(folder), "--out", str(out), "--resume", "-q")
    assert result.returncode == 0 and out.read_bytes() == reference


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.binary(max_size=4000), suffix=st.sampled_from([".png", ".jpg", ".tif", ".pdf", ".bmp", ".webp"])
)
def test_random_bytes_never_escape_as_unhandled_errors(tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        pages = list(load_pages(str(path)))
    except InputFileError as error:
        assert str(path) in str(error)
    else:
        assert all(page.image.dtype == np.uint8 and page.image.ndim == 2 for page in pages)


@settings(max_examples=25, deadline=None)
@given(
    image=arrays(np.uint8, st.tuples(st.integers(8, 300), st.integers(8, 300)), elements=st.integers(0, 255))
)
def test_random_images_never_break_the_page_stage(classifier, image):
    try:
        reading = read_image(image, classifier)
    except PageRefused as refused:  # noise is refused as no form, with the reason
        assert "not a form" in str(refused)
        return
    for string in reading.strings:
        assert string.text and 0 <= string.confidence <= 1


def test_stdout_output_by_default(tmp_path, mnist):
    cv2.imwrite(str(tmp_path / "p.png"), good_page(mnist, "512", nth=3))
    result = digitscan("run", str(tmp_path / "p.png"), "-q")
    assert result.returncode == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["text"] for r in rows] == ["512"]
    assert list(rows[0]) == [
        "file",
        "page",
        "index",
        "text",
        "confidence",
        "x",
        "y",
        "width",
        "height",
        "needs_review",
        "reason",
        "skew",
        "rotation",
    ]
    assert rows[0]["file"] == str(tmp_path / "p.png")


def test_relative_paths_stay_relative(tmp_path, mnist):
    (tmp_path / "forms").mkdir()
    cv2.imwrite(str(tmp_path / "forms" / "p.png"), good_page(mnist, "77"))
    result = digitscan("run", "forms", "-q", cwd=tmp_path)
    assert result.returncode == 0
    assert "forms/p.png," in result.stdout


def test_repo_root_is_importable():
    assert (REPO / "digitscan" / "__init__.py").exists()


def test_page_buffers_are_kept_for_reuse_where_glibc_allows():
    assert reuse_page_buffers() is (sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc")


def test_a_file_named_twice_is_read_once(mnist, tmp_path):
    """A page given alone and in its folder, by another spelling, and through a link beside it
    was read four times and its rows written four times; now once, under the first name, and
    the summary says how many names were passed over."""
    forms = tmp_path / "forms"
    forms.mkdir()
    cv2.imwrite(str(forms / "a.png"), good_page(mnist))
    (forms / "b.png").symlink_to(forms / "a.png")
    first = str(forms / "a.png")
    result = digitscan("run", first, str(forms), str(tmp_path / "." / "forms" / "a.png"), "--out", "-")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {row["file"] for row in rows} == {first}
    assert [row["text"] for row in rows] == ["2024"]
    assert "3 named again, read once" in result.stderr


def test_the_cpus_a_cgroup_quota_allows_are_read_from_v1_and_v2(tmp_path):
    """A container limited to 2 of a host's 64 CPUs: os.cpu_count() says 64, and a reader
    process each (with their models) would start; its cgroup's quota says 2."""
    from digitscan.cpus import cgroup_cpu_limit, quota_of

    assert quota_of("200000 100000\n") == 2.0
    assert quota_of("150000 100000") == 1.5
    assert quota_of("max 100000") is None
    assert quota_of("garbage") is None
    assert quota_of(None, ("-1\n", "100000\n")) is None
    assert quota_of(None, ("50000", "100000")) == 0.5
    v2 = tmp_path / "v2"
    (v2 / "pod" / "job").mkdir(parents=True)
    (v2 / "cgroup.controllers").write_text("cpu memory\n")
    (v2 / "pod" / "cpu.max").write_text("300000 100000\n")
    (v2 / "pod" / "job" / "cpu.max").write_text("max 100000\n")
    assert cgroup_cpu_limit(v2, "0::/pod/job\n") == 3.0  # the group above limits it
    assert cgroup_cpu_limit(v2, "0::/\n") is None
    v1 = tmp_path / "v1"
    (v1 / "cpu,cpuacct").mkdir(parents=True)
    (v1 / "cpu,cpuacct" / "cpu.cfs_quota_us").write_text("200000\n")
    (v1 / "cpu,cpuacct" / "cpu.cfs_period_us").write_text("100000\n")
    assert cgroup_cpu_limit(v1, "4:cpu,cpuacct:/\n") == 2.0
    assert cgroup_cpu_limit(tmp_path / "none", "") is None


def test_usable_cpus_are_the_affinitys_within_the_quota(monkeypatch):
    import digitscan.cpus as cpus

    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    monkeypatch.setattr(cpus, "cgroup_cpu_limit", lambda: None)
    assert cpus.usable_cpus() == allowed
    monkeypatch.setattr(cpus, "cgroup_cpu_limit", lambda: 0.5)
    assert cpus.usable_cpus() == 1
    monkeypatch.setattr(cpus, "cgroup_cpu_limit", lambda: 1000.0)
    assert cpus.usable_cpus() == allowed
