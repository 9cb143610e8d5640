"""Pages the right way up: turned pages read as upright, boxes mapped back, doubt flagged."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from digitscan import orientation, pipeline
from digitscan.classify import load_line_reader
from digitscan.containers import ORIENTATION_UNSURE
from digitscan.pages import Page, load_pages, to_gray
from digitscan.pipeline import (
    find_candidates,
    glance_turn,
    glyph_boxes,
    page_dpi,
    read_page,
    see_upright,
    sideways_turn,
)
from digitscan.recognize import LineReading
from digitscan.sources import load_usps
from digitscan.synth import digit_ink, side_by_side, stamp
from tests.conftest import DATASETS, REPO, digit_of, turned_on_a_desk, with_exif_orientation, write_digits


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_a_box_on_a_turned_page_maps_back(degrees):
    page = np.zeros((50, 80), np.uint8)
    page[10:20, 30:45] = 1
    turned = orientation.turn_image(page, degrees)
    rows, cols = np.nonzero(turned)
    box = (cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1)
    assert orientation.unturn_box(box, turned.shape, degrees) == (30, 10, 15, 10)


def test_nearest_neighbours_tell_sideways_lines():
    line = np.array([(x, 100, 20, 30) for x in range(0, 600, 30)], float)
    assert orientation.side_by_side_share(line) == 1.0
    assert not orientation.is_sideways(line)
    assert orientation.is_sideways(line[:, [1, 0, 3, 2]])
    assert orientation.side_by_side_share(line[:3]) is None  # too few to tell


def test_the_classifier_tells_upside_down_and_doubt():
    sure = np.eye(11)[[3, 5, 10, 7] * 4]
    vague = np.full((16, 11), 1 / 11)
    verdict = orientation.upright_or_upside_down(sure, vague)
    assert (verdict.turn, verdict.unsure) == (0, False)
    assert orientation.upright_or_upside_down(vague, sure).turn == 180
    assert orientation.upright_or_upside_down(sure, sure).unsure
    # A snippet of a few marks is never turned on so little evidence, only flagged unless it
    # reads surer upright: a tie is how 0s, 1s and 8s read turned ("12000" as "00021").
    few = orientation.upright_or_upside_down(vague[:4], sure[:4])
    assert (few.turn, few.unsure) == (0, True)
    assert orientation.upright_or_upside_down(sure[:4], sure[:4]).unsure
    assert not orientation.upright_or_upside_down(sure[:4], vague[:4]).unsure
    # ...and flagged where it reads as another number upside down too, each digit surely: a `60`
    # as `09`. A `69` reads the same either way up; turned digits read vaguely say nothing.
    surely, fairly = (np.eye(11) * (p - (1 - p) / 10) + (1 - p) / 10 for p in (0.99, 0.95))
    assert orientation.upright_or_upside_down(surely[[6, 0]], fairly[[0, 9]]) == orientation.Verdict(0, True)
    assert not orientation.upright_or_upside_down(surely[[6, 9]], fairly[[9, 6]]).unsure  # 6 turned: 9
    assert not orientation.upright_or_upside_down(surely[[6, 0]], vague[:2]).unsure
    # A page of a few numbers turned a quarter: its marks read surely as "not a digit" as they
    # came and as digits turned back; sure of digits is what counts there, not of "not a digit".
    rejected = np.eye(11)[[10, 10, 10, 0]]
    digits = np.eye(11)[[3, 8, 7, 0]]
    assert orientation.upright_or_upside_down(rejected, vague[:4], [digits, vague[:4]]) == (
        orientation.Verdict(90, True)  # read turned back, and flagged all the same
    )
    assert not orientation.upright_or_upside_down(digits, vague[:4], [rejected, vague[:4]]).unsure


def test_the_string_reader_settles_which_way_up_on_two_digits_or_more():
    def read(text: str, probability: float) -> LineReading:
        return LineReading(text, (probability,) * len(text), ((0, 4),) * len(text))

    assert orientation.line_reads_upright(read("2160", 0.99), read("0912", 0.8))
    assert not orientation.line_reads_upright(read("60", 0.99), read("09", 0.98))  # within LINE_SURER
    assert not orientation.line_reads_upright(read("4", 0.99), read("7", 0.5))  # one digit says too little
    assert not orientation.line_reads_upright(read("2160", 0.99), None)  # not read turned


def test_the_string_reader_doubts_a_page_of_a_few_numbers_it_reads_as_surely_upside_down():
    def read(text: str, probability: float) -> LineReading:
        return LineReading(text, (probability,) * len(text), ((0, 4),) * len(text))

    as_written = [(read("901", 0.99), read("106", 0.9)), (read("99000", 0.99), read("00066", 0.99))]
    assert not orientation.lines_read_surer_upside_down(as_written)
    upside_down = [(theirs, ours) for ours, theirs in as_written]
    assert orientation.lines_read_surer_upside_down(upside_down)
    assert orientation.lines_read_surer_upside_down([(read("00066", 0.99), read("99000", 0.99))])  # a tie
    assert not orientation.lines_read_surer_upside_down([(read("2160", 0.99), None)])  # not read turned
    assert not orientation.lines_read_surer_upside_down([(read("", 1.0), read("", 1.0))])  # read nothing


def test_a_tall_snippet_whose_glyphs_leave_its_marks_unread_is_on_its_side():
    glyph = np.array([[5, 88, 24, 76]])  # a mark read, in a snippet 40 wide and 195 high
    marks = np.array([[1, 18, 34, 30], [3, 49, 24, 29], [30, 5, 3, 3]])  # two 0s above it, a speck
    assert orientation.glyphs_fall_short(glyph, marks, (195, 40))
    assert not orientation.glyphs_fall_short(glyph, marks[2:], (195, 40))  # the speck is too small
    assert not orientation.glyphs_fall_short(glyph, marks, (40, 195))  # wider than tall: as it comes


def test_a_snippet_whose_glyphs_stand_on_end_is_on_its_side():
    row = np.array([(0, 0, 20, 30), (24, 2, 18, 30), (46, 0, 20, 31), (70, 3, 15, 28)], float)
    assert not orientation.stands_on_end(row, 30)
    column = row[:, [1, 0, 3, 2]]  # the same turned a quarter: glyphs wider than high, one above another
    assert orientation.stands_on_end(column, 20)
    assert not orientation.stands_on_end(column[:1], 20)  # one glyph says nothing
    label_over_number = np.vstack([row + np.array([0, 40, 0, 0]), [(30, 0, 12, 14), (44, 0, 12, 14)]])
    assert not orientation.stands_on_end(label_over_number, 30)  # spread across more than down


def test_text_lines_stand_on_their_baselines():
    # Lower-case letters and, as tall again, capitals and ascenders (tops at 75 and 60), one
    # descender, all on one baseline at y = 100, on a page 200 high: four such lines have 36
    # marks off their (median) top only and none off their bottom only.
    tops = [60, 75, 60, 60, 75, 75, 75, 75, 60, 60]
    line = np.array([(20 * i, top, 15, 100 - top + 15 * (i == 4)) for i, top in enumerate(tops)], float)
    upside_down = line.copy()
    upside_down[:, 1] = 200 - line[:, 1] - line[:, 3]
    assert orientation.baseline_excess([line] * 4) == pytest.approx(6.0)  # 36 / sqrt(36)
    assert orientation.baseline_excess([upside_down] * 4) == pytest.approx(-6.0)
    assert orientation.baseline_excess([line[:3]] * 4) == 0.0  # too few marks for a line's medians
    assert orientation.from_lines(orientation.LINES_DECIDE, 64) == orientation.Verdict(0, False)
    assert orientation.from_lines(-orientation.LINES_DECIDE, 64) == orientation.Verdict(180, False)
    assert orientation.from_lines(1.0, 64) is None  # the classifier decides
    # A snippet of a few marks is never turned, only flagged.
    assert orientation.from_lines(-orientation.LINES_DECIDE, 4) == orientation.Verdict(0, True)


@pytest.mark.parametrize("degrees", [0, 180])
def test_slanted_type_beside_0s_1s_and_8s_reads_the_right_way_up(mnist, classifier, degrees):
    # 0, 1 and 8 read about as surely upside down as upright, and slanted type is not taken
    # for type: the classifier cannot tell this page's way up (its margin upright -0.014,
    # under UNSURE_WITHIN: flagged; upside down +0.031: read upside down, unflagged); the
    # type's baselines can.
    image = np.full((2200, 1700), 255, np.uint8)
    names = ("Mary Brown of Bath", "John Smith, Hull", "Edith Clarke, Derby", "Kathy Lloyd, Ely")
    for row, name in enumerate(names * 2):
        y = 250 + row * 220
        cv2.putText(image, name, (150, y), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.2, 40, 4, cv2.LINE_AA)
        write_digits(image, mnist, "1081018"[row % 3 :], 900, y, 60, nth=row * 7)
    upright = read_page(Page("register.png", 1, image, 200), classifier)
    turned = read_page(Page("register.png", 1, orientation.turn_image(image, degrees), 200), classifier)
    assert (turned.rotation + degrees) % 360 == 0
    assert not any(ORIENTATION_UNSURE in s.flags for s in upright.strings + turned.strings)
    assert [s.text for s in turned.strings] == [s.text for s in upright.strings]
    entries = [s.text for s in upright.strings if s.box.x >= 850]  # the names read as flagged junk
    assert entries == ["1081018", "081018", "81018"] * 2 + ["1081018", "081018"]


@pytest.mark.parametrize("degrees", [90, 270])
def test_a_sideways_page_is_turned_once_by_its_text_lines(degrees):
    # samples/form-04.png's printed labels say which way up it stands turned a quarter either
    # way: it is turned straight to upright, not turned 90 and then half round (a third reading).
    page = next(load_pages(str(REPO / "samples" / "form-04.png")))
    seen = find_candidates(orientation.turn_image(page.image, degrees), page_dpi(page), "floored")
    assert orientation.is_sideways(glyph_boxes(seen.glyphs))
    assert sideways_turn(seen) == 360 - degrees


def test_a_first_look_keeps_the_marks_of_about_the_texts_size():
    letters = [(20 * i, 50, 12, 20 if i % 3 else 30) for i in range(12)]
    dust, rule, box_side, dot = (300, 10, 2, 2), (0, 90, 400, 3), (400, 0, 3, 120), (10, 40, 4, 4)
    kept = orientation.text_sized(np.array([*letters, dust, rule, box_side, dot]))
    assert kept.tolist() == [list(box) for box in letters]
    assert len(orientation.text_sized(np.array([(0, 0, 2, 2)] * 5))) == 0  # dust only


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_a_page_a_first_look_turns_is_found_once(classifier, monkeypatch, degrees):
    # samples/form-04.png's printed labels say which way up it stands at a quarter of the
    # working resolution, unlevelled, boxes and all: a turned page is found turned, once,
    # instead of found as it came and again turned (issue 13: under 10% more time a page).
    page = next(load_pages(str(REPO / "samples" / "form-04.png")))
    image = orientation.turn_image(to_gray(page.image), degrees)
    assert glance_turn(image, page_dpi(page), "floored").turn == (360 - degrees) % 360
    found = []
    find = pipeline.find_candidates
    monkeypatch.setattr(pipeline, "find_candidates", lambda *args, **kw: found.append(1) or find(*args, **kw))
    reading = read_page(replace(page, image=image), classifier)
    assert (reading.rotation + degrees) % 360 == 0
    assert len(found) == 1


def test_a_first_look_that_turns_a_page_wrongly_costs_time_not_its_reading(classifier, monkeypatch):
    page = next(load_pages(str(REPO / "samples" / "form-04.png")))
    upright = read_page(page, classifier)
    for wrong in (90, 180, 270):
        monkeypatch.setattr(pipeline, "glance_turn", lambda *args, turn=wrong: pipeline.Glance(turn, []))
        reading = read_page(page, classifier)
        assert reading.rotation == 0
        assert [(s.text, s.flags) for s in reading.strings] == [(s.text, s.flags) for s in upright.strings]


def test_a_first_look_leaves_snippets_and_noise_as_they_came():
    rng = np.random.default_rng(0)
    snippet = np.full((60, 900), 255, np.uint8)
    cv2.putText(snippet, "upside down", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    assert glance_turn(orientation.turn_image(snippet, 180), 200, "floored").turn == 0
    noise = np.where(rng.random((2200, 1700)) < 0.3, 0, 255).astype(np.uint8)
    assert glance_turn(noise, 200, "floored").turn == 0


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_a_turned_page_reads_as_upright(classifier, degrees):
    page = next(load_pages(str(REPO / "samples" / "form-01.png")))
    upright = read_page(page, classifier)
    image = orientation.turn_image(page.image, degrees)
    turned = read_page(replace(page, image=image), classifier)
    assert upright.rotation == 0
    assert (turned.rotation + degrees) % 360 == 0
    assert [s.text for s in turned.strings] == [s.text for s in upright.strings]
    assert (turned.width, turned.height) == (image.shape[1], image.shape[0])
    assert not any(ORIENTATION_UNSURE in s.flags for s in turned.strings)
    # Boxes are on the page as loaded (turned): mapped back through the turn, the upright boxes.
    back = [
        orientation.unturn_box(tuple(s.box.__dict__.values()), image.shape, degrees) for s in turned.strings
    ]
    for box, string in zip(back, upright.strings, strict=True):
        assert np.allclose(box, tuple(string.box.__dict__.values()), atol=3)


@pytest.fixture(scope="module")
def form_04(classifier):
    page = next(load_pages(str(REPO / "samples" / "form-04.png")))
    gray = to_gray(page.image)
    upright = read_page(replace(page, image=gray), classifier)
    return replace(page, image=gray), [s.text for s in upright.strings]


@pytest.mark.parametrize(("degrees", "desk"), [(45, 60), (-45, 60), (45, 120), (-45, 120)])
def test_a_page_turned_45_degrees_reads_as_upright(classifier, form_04, degrees, desk):
    # Halfway between a skew and a quarter turn, 3 of 4 fields were accepted wrong: the search
    # stopped short of 45 degrees, and the page was read as it came. On a dark desk covering
    # half the image the desk was taken for the paper, the sheet's edges for rules; on a grey
    # desk (120), no border to drop, they are: the rows of its edges and of its print line up
    # at 45 degrees, its columns at -45 as sharply, and the page, levelled on its side and
    # turned a quarter, was levelled on its side again. (On the grey desk a few digits read
    # otherwise than upright: benchmarks/README.md, "Scans".)
    page, upright = form_04
    turned = read_page(replace(page, image=turned_on_a_desk(page.image, degrees, desk)), classifier)
    assert turned.rotation in (0, 90, 180, 270)
    # turned clockwise by `rotation`, then counter-clockwise by `skew`: the turn undone
    undone = (turned.rotation - turned.skew - degrees + 180) % 360 - 180
    assert undone == pytest.approx(0.2, abs=1.5)
    alike = sum(s.text in upright for s in turned.strings)
    assert alike >= (0.8 if desk == 60 else 0.6) * len(upright) and len(turned.strings) <= len(upright) + 1


@pytest.mark.parametrize("nth", [0, 10, 20])
def test_a_page_of_two_numbers_turned_is_flagged_not_read_as_garbage(mnist, classifier, nth):
    # Six marks: too few to turn a page on, and turned a quarter its digits stand apart, 0s
    # reading as 0s ("38" and "4071" turned 270 were read "0" and "0", accepted).
    page = np.full((2200, 1700), 235, np.uint8)
    write_digits(page, mnist, "38", 300, 400, 70, nth=nth)
    write_digits(page, mnist, "4071", 300, 700, 70, nth=nth + 1)
    upright = read_page(Page("p.png", 1, page, 200), classifier)
    assert [s.text for s in upright.strings] == ["38", "4071"]
    assert not any(ORIENTATION_UNSURE in s.flags for s in upright.strings)
    for degrees in (90, 180, 270):
        turned = read_page(Page("p.png", 1, orientation.turn_image(page, degrees), 200), classifier)
        assert turned.strings and all(ORIENTATION_UNSURE in s.flags for s in turned.strings)


def test_digits_close_one_above_another_are_a_number_on_its_side():
    # a number's digits stand apart by a fifth to two fifths of their height (`orientation.py`'s
    # pages); turned a quarter, as close one above another. One-digit answers stand a line apart.
    number = np.array([(300, 400 + 85 * k, 45, 64) for k in range(6)], float)
    assert orientation.number_on_end(number)
    assert orientation.number_on_end(number[:3])
    assert not orientation.number_on_end(number[:2])
    assert not orientation.number_on_end(number[:, [1, 0, 3, 2]])  # the number as written
    answers = number.copy()
    answers[:, 1] = 400 + 220 * np.arange(6)
    assert not orientation.number_on_end(answers)
    beside = number.copy()
    beside[1::2, 0] += 60  # no more above one another
    assert not orientation.number_on_end(beside)


def usps_number_on_its_side(number: str, seed: int, first: int) -> Page:
    """A page of one number as `underline.py` writes it (USPS training digits 60 pixels high,
    the `first`-th of each on, the next for each place; 18 pixels apart), fed turned 270
    degrees. A `|` is a 1 drawn as one straight stroke."""
    usps = load_usps(DATASETS / "usps" / "usps-train.npz")
    rng = np.random.default_rng(seed)
    alpha, x = np.zeros((700, 1400), np.float32), 250
    for k, char in enumerate(number):
        if char == "|":
            cv2.line(alpha, (x + 3, 345), (x + 3, 398), 1.0, 5)
            x += 6 + 18
            continue
        image = usps.images[np.flatnonzero(usps.labels == int(char))[first + k]]
        ink = digit_ink(image, 60, rng, broken=False)
        stamp(alpha, ink, x, 400 - ink.shape[0])
        x += ink.shape[1] + 18
    return Page("n.png", 1, orientation.turn_image((235 - 195 * alpha).astype(np.uint8), 270), 200)


@pytest.mark.skipif(not (DATASETS / "usps").is_dir(), reason="no ../shared/datasets")
def test_a_number_on_its_side_of_digits_that_read_so_too_is_flagged(classifier):
    # `underline.py --turn 90` and `270`: a page of one number turned a quarter, read as it
    # came; its 1s, 0s and 8s read as digits on their side too, and were accepted (USPS's
    # `111002` turned 270 as `18` and `0`, `117000` turned 90 as three `0`s).
    page = usps_number_on_its_side("111002", seed=2, first=14)
    turned = read_page(page, classifier, line_reader=load_line_reader())
    assert turned.rotation == 0 and turned.strings  # too few marks to turn the page on
    assert all(s.flags.count(ORIENTATION_UNSURE) == 1 for s in turned.strings)
    # flagged already, so the string reader is not asked to raise the doubt again (60 strings
    # of `underline.py --turn 90` and `270`'s pages were flagged `orientation-unsure` twice)
    *_, flags, half_turn_check = see_upright(page, classifier)
    assert ORIENTATION_UNSURE in flags and half_turn_check != orientation.HalfTurnCheck.RAISE


@pytest.mark.skipif(not (DATASETS / "usps").is_dir(), reason="no ../shared/datasets")
def test_a_one_on_its_side_does_not_part_a_number_on_its_side(classifier):
    # A 1 written as one straight stroke is, on its side, a flat bar too short for a glyph: the
    # stack of digits it stood in came apart into two of two marks each, and was read as it came
    # and accepted (USPS's `900108` turned 270 by `underline.py`: `0` and `2`; this page's
    # four 0s as four `0`s).
    page = usps_number_on_its_side("00|00", seed=1, first=7)
    turned = read_page(page, classifier, line_reader=load_line_reader())
    assert turned.rotation == 0 and turned.strings
    assert all(ORIENTATION_UNSURE in s.flags for s in turned.strings), [
        (s.text, s.flags) for s in turned.strings
    ]


@pytest.mark.parametrize("degrees", [90, 270])
def test_a_page_of_three_numbers_on_its_side_reads_them_flagged(mnist, classifier, degrees):
    # Written apart by a fifth to 0.4 of a height, turned 90 degrees the digits of each number
    # stand one above another and 4 of the 7 marks read as "not a digit" (0.81-0.97): as it
    # came the page read surer than turned back, and `0`, `95`, `5`, `67` and `0` were accepted.
    # Its digits read clearly surer turned back: it is read so, and flagged all the same.
    rng = np.random.default_rng(13)
    page = np.full((2200, 1700), 235, np.float32)
    for row, number in enumerate(("387", "09", "765")):
        images = np.stack([digit_of(mnist, int(char), 13 + k) for k, char in enumerate(number)])
        ink = side_by_side(images, 70, rng, (-0.4, -0.2))
        top, left = 400 + 220 * row, 300 + 200 * (row % 2)
        page[top : top + ink.shape[0], left : left + ink.shape[1]] -= ink * (235 - 40)
    page = page.astype(np.uint8)
    upright = read_page(Page("p.png", 1, page, 200), classifier)
    assert [s.text for s in upright.strings] == ["387", "09", "765"]
    assert not any(ORIENTATION_UNSURE in s.flags for s in upright.strings)
    turned = read_page(Page("p.png", 1, orientation.turn_image(page, degrees), 200), classifier)
    assert (turned.rotation + degrees) % 360 == 0
    assert [s.text for s in turned.strings] == ["387", "09", "765"]
    assert all(ORIENTATION_UNSURE in s.flags for s in turned.strings)


def test_a_page_of_a_few_numbers_read_surer_upside_down_is_flagged(mnist, classifier):
    # 0s, 1s, 6s and 9s read upside down as digits: the classifier, reading the eleven marks one
    # by one, was surer of this page fed upside down than of it the right way up, and `00066`
    # and `106` were accepted; the string reader reads the strings surer the way they were written.
    from digitscan.classify import load_pair_reader

    readers = {"pair_reader": load_pair_reader(), "line_reader": load_line_reader()}
    rng = np.random.default_rng(0)
    page = np.full((2200, 1700), 235, np.float32)
    # each number's MNIST test digits and its height, as a page of `benchmarks/orientation.py`
    numbers = (([2263, 2942, 4105], 78), ([1370, 3520, 8086], 68), ([2958, 7786, 5952, 1944, 2492], 55))
    for row, (indices, height) in enumerate(numbers):
        ink = side_by_side(mnist.x_test[indices], height, rng, (-0.4, -0.2))
        top, left = 400 + 220 * row, 300 + 200 * (row % 2)
        page[top : top + ink.shape[0], left : left + ink.shape[1]] -= ink * (235 - 40)
    page = page.astype(np.uint8)
    upright = read_page(Page("p.png", 1, page, 200), classifier, **readers)
    assert [(s.text, ORIENTATION_UNSURE in s.flags) for s in upright.strings] == [
        ("901", False),
        ("501", False),  # a 6 read 5, flagged by the readers' disagreement
        ("99000", False),
    ]
    turned = read_page(Page("p.png", 1, orientation.turn_image(page, 180), 200), classifier, **readers)
    assert turned.rotation == 0
    assert turned.strings and all(ORIENTATION_UNSURE in s.flags for s in turned.strings)


def test_exif_orientation_of_photos_is_honoured(tmp_path):
    import cv2

    image = np.full((100, 200), 230, np.uint8)
    image[:20, :40] = 0  # a mark at the top left
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(with_exif_orientation(cv2.imencode(".jpg", image)[1].tobytes(), 6))  # turn 90 clockwise
    page = next(load_pages(str(photo)))
    assert page.image.shape == (200, 100)
    assert page.image[:40, -20:].mean() < 60  # the mark is now at the top right


def few_numbers_page(mnist) -> np.ndarray:
    """Two numbers of MNIST digits alone on a page, as `benchmarks/orientation.py` writes them."""
    rng = np.random.default_rng(3)
    page = np.full((2200, 1700), 235, np.float32)
    for row, (text, height) in enumerate((("2473", 70), ("358", 62))):
        images = np.stack([digit_of(mnist, int(d), nth=row) for d in text])
        ink = side_by_side(images, height, rng, (-0.4, -0.2))
        top, left = 400 + 220 * row, 300 + 200 * row
        page[top : top + ink.shape[0], left : left + ink.shape[1]] -= ink * (235 - 40)
    return page.astype(np.uint8)


@pytest.mark.parametrize("degrees", [90, 270])
def test_a_page_of_a_few_numbers_on_its_side_is_found_once(mnist, classifier, monkeypatch, degrees):
    # Too few marks for the first look's text lines; its marks at that look read as digits
    # clearly surer turned a quarter (`pipeline.few_marks_quarter`), so the page is found
    # turned, once, where it was found as it came, read, and found again (1.5-2x an upright
    # page's time), and read as that page was: the right way up, flagged all the same.
    page = few_numbers_page(mnist)
    upright = read_page(Page("p.png", 1, page, 200), classifier)
    assert [s.text for s in upright.strings] == ["2473", "358"]
    found = []
    find = pipeline.find_candidates
    monkeypatch.setattr(pipeline, "find_candidates", lambda *args, **kw: found.append(1) or find(*args, **kw))
    turned = read_page(Page("p.png", 1, orientation.turn_image(page, degrees), 200), classifier)
    assert (turned.rotation + degrees) % 360 == 0 and len(found) == 1
    assert [s.text for s in turned.strings] == ["2473", "358"]
    assert all(ORIENTATION_UNSURE in s.flags for s in turned.strings)


def test_a_wrong_guess_of_a_few_numbers_quarter_costs_time_not_its_reading(mnist, classifier, monkeypatch):
    page = Page("p.png", 1, few_numbers_page(mnist), 200)
    upright = read_page(page, classifier)
    for wrong in (90, 270):
        monkeypatch.setattr(pipeline, "few_marks_quarter", lambda *args, turn=wrong: turn)
        reading = read_page(page, classifier)
        assert reading.rotation == 0
        assert [(s.text, s.flags) for s in reading.strings] == [(s.text, s.flags) for s in upright.strings]
