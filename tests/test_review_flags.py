"""Why a string is flagged (the reason column), and the accepted/wrong trade-off of evaluate."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
from typer.testing import CliRunner

from digitscan.classify import Label
from digitscan.cli import app
from digitscan.containers import (
    LOW_CONFIDENCE,
    ON_BOX_SIDE,
    ORIENTATION_UNSURE,
    TWO_IN_ONE_MARK,
    UNREAD_MARK,
    Box,
    Digit,
    DigitString,
    PageReading,
)
from digitscan.evaluate import Field, read_fields, review_tradeoff, score_forms
from digitscan.output import CSV_COLUMNS, CsvWriter, JsonlWriter
from digitscan.reasons import parted_by_height, shape_reasons
from digitscan.segment import lines
from digitscan.segment.glyphs import Glyph

runner = CliRunner()
CROP = np.zeros((28, 28), np.uint8)


def string(*labels: tuple[int | None, float], flags: tuple[str, ...] = ()) -> DigitString:
    digits = tuple(
        Digit(Box(i * 10, 0, 10, 10), Label(d, p, 0 if d != 0 else 1, 1 - p), CROP)
        for i, (d, p) in enumerate(labels)
    )
    return DigitString(1, Box(0, 0, 10 * len(labels), 10), digits, flags)


def test_each_kind_of_flag_has_its_reason():
    assert string((1, 0.99), (2, 0.98)).review_reasons(0.9) == ()
    assert string((1, 0.99), (2, 0.5)).review_reasons(0.9) == (LOW_CONFIDENCE,)
    assert string((1, 0.99), (None, 0.8)).review_reasons(0.9) == (UNREAD_MARK, LOW_CONFIDENCE)
    assert string((None, 0.99), (2, 0.99)).review_reasons(0.0) == (UNREAD_MARK,)
    turned = string((1, 0.99), flags=(ORIENTATION_UNSURE,))
    assert turned.review_reasons(0.9) == (ORIENTATION_UNSURE,) and turned.needs_review(0.9)


def test_run_summary_counts_the_reasons_for_review():
    from digitscan.containers import FileResult
    from digitscan.report import RunTally, needs_review_line

    strings = (
        string((1, 0.99)),
        string((1, 0.5)),
        string((None, 0.5), flags=(ORIENTATION_UNSURE,)),
        string((2, 0.7)),
    )
    tally = RunTally()
    tally.add(FileResult("a.png", (PageReading("a.png", 1, 100, 50, 0.0, strings),)), 0.9)
    assert tally.needs_review == 3
    assert needs_review_line(tally) == "3 (low-confidence 3, unread-mark 1, orientation-unsure 1)"
    assert needs_review_line(RunTally()) == "0"


def test_run_summary_names_the_pages_with_no_string():
    from digitscan.containers import FileResult
    from digitscan.report import RunTally, pages_line

    tally = RunTally()
    tally.add(FileResult("a.png", (PageReading("a.png", 1, 100, 50, 0.0, (string((1, 0.99)),)),)), 0.9)
    assert pages_line(tally) == "1"
    blank = [PageReading("b.pdf", page, 100, 50, 0.0, ()) for page in (1, 2)]
    tally.add(FileResult("b.pdf", tuple(blank)), 0.9)
    assert pages_line(tally) == "3 (2 with no string: b.pdf, b.pdf page 2)"
    for name in "cde":
        tally.add(FileResult(f"{name}.png", (PageReading(f"{name}.png", 1, 100, 50, 0.0, ()),)), 0.9)
    assert pages_line(tally) == "6 (5 with no string: b.pdf, b.pdf page 2, c.png, ...)"


def test_faint_strings_are_told_from_the_pages_others():
    from digitscan.numbers import faint

    assert faint([100, 95, 110, 30]) == [False, False, False, True]
    assert faint([100, 95, 30]) == [False, False, False]  # too few strings to compare
    assert faint([40, 38, 45, 42]) == [False] * 4  # a page all in pencil is no show-through


def test_a_strings_ink_contrast_is_the_same_whichever_way_up_the_page_came():
    # A register page fed upside down flagged a string `faint-ink` that upright was not: every
    # other pixel each way, from the box's corner, is another quarter of them once turned.
    from digitscan.orientation import turn_image, unturn_box
    from digitscan.segment.binarize import ink_contrast

    gray = np.random.default_rng(4).integers(0, 256, (120, 160)).astype(np.uint8)
    rows, cols = gray.shape
    for x, y, w, h in [(10, 20, 40, 30), (11, 7, 33, 18), (0, 0, 160, 120)]:
        on_turned = {  # the box on the page turned clockwise
            90: (rows - y - h, x, h, w),
            180: (cols - x - w, rows - y - h, w, h),
            270: (y, cols - x - w, h, w),
        }
        for degrees, box in on_turned.items():
            turned = turn_image(gray, degrees)
            assert unturn_box(box, turned.shape, degrees) == (x, y, w, h)
            assert ink_contrast(turned, box) == ink_contrast(gray, (x, y, w, h))


def test_a_digit_far_lighter_than_its_strings_others_is_told():
    from digitscan.numbers import faint_digit

    assert faint_digit(220, [40, 50, 170, 45])  # 50 against the others' 175
    assert not faint_digit(220, [40, 50, 120, 45])  # a lighter stroke, not another ink
    assert not faint_digit(220, [150, 160, 170])  # a pencil all through
    assert not faint_digit(220, [170])  # nothing to compare with


def test_reason_and_rotation_in_csv_and_jsonl():
    reading = PageReading("a.png", 1, 100, 50, 0.5, (string((4, 0.99), (2, 0.6)),), rotation=180)
    text = io.StringIO()
    CsvWriter(text, 0.9).write([reading])
    row = next(csv.DictReader(io.StringIO(text.getvalue())))
    assert tuple(row) == CSV_COLUMNS
    assert list(row)[list(row).index("needs_review") + 1] == "reason"
    assert (row["needs_review"], row["reason"], row["rotation"]) == ("true", "low-confidence", "180")
    lines = io.StringIO()
    JsonlWriter(lines, 0.5).write([reading])
    record = json.loads(lines.getvalue())
    assert (record["needs_review"], record["reason"], record["rotation"]) == (False, [], 180)


def write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["file", "page", "x", "y", "width", "height", "text", "confidence", "needs_review", "reason"]
        )
        writer.writerows(rows)


def hand_made(tmp_path):
    """Four truth fields: one read right and sure, one right but doubtful (flagged), one
    wrong yet sure (accepted: the worst case), one wrong with a '?' (flagged); and two strings
    on no field, one of them flagged."""
    truth, results = tmp_path / "truth.csv", tmp_path / "results.csv"
    write(
        truth,
        [
            ["p.png", 1, 0, y, 100, 20, text, "", "", ""]
            for y, text in [(0, "123"), (50, "45"), (100, "678"), (150, "90")]
        ],
    )
    write(
        results,
        [
            ["dir/p.png", 1, 2, 2, 90, 18, "123", 0.99, "false", ""],
            ["dir/p.png", 1, 2, 52, 90, 18, "45", 0.6, "true", "low-confidence"],
            ["dir/p.png", 1, 2, 102, 90, 18, "673", 0.97, "false", ""],
            ["dir/p.png", 1, 2, 152, 90, 18, "9?", 0.95, "true", "unread-mark"],
            ["dir/p.png", 1, 2, 300, 20, 18, "0", 0.99, "false", ""],  # on no field: a punched hole?
            ["dir/p.png", 1, 2, 350, 20, 18, "1", 0.99, "true", "stray-stroke"],
        ],
    )
    return truth, results


def test_accepted_and_wrong_among_accepted(tmp_path):
    truth, results = hand_made(tmp_path)
    score = score_forms(read_fields(truth), read_fields(results))
    assert score.exact == 0.5
    assert score.accepted == 0.5  # 123 and 673
    assert score.wrong_among_accepted == 0.5  # 673
    assert (score.spurious, score.spurious_accepted) == (2, 1)
    points = {p.threshold: p for p in review_tradeoff(read_fields(truth), read_fields(results), [0.5, 0.98])}
    assert points[0.5].accepted == 0.75 and points[0.5].wrong_among_accepted == 1 / 3
    assert points[0.98].accepted == 0.25 and points[0.98].wrong_among_accepted == 0.0
    assert points[0.98].wrong_flagged == 1.0 and points[0.98].right_flagged == 0.5  # 45 is right, doubtful


def test_a_missed_field_is_never_accepted():
    truth = [Field("p.png", 1, 0, 0, 100, 20, "12")]
    score = score_forms(truth, [])
    assert (score.missed, score.accepted, score.wrong_among_accepted) == (1, 0.0, 0.0)


def test_evaluate_reports_and_plots_the_tradeoff(tmp_path):
    truth, results = hand_made(tmp_path)
    plot = tmp_path / "tradeoff.png"
    result = runner.invoke(
        app, ["evaluate", "--truth", str(truth), str(results), "--plot", str(plot), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["accepted"], report["wrong_among_accepted"]) == (0.5, 0.5)
    assert any(p["threshold"] == 0.9 for p in report["tradeoff"])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = runner.invoke(app, ["evaluate", "--truth", str(truth), str(results)])
    assert "wrong among accepted" in table.stdout and "0.9 (default)" in table.stdout
    kept = results.read_bytes()
    again = runner.invoke(app, ["evaluate", "--truth", str(truth), str(results), "--plot", str(results)])
    assert again.exit_code == 2 and "exists" in again.output  # the results are no plot to write over
    assert results.read_bytes() == kept


def test_a_runs_json_lines_score_as_its_csv(tmp_path):
    """`evaluate --truth` takes either output of `run`: the same page's CSV and JSONL score alike."""
    from pathlib import Path

    page = Path(__file__).parent.parent / "samples" / "form-01.png"
    scores = []
    for name in ("results.csv", "results.jsonl"):
        out = tmp_path / name
        assert runner.invoke(app, ["run", str(page), "--out", str(out), "--quiet"]).exit_code == 0
        truth = page.parent / "truth.csv"
        result = runner.invoke(app, ["evaluate", "--truth", str(truth), str(out), "--json"])
        assert result.exit_code == 0, result.output
        scores.append(json.loads(result.stdout))
    assert scores[0] == scores[1]
    assert scores[0]["fields"] == 89 and scores[0]["exact"] > 0.1  # one page of the eight read


def test_a_truth_file_without_fields_is_an_error_not_a_score(tmp_path):
    _, results = hand_made(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = runner.invoke(app, ["evaluate", "--truth", str(empty), str(results)])
    assert result.exit_code == 3 and "empty.csv" in result.output and "no fields" in result.output


def test_a_bad_row_among_many_is_named_by_its_line(tmp_path):
    truth, results = hand_made(tmp_path)
    rows = truth.read_text().splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*rows, rows[-1].replace(",1,", ",one,", 1)]) + "\n")
    result = runner.invoke(app, ["evaluate", "--truth", str(bad), str(results)])
    assert result.exit_code == 3 and f"line {len(rows) + 1}: not a CSV" in " ".join(result.output.split())
    torn = tmp_path / "torn.jsonl"  # a run's JSON lines, the last cut off
    torn.write_text('{"file": "p.png", "page": 1, "text": "12", "box": [0, 0, 9, 9]}\n{"file": "p')
    result = runner.invoke(app, ["evaluate", "--truth", str(truth), str(torn)])
    assert result.exit_code == 3 and "torn.jsonl: line 2: not a CSV" in " ".join(result.output.split())


def upright_stroke(x: int, y: int, width: int, height: int) -> Glyph:
    return Glyph(x, y, width, height, np.ones((height, width), bool))


def test_shape_reasons_come_per_string_in_their_order():
    # Two strings of two marks on a page with no rules but one run as a box's side and
    # thicker than print (`lines.Rules.thick_sides`), through the first string's second mark;
    # the second string's first mark is two digits read out of a mark too narrow for them.
    found = [
        upright_stroke(100, 100, 30, 50),
        upright_stroke(150, 100, 12, 50),
        upright_stroke(100, 300, 30, 50),
        upright_stroke(150, 300, 30, 50),
    ]
    labels = [Label(digit, 0.99, 0, 0.01) for digit in (4, 1, 5, 6)]
    blank = np.zeros((500, 400), np.uint8)
    rules = lines.Rules(blank, blank, 2, (), thick_sides=((150, 95, 12, 60),))
    reasons = shape_reasons(found, labels, [[0, 1], [2, 3]], blank, rules, 50.0, [], {2}, [False, False])
    assert reasons == [(ON_BOX_SIDE,), (TWO_IN_ONE_MARK,)]
    both = shape_reasons(found, labels, [[0, 1, 2]], blank, rules, 50.0, [], {2}, [False])
    assert both == [(TWO_IN_ONE_MARK, ON_BOX_SIDE)]


def test_a_pale_string_parts_no_number_by_its_height():
    # The other side of a register's page showing through beside an entry (`22` of a mirrored
    # name, beside 3966): another pen's ink, flagged faint itself, and no piece of the entry.
    entry, beside = [upright_stroke(100, 100, 40, 64)], [upright_stroke(150, 130, 24, 34)]
    assert parted_by_height([entry, beside], [], [False, False]) == {0, 1}
    assert parted_by_height([entry, beside], [], [False, True]) == set()
