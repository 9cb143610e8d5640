"""The string reader's decoding, and how its reading competes with the per-digit one."""

from __future__ import annotations

import numpy as np

from digitscan.containers import READERS_DISAGREE
from digitscan.normalize import LINE_FIELD, to_line
from digitscan.pipeline import read_image
from digitscan.recognize import BLANK, LINE_STEP, Verdict, decide, digit_glyphs, greedy_decode
from tests.conftest import blank_page, write_digits

COLUMNS = LINE_FIELD[1] // LINE_STEP


def steps_for(text: str, sure: float = 0.95, width: int = 3, start: int = 2) -> np.ndarray:
    """Per-step probabilities that spell `text`, each digit held `width` steps, blanks between."""
    steps = np.full((COLUMNS, BLANK + 1), (1 - sure) / BLANK, np.float32)
    steps[:, BLANK] = sure
    column = start
    for char in text:
        steps[column : column + width] = (1 - sure) / BLANK
        steps[column : column + width, int(char)] = sure
        column += width + 1
    return steps


def test_greedy_decoding_merges_repeats_only_across_no_blank():
    reading = greedy_decode(steps_for("1007"))
    assert reading.text == "1007"
    assert reading.spans[0] == (2 * LINE_STEP, 5 * LINE_STEP)
    assert all(abs(p - 0.95) < 1e-6 for p in reading.probabilities)
    assert greedy_decode(steps_for("")).text == ""


def test_the_readers_compete_on_their_digits_probability():
    line = greedy_decode(steps_for("3000", sure=0.9))
    sure = [0.99] * 4
    assert decide("3000", sure, line) == Verdict(False, False)  # agreement: nothing to do
    assert decide("3", [0.5], line) == Verdict(True, True)  # a dropped 000, less sure: the line wins
    assert decide("3008", sure, line) == Verdict(False, True)  # per-digit surer: it stands, flagged
    assert decide("3?00", [0.99, 0.3, 0.99, 0.99], line) == Verdict(True, True)  # an unread mark
    assert decide("12", [0.9, 0.9], greedy_decode(steps_for(""))) == Verdict(False, True)  # nothing read


def test_digits_get_their_boxes_from_the_alignment():
    mask = np.zeros((40, 120), bool)
    mask[5:35, 10:30] = mask[5:35, 60:80] = True
    _, placement = to_line(mask)

    def field_column(mask_column: int) -> int:
        return round(placement.left + (mask_column - placement.origin) * placement.scale)

    steps = np.full((COLUMNS, BLANK + 1), 0.01, np.float32)
    steps[:, BLANK] = 0.9
    for digit, (first, last) in zip((4, 2), ((10, 30), (60, 80)), strict=True):
        run = slice(field_column(first) // LINE_STEP, field_column(last) // LINE_STEP)
        steps[run, BLANK], steps[run, digit] = 0.01, 0.9
    reading = greedy_decode(steps)
    assert reading.text == "42"
    marks = digit_glyphs(reading, placement, mask, left=100, top=50)
    assert abs(marks[0].x - 110) <= 6 and abs(marks[1].right - 180) <= 6  # within a time step
    assert all(mark.y == 55 and mark.height == 30 for mark in marks)


class StandInLineReader:
    """Reads every string as `text`, sure of it."""

    def __init__(self, text: str, sure: float) -> None:
        self.text, self.sure = text, sure

    def probabilities(self, fields: np.ndarray) -> np.ndarray:
        return np.stack([steps_for(self.text, self.sure) for _ in fields])


def test_the_page_stage_takes_the_string_readers_reading_when_it_wins(mnist, classifier):
    page = blank_page()
    write_digits(page, mnist, "2024", 300, 400, 60, gap=0.3)
    assert [s.text for s in read_image(page, classifier).strings] == ["2024"]
    agreeing = read_image(page, classifier, line_reader=StandInLineReader("2024", 0.99)).strings[0]
    assert agreeing.text == "2024" and READERS_DISAGREE not in agreeing.flags
    unsure = read_image(page, classifier, line_reader=StandInLineReader("2824", 0.5)).strings[0]
    assert unsure.text == "2024" and READERS_DISAGREE in unsure.flags
    surer = read_image(page, classifier, line_reader=StandInLineReader("20245", 0.99999)).strings[0]
    assert surer.text == "20245" and READERS_DISAGREE in surer.flags
    assert len(surer.digits) == 5 and all(d.crop.shape == (28, 28) for d in surer.digits)
