"""Seeing what was read: preview, annotated pages, crops and the correction loop, the run summary."""

import csv
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from typer.testing import CliRunner

from digitscan.cli import app
from digitscan.inspect import SHADES, crop_art, read_corrected_crops
from tests.conftest import ENV, MNIST_DIR, blank_page, write_digits

runner = CliRunner()


def page_with(mnist, text, nth=0):
    page = blank_page()
    write_digits(page, mnist, text, 200, 350, 90, nth=nth)
    return page


def test_preview_shows_text_and_crop_art(tmp_path, mnist):
    path = tmp_path / "p[red].png"  # square brackets in a file's name are no markup
    cv2.imwrite(str(path), page_with(mnist, "2024"))
    result = runner.invoke(app, ["preview", str(path)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "2024" in result.output
    assert "p[red].png, page 1" in result.output
    assert sum(result.output.count(c) for c in SHADES[2:]) > 40  # ink in plain characters off a terminal
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "\x1b[" not in result.output  # no colour when not a terminal


def test_crop_art_in_colour_uses_half_blocks():
    crop = np.zeros((28, 28), np.uint8)
    crop[4:24, 12:16] = 255
    art = crop_art([crop, crop], size=12, color=True)
    assert art.plain.count("▀") == 2 * 12 * 6
    plain = crop_art([crop], size=12, color=False).plain.splitlines()
    assert len(plain) == 6 and all(len(line) == 12 for line in plain)


def test_preview_missing_page(tmp_path, mnist):
    path = tmp_path / "page.png"
    cv2.imwrite(str(path), page_with(mnist, "7"))
    result = runner.invoke(app, ["preview", str(path), "--page", "3"])
    assert result.exit_code == 2 and "has no page 3" in result.output


def test_annotate_writes_one_picture_per_page(tmp_path, mnist):
    pages = [page_with(mnist, "31"), page_with(mnist, "4159", nth=4)]
    tiff = tmp_path / "in" / "two.tif"
    tiff.parent.mkdir()
    cv2.imwritemulti(str(tiff), pages)
    cv2.imwrite(str(tmp_path / "in" / "one.png"), pages[0][:600, :900])
    out = tmp_path / "pictures"
    result = runner.invoke(
        app, ["run", str(tmp_path / "in"), "--annotate", str(out), "--out", str(tmp_path / "r.csv")]
    )
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 3 and len(set(written)) == 3
    shapes = sorted(cv2.imread(str(p)).shape[:2] for p in out.iterdir())
    assert shapes == sorted([(800, 1200), (800, 1200), (600, 900)])


def test_a_crops_index_opened_in_a_spreadsheet_runs_no_formula(tmp_path, mnist, monkeypatch):
    """index.csv is where a person corrects labels, in a spreadsheet: a file named like a
    formula is written inert, as the results are, and its crops still read back."""
    monkeypatch.chdir(tmp_path)
    cv2.imwrite("=2+3.png", page_with(mnist, "385", nth=2))
    result = runner.invoke(app, ["run", "=2+3.png", "--crops", "crops", "--out", "r.csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(Path("crops/index.csv").read_text(encoding="utf-8").splitlines()))
    assert [r["file"] for r in rows] == ["'=2+3.png"] * 3
    assert all(r["path"].startswith("'=2+3.png.p1.") for r in rows)
    images, labels = read_corrected_crops(Path("crops"))
    assert images.shape == (3, 28, 28) and labels.tolist() == [3, 8, 5]


def test_files_whose_joined_names_meet_keep_their_own_pictures_and_crops(tmp_path, mnist, monkeypatch):
    """Pictures and crops are named by the path's parts joined by '__': `a/x.png` and
    `a__x.png` (and `../x.png` and `x.png`) met in one name, the second file's crops written
    over the first's while index.csv kept both rows, each labelled for its own digits."""
    monkeypatch.chdir(tmp_path)
    Path("in/a").mkdir(parents=True)
    cv2.imwrite("in/a/x.png", page_with(mnist, "385", nth=2))
    cv2.imwrite("in/a__x.png", page_with(mnist, "4170", nth=3))
    cv2.imwrite("x.png", page_with(mnist, "26", nth=4))
    Path("sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    cv2.imwrite("x.png", page_with(mnist, "90", nth=5))
    args = ["run", "../in", "../x.png", "x.png", "--out", "r.csv", "--crops", "crops", "--annotate", "pages"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(list(Path("pages").iterdir())) == 4
    rows = list(csv.DictReader(Path("crops/index.csv").read_text(encoding="utf-8").splitlines()))
    assert len({r["file"] for r in rows}) == 4 and len(rows) >= 10  # 11 digits written
    assert len({r["path"] for r in rows}) == len(rows) == len(list(Path("crops").glob("*.png")))


def test_crops_round_trip_into_training(tmp_path, mnist):
    path = tmp_path / "page.png"
    cv2.imwrite(str(path), page_with(mnist, "385", nth=2))
    crops = tmp_path / "crops"
    result = runner.invoke(app, ["run", str(path), "--crops", str(crops), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((crops / "index.csv").open(encoding="utf-8")))
    assert [r["label"] for r in rows] == ["3", "8", "5"]
    assert all((crops / r["path"]).exists() for r in rows)
    rows[1]["label"] = "x"  # a person marks the second crop as not a digit, the first as a 9
    rows[0]["label"] = "9"
    with (crops / "index.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    images, labels = read_corrected_crops(crops)
    assert images.shape == (3, 28, 28) and labels.tolist() == [9, 10, 5]
    model = tmp_path / "tuned.keras"
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(MNIST_DIR),
            "--limit",
            "300",
            "--epochs",
            "1",
            "--extra",
            str(crops),
            "--out",
            str(model),
        ],
    )
    assert result.exit_code == 0, result.output
    assert model.exists() and model.with_suffix(".tflite").exists()


def test_summary_goes_to_stderr_only(tmp_path, mnist):
    path = tmp_path / "page.png"
    cv2.imwrite(str(path), page_with(mnist, "66"))
    result = subprocess.run(
        [sys.executable, "-m", "digitscan", "run", str(path)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith("file,page,index,text")
    assert len(result.stdout.splitlines()) == 2
    assert "digitscan run" in result.stderr and "pages/s" in result.stderr
