"""Form templates: TOML checks, registration, field reading, validation, the CLI around them."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from digitscan import register
from digitscan.containers import TWO_MARKS_IN_CELL, Box
from digitscan.errors import PageRefused, UsageError
from digitscan.synth import draw_form, form_layout, generate_form_set, scan_distortion
from digitscan.templates import FieldSpec, load_template, template_toml
from digitscan.validate import Checks, failed_checks, luhn_valid, mod11_valid
from tests.conftest import ENV, REPO, write_digits

DPI = 200


def blank_form(seed: int) -> tuple[np.ndarray, list]:
    rng = np.random.default_rng(seed)
    title, layout = form_layout(rng, DPI)
    page, _, _ = draw_form(title, layout, DPI, None, rng)
    return cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), layout


def write_template(folder: Path, reference: np.ndarray, layout: list, extra: str = "") -> Path:
    cv2.imwrite(str(folder / "reference.png"), reference)
    specs = [FieldSpec(f.name, Box(*f.box), f.cells) for f in layout]
    path = folder / "form.toml"
    path.write_text(template_toml("test-form", "reference.png", DPI, specs) + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def form(tmp_path_factory) -> tuple[Path, np.ndarray, list]:
    folder = tmp_path_factory.mktemp("template")
    reference, layout = blank_form(7)
    return write_template(folder, reference, layout), reference, layout


def test_registration_recovers_a_known_shift_turn_and_scale(form) -> None:
    path, reference, layout = form
    template = load_template(path)
    for seed in range(3):
        distortion = scan_distortion(reference.shape, np.random.default_rng(seed), DPI)
        scan = cv2.warpPerspective(reference, distortion, reference.shape[::-1], borderValue=235)
        found = register.register(
            register.find_features(scan, DPI), template.features, template.print_mask, DPI
        )
        for field in layout:
            x, y, w, h = field.box
            corners = np.float32([[x, y], [x + w, y + h]]).reshape(-1, 1, 2)
            on_scan = cv2.perspectiveTransform(corners, distortion)
            back = cv2.perspectiveTransform(on_scan, found.to_reference)
            assert np.abs(back - corners).max() <= 2.0, (seed, field.name)


def test_another_layout_and_a_blank_sheet_are_refused(form) -> None:
    path, reference, _ = form
    template = load_template(path)
    other, _ = blank_form(8)
    with pytest.raises(PageRefused, match="form's print"):
        register.register(register.find_features(other, DPI), template.features, template.print_mask, DPI)
    blank = np.full_like(reference, 240)
    with pytest.raises(PageRefused):
        register.register(register.find_features(blank, DPI), template.features, template.print_mask, DPI)


@pytest.mark.parametrize(
    ("extra_field", "key"),
    [
        ("[[field]]\nbox = [1, 1, 10, 10]\n", "missing key 'name'"),
        ('[[field]]\nname = "x"\n', "missing key 'box'"),
        ('[[field]]\nname = "x"\nbox = [1, 1, 99999, 10]\n', "field 'x'.box"),
        ('[[field]]\nname = "x"\nbox = [1, 1, 10, 10]\npattern = "[0-9"\n', "field 'x'.pattern"),
        ('[[field]]\nname = "x"\nbox = [1, 1, 10, 10]\nparity = "even"\n', "field 2.parity: unknown key"),
        ('[[field]]\nname = "x"\nbox = [1, 1, 10, 10]\nchecksum = "crc"\n', "field 'x'.checksum"),
        ('[[field]]\nname = "x"\nbox = [1, 1, 10, 10]\ndate = "DDMM"\n', "field 'x'.date"),
        ('[[field]]\nname = "x"\nbox = [1, 1, 10, 10]\nmin = "low"\n', "field 'x'.min"),
    ],
)
def test_template_mistakes_are_usage_errors_naming_the_key(form, tmp_path, extra_field, key) -> None:
    _, reference, layout = form
    path = write_template(tmp_path, reference, layout[:1], "\n" + extra_field)
    with pytest.raises(UsageError, match=re.escape(key)):
        load_template(path)


def test_a_file_that_is_no_toml_is_refused_saying_what_a_template_is(tmp_path) -> None:
    path = tmp_path / "form.json"
    path.write_text('{"fields": []}', encoding="utf-8")
    with pytest.raises(UsageError, match=r"templates are TOML.*template detect"):
        load_template(path)


def test_a_bad_template_exits_2_naming_the_key(form, tmp_path) -> None:
    _, reference, layout = form
    path = write_template(
        tmp_path, reference, layout[:1], '\n[[field]]\nname = "x"\nbox = [1, 1, 10, 10]\npattern = "("\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "digitscan", "run", str(tmp_path / "reference.png"), "--template", str(path)],
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    assert result.returncode == 2
    assert "field 'x'.pattern" in result.stderr and "Traceback" not in result.stderr


def test_every_check_passes_and_fails() -> None:
    cases = [
        (Checks(pattern=re.compile(r"[0-9]{4}")), "1234", "12345", "pattern"),
        (Checks(min_length=3), "123", "12", "min_length"),
        (Checks(max_length=3), "123", "1234", "max_length"),
        (Checks(min=100), "100", "99", "min"),
        (Checks(max=100), "100", "101", "max"),
        (Checks(date="DDMMYYYY"), "29022024", "29022023", "date"),
        (Checks(date="YYMMDD"), "241231", "241331", "date"),
        (Checks(checksum="luhn"), "79927398713", "79927398710", "checksum"),
        (Checks(checksum="mod11"), "0306406152", "0306406153", "checksum"),
        (Checks(required=True), "7", "", "required"),
    ]
    for checks, good, bad, name in cases:
        assert failed_checks(good, checks) == (), (name, good)
        assert failed_checks(bad, checks) == (name,), (name, bad)
    assert failed_checks("", Checks(min_length=3, pattern=re.compile("1"))) == ()  # empty, not required
    assert failed_checks("12?4", Checks(min=0)) == ("min",)  # an unread mark is no number
    assert luhn_valid("4539578763621486") and not luhn_valid("4539578763621487")
    assert mod11_valid("0471958697")


def filled(reference: np.ndarray, layout: list, mnist, texts: dict[str, str]) -> np.ndarray:
    """The reference with digits written into the named fields (combs: `texts` gives a digit or
    a space per cell; two characters in one cell for a cell with two marks)."""
    page = reference.copy()
    for field in layout:
        text = texts.get(field.name, "")
        x, y, w, h = field.box
        height = int(0.6 * h)
        if field.cells:
            cell = w // field.cells
            for k, chars in enumerate(text.split("|")):
                chars = chars.strip()
                for j, char in enumerate(chars):
                    left = x + k * cell + cell // 6 + j * cell // 3
                    write_digits(
                        page, mnist, char, left, y + h - 8, int(0.5 * h) if len(chars) > 1 else height, nth=k
                    )
        else:
            write_digits(page, mnist, text, x + 12, y + h - 8, height)
    return page


def test_fields_read_by_name_with_checks_and_two_marks_in_a_cell(form, mnist, classifier, tmp_path) -> None:
    from digitscan.classify import load_line_reader, load_pair_reader
    from digitscan.forms import read_form
    from digitscan.pages import Page

    _, reference, layout = form
    combs = [f for f in layout if f.cells and f.cells >= 4]
    plain = [f for f in layout if not f.cells]
    assert combs and len(plain) >= 3
    comb = combs[0]
    texts = {plain[0].name: "4071", plain[1].name: "", plain[2].name: "35", comb.name: "2|61|8"}
    extra = '\n[[field]]\nname = "dummy"\nbox = [0, 0, 5, 5]\n'  # a field in a corner: empty, not required
    path = write_template(tmp_path, reference, layout, extra)
    text = path.read_text(encoding="utf-8")
    text = text.replace(f'name = "{plain[1].name}"', f'name = "{plain[1].name}"\nrequired = true')
    text = text.replace(f'name = "{plain[2].name}"', f'name = "{plain[2].name}"\nmin = 100')
    path.write_text(text, encoding="utf-8")
    template = load_template(path)
    page = filled(reference, layout, mnist, texts)
    distortion = scan_distortion(page.shape, np.random.default_rng(3), DPI)
    scan = cv2.warpPerspective(page, distortion, page.shape[::-1], borderValue=235)
    reading = read_form(
        Page("form.png", 1, scan, DPI),
        (template,),
        classifier,
        pair_reader=load_pair_reader(),
        line_reader=load_line_reader(),
    )
    fields = {f.field: f for f in reading.strings}
    assert reading.template == "test-form"
    assert list(fields) == [*(f.name for f in layout), "dummy"]
    assert fields[plain[0].name].text == "4071"
    assert fields[plain[1].name].text == "" and fields[plain[1].name].review_reasons(0.9) == ("required",)
    assert fields[plain[2].name].text == "35" and "min" in fields[plain[2].name].review_reasons(0.9)
    assert TWO_MARKS_IN_CELL in fields[comb.name].review_reasons(0.9)
    assert fields["dummy"].text == "" and not fields["dummy"].needs_review(0.9)
    # every other field is empty and unflagged: the form's print never reaches the output
    for field in layout:
        if field.name not in texts:
            assert fields[field.name].text == "", field.name


@pytest.fixture(scope="module")
def form_set(mnist, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("forms")
    generate_form_set(folder, mnist.x_test, mnist.y_test, seed=3, pages=3, others=1)
    return folder


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "digitscan", *args], capture_output=True, text=True, env=ENV, check=False
    )


def test_run_with_a_template_writes_one_row_per_field_and_refuses_another_form(form_set, tmp_path) -> None:
    out, errors = tmp_path / "fields.csv", tmp_path / "errors.csv"
    pages = sorted(form_set.glob("scan-*.png"))
    result = run_cli(
        "run",
        *map(str, pages),
        "--template",
        str(form_set / "template.toml"),
        "--out",
        str(out),
        "--errors",
        str(errors),
        "--workers",
        "2",
        "-q",
    )
    assert result.returncode == 1, result.stderr  # the other layout's page is an error
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == [
        "file",
        "page",
        "field",
        "text",
        "confidence",
        "needs_review",
        "reason",
        "x",
        "y",
        "width",
        "height",
    ]
    truth = list(csv.DictReader((form_set / "truth.csv").open(encoding="utf-8")))
    assert [(r["file"], r["field"]) for r in truth] == [(Path(r["file"]).name, r["field"]) for r in rows]
    exact = sum(r["text"] == t["text"] for r, t in zip(rows, truth, strict=True))
    wrong_accepted = sum(
        r["text"] != t["text"] and r["needs_review"] == "false" for r, t in zip(rows, truth, strict=True)
    )
    assert exact >= 0.85 * len(rows) and wrong_accepted <= 1
    refused = list(csv.DictReader(errors.open(encoding="utf-8")))
    assert len(refused) == 1 and "does not match the template" in refused[0]["error"]

    wide = run_cli("run", *map(str, pages), "--template", str(form_set / "template.toml"), "--wide", "-q")
    lines = list(csv.reader(wide.stdout.splitlines()))
    fields = sorted({r["field"] for r in truth})
    assert lines[0] == ["file", "page", "template", *fields, "needs_review"]
    assert len(lines) == 1 + 3

    jsonl = run_cli(
        "run", str(pages[0]), "--template", str(form_set / "template.toml"), "--format", "jsonl", "-q"
    )
    record = json.loads(jsonl.stdout.splitlines()[0])
    assert record["template"] == "generated-form" and record["field"] == "field_01"
    assert all("second" in digit for digit in record["digits"])


def test_template_detect_finds_the_generated_forms_fields(form_set, tmp_path) -> None:
    out, preview = tmp_path / "found.toml", tmp_path / "found.png"
    result = run_cli(
        "template", "detect", str(form_set / "reference.png"), "--out", str(out), "--preview", str(preview)
    )
    assert result.returncode == 0, result.stderr
    truth, found = load_template(form_set / "template.toml"), load_template(out)
    assert cv2.imread(str(preview)) is not None
    assert len(found.fields) == len(truth.fields)
    for want, got in zip(truth.fields, found.fields, strict=True):
        assert register.overlap(want.box, got.box) > 0.8 and register.overlap(got.box, want.box) > 0.8
        assert got.cells == want.cells
    again = run_cli("template", "detect", str(form_set / "reference.png"), "--out", str(out))
    assert again.returncode == 2 and "exists" in again.stderr and "choose another name" in again.stderr
    free_form = tmp_path / "free-form.toml"  # samples/' form-01: numbers written on a plain page
    none_found = run_cli("template", "detect", str(REPO / "samples" / "form-01.png"), "--out", str(free_form))
    assert none_found.returncode == 3 and "no boxes, combs or underlined blanks" in none_found.stderr
    assert not free_form.exists()


def test_resume_and_annotate_with_a_template(form_set, tmp_path) -> None:
    template = str(form_set / "template.toml")
    pages = [str(p) for p in sorted(form_set.glob("scan-*.png"))]
    whole, part = tmp_path / "whole.csv", tmp_path / "part.csv"
    run_cli("run", *pages, "--template", template, "--out", str(whole), "--workers", "1", "-q")
    run_cli("run", *pages[:2], "--template", template, "--out", str(part), "--workers", "1", "-q")
    resumed = run_cli(
        "run",
        *pages,
        "--template",
        template,
        "--out",
        str(part),
        "--resume",
        "--annotate",
        str(tmp_path / "a"),
        "-q",
    )
    assert resumed.returncode == 1  # the other layout's page again
    assert part.read_bytes() == whole.read_bytes()
    form_pages = {row["file"] for row in csv.DictReader((form_set / "truth.csv").open(encoding="utf-8"))}
    annotated = list((tmp_path / "a").glob("*.png"))
    assert len(annotated) == sum(Path(p).name in form_pages for p in pages[2:])  # read this time
    strings = run_cli("run", *pages, "--out", str(part), "--resume", "-q")
    assert strings.returncode == 2 and "other columns" in strings.stderr  # no mixing of row kinds


def test_each_page_goes_to_the_template_it_matches_best(form, form_set, classifier) -> None:
    from digitscan.forms import read_form
    from digitscan.pages import Page, load_pages

    path, reference, _ = form
    templates = (load_template(path), load_template(form_set / "template.toml"))
    truth = list(csv.DictReader((form_set / "truth.csv").open(encoding="utf-8")))
    scan = next(load_pages(str(form_set / truth[0]["file"])))
    assert read_form(scan, templates, classifier).template == "generated-form"
    assert read_form(Page("blank.png", 1, reference, DPI), templates, classifier).template == "test-form"
    with pytest.raises(PageRefused, match=r"does not match the template 'test-form'.*; nor 'generated-form'"):
        read_form(Page("other.png", 1, blank_form(8)[0], DPI), templates, classifier)


def test_fields_are_found_on_a_filled_reference_too(mnist) -> None:
    from dataclasses import replace

    from digitscan.synth import DigitSource, finish_page, random_style

    rng = np.random.default_rng(4)
    title, layout = form_layout(rng, DPI)
    canvas, _, ink = draw_form(title, layout, DPI, DigitSource(mnist.x_test, mnist.y_test, rng), rng)
    page = finish_page(canvas, ink, replace(random_style(rng, DPI), skew=0.0), rng)
    found = register.detect_fields(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), DPI)
    assert len(found) == len(layout)
    for want, got in zip(layout, found, strict=True):
        assert (
            register.overlap(Box(*want.box), got.box) > 0.7
            and register.overlap(got.box, Box(*want.box)) > 0.7
        )
        assert got.cells == want.cells


def turned_point(x: float, y: float, shape: tuple[int, int], turn: int) -> tuple[float, float]:
    """Where a point of an image lies once the image is turned by cv2.rotate(turn)."""
    height, width = shape
    if turn == cv2.ROTATE_90_CLOCKWISE:
        return height - 1 - y, x
    if turn == cv2.ROTATE_180:
        return width - 1 - x, height - 1 - y
    return y, width - 1 - x


@pytest.mark.parametrize("turn", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE])
def test_a_page_fed_sideways_or_upside_down_registers_too(form, turn) -> None:
    path, reference, layout = form
    template = load_template(path)
    turned = cv2.rotate(reference, turn)
    found = register.register(
        register.find_features(turned, DPI), template.features, template.print_mask, DPI
    )
    for field in layout:
        x, y, w, h = field.box
        for corner in ((x, y), (x + w, y + h)):
            on_turned = np.float32([turned_point(*corner, reference.shape, turn)]).reshape(-1, 1, 2)
            back = cv2.perspectiveTransform(on_turned, found.to_reference).ravel()
            assert np.abs(back - corner).max() <= 3.0, (field.name, corner, back)  # 2.3 px seen at 90 degrees


def test_a_digit_too_small_for_its_box_is_not_dropped_silently(form, mnist, classifier, tmp_path) -> None:
    from digitscan.containers import INK_LEFT_OUT
    from digitscan.forms import read_form
    from digitscan.pages import Page

    path, reference, layout = form
    field = next(f for f in layout if not f.cells)
    x, y, w, h = field.box
    page = reference.copy()
    write_digits(page, mnist, "7", x + w // 3, y + h // 2 + int(0.1 * h), int(0.2 * h))  # a fifth of the box
    (reading,) = [
        s
        for s in read_form(Page("small.png", 1, page, DPI), (load_template(path),), classifier).strings
        if s.field == field.name
    ]
    assert reading.text == "7" or INK_LEFT_OUT in reading.review_reasons(0.9)


def test_a_field_far_lighter_than_the_forms_others_is_flagged_faint_ink(form, mnist, classifier) -> None:
    """Each field is read alone, but show-through is told from the form's other fields: the
    field written a third as dark as the others is flagged, they are not."""
    from digitscan.containers import FAINT_INK
    from digitscan.forms import read_form
    from digitscan.pages import Page

    path, reference, layout = form
    plain = [f for f in layout if not f.cells]
    assert len(plain) >= 3
    dark = {plain[0].name: "4071", plain[1].name: "35", plain[2].name: "926"}
    page = filled(reference, layout, mnist, dark)
    for comb in (f for f in layout if f.cells and f.cells >= 4):
        page = filled(page, [comb], mnist, {comb.name: "|".join("5813"[: comb.cells])})
        dark[comb.name] = "5813"[: comb.cells]
    light = filled(np.full_like(reference, 255), plain[3:4], mnist, {plain[3].name: "86"})
    page = np.minimum(page, (255 - (255 - light.astype(np.float32)) / 3).astype(np.uint8))
    reading = read_form(Page("faint.png", 1, page, DPI), (load_template(path),), classifier)
    fields = {s.field: s for s in reading.strings}
    assert FAINT_INK in fields[plain[3].name].flags
    assert [name for name in dark if FAINT_INK in fields[name].flags] == []


def test_the_fields_of_a_blurred_form_are_flagged(form, mnist, classifier) -> None:
    """Each field is read as a snippet of the page, and carries the page's blur."""
    from digitscan.containers import BLURRED
    from digitscan.forms import read_form
    from digitscan.pages import Page

    path, reference, layout = form
    plain = [f for f in layout if not f.cells][:3]
    texts = dict(zip((f.name for f in plain), ("4071", "35", "926"), strict=True))
    page = filled(reference, layout, mnist, texts)
    smear = np.ones((1, round(2 * DPI / 25.4)), np.float32)  # shaken 2 mm sideways
    for image, blurred in ((page, False), (cv2.filter2D(page, -1, smear / smear.size), True)):
        reading = read_form(Page("form.png", 1, image, DPI), (load_template(path),), classifier)
        fields = {s.field: s for s in reading.strings}
        assert [BLURRED in fields[f.name].flags for f in plain] == [blurred] * 3


def test_a_form_scanned_as_a_negative_reads_by_its_template(form, mnist, classifier) -> None:
    """Light on dark, as microfilm: registered and read as the form it is a negative of."""
    from digitscan.forms import read_form
    from digitscan.pages import Page

    path, reference, layout = form
    plain = [f for f in layout if not f.cells][:3]
    texts = dict(zip((f.name for f in plain), ("4071", "35", "926"), strict=True))
    page = 255 - filled(reference, layout, mnist, texts)
    reading = read_form(Page("negative.png", 1, page, DPI), (load_template(path),), classifier)
    fields = {s.field: s.text for s in reading.strings}
    assert [fields[name] for name in texts] == list(texts.values())


def test_a_field_written_too_pale_to_read_is_flagged_not_empty(form, mnist, classifier, tmp_path) -> None:
    """Pencil pressed lightly, at 0.15 of the ink's darkness, is under the page's threshold:
    the field read as empty, unflagged, as if nothing were written. A mark a quarter of the box
    high or taller, darker than its paper by a tenth, flags it; the empty fields stay unflagged,
    one with a hint printed in light grey in its box (on the reference too) among them."""
    from digitscan.containers import INK_LEFT_OUT
    from digitscan.forms import read_form
    from digitscan.pages import Page

    _, reference, layout = form
    plain = [f for f in layout if not f.cells]
    x, y, w, h = plain[4].box
    reference = reference.copy()
    cv2.putText(reference, "00", (x + w // 4, y + 3 * h // 4), cv2.FONT_HERSHEY_SIMPLEX, h / 40, 215, 2)
    path = write_template(tmp_path, reference, layout)
    page = filled(reference, layout, mnist, {plain[0].name: "4071"})
    pale = filled(np.full_like(reference, 255), plain[3:4], mnist, {plain[3].name: "86"})
    page = np.minimum(page, (255 - (255 - pale.astype(np.float32)) * 0.15).astype(np.uint8))
    reading = read_form(Page("pale.png", 1, page, DPI), (load_template(path),), classifier)
    fields = {s.field: s for s in reading.strings}
    assert fields[plain[3].name].text == "" and fields[plain[3].name].flags == (INK_LEFT_OUT,)
    assert fields[plain[0].name].text == "4071"
    assert [name for name, field in fields.items() if field.flags] == [plain[3].name]


def test_the_stubs_of_a_combs_ticks_do_not_flag_an_empty_field(form, mnist, classifier) -> None:
    """A comb's ticks are painted over inside it, but their stubs across its floor, a pixel
    wide and a few high, reach into the box where registration is a few pixels off: taken for
    a string reaching into the box, they flagged the empty comb `ink-left-out`."""
    from digitscan.forms import read_form
    from digitscan.pages import Page

    path, reference, layout = form
    page = filled(reference, layout, mnist, {layout[0].name: "4071"})
    rng = np.random.default_rng(701)
    scan = cv2.warpPerspective(page, scan_distortion(page.shape, rng, DPI), page.shape[::-1], borderValue=235)
    scan = np.clip(scan + rng.normal(0, 6, scan.shape), 0, 255).astype(np.uint8)
    reading = read_form(Page("grain.png", 1, scan, DPI), (load_template(path),), classifier)
    assert [s.field for s in reading.strings[1:] if s.flags] == []
