"""Form pages read field by field: the page registered to the template it matches best, each
field's box cut out in the template's geometry and read like a snippet by the page stages
(`pipeline`), its strings checked against the field's rules. Ink outside the fields is never
read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import cv2
import numpy as np

from digitscan import register
from digitscan.classify import Classifier, classify_crops
from digitscan.containers import (
    FAINT_INK,
    INK_LEFT_OUT,
    TWO_MARKS_IN_CELL,
    Box,
    Digit,
    DigitString,
    PageReading,
)
from digitscan.errors import PageRefused
from digitscan.pages import Page, to_gray
from digitscan.pipeline import (
    as_scanned_clean,
    faint_boxes,
    find_candidates,
    page_dpi,
    read_candidates,
    scan_flags,
)
from digitscan.segment import components, faint
from digitscan.templates import FieldSpec, Template
from digitscan.validate import failed_checks

FIELD_MARGIN = 0.15  # of a field's height, read around its box: ink overrunning the box stays whole
FIELD_MIN_MARK = 0.25  # of a field's height: a shorter mark is a rule's remnant or a speck, no digit
FIELD_EDGE = 0.2  # of a field's height, its top and bottom bands: where its rules' remnants lie


def hull(boxes: Sequence[Box]) -> Box:
    x, y = min(b.x for b in boxes), min(b.y for b in boxes)
    return Box(x, y, max(b.x + b.width for b in boxes) - x, max(b.y + b.height for b in boxes) - y)


def read_form(
    page: Page,
    templates: tuple[Template, ...],
    classifier: Classifier,
    binarization: str = "floored",
    pair_reader: Classifier | None = None,
    line_reader: Classifier | None = None,
) -> PageReading:
    """A form page's fields: the page registered to the template it matches best (`register`),
    then each field's box read on its own, in the template's geometry. Ink outside the fields is
    never read. `PageRefused` when the page matches no template."""
    page = as_scanned_clean(page)
    features = register.find_features(page.image, page_dpi(page, binarization))
    matches, refusals = [], []
    for template in templates:
        try:
            registration = register.register(features, template.features, template.print_mask, template.dpi)
            matches.append((registration, template))
        except PageRefused as refusal:
            refusals.append(f"{template.name!r}: {refusal}")
    if not matches:
        raise PageRefused("does not match the template " + "; nor ".join(refusals))
    registration, template = max(matches, key=lambda match: match[0].inliers)
    fields = tuple(
        read_field(
            page, registration, template, spec, index, classifier, binarization, pair_reader, line_reader
        )
        for index, spec in enumerate(template.fields, start=1)
    )
    # Each field is read alone, so its ink is set beside the form's other fields here: a
    # field far lighter than the others holds the other side's entries showing through, or pencil.
    filled = [field for field in fields if field.digits]
    light = faint_boxes(page.image, [hull([digit.box for digit in field.digits]) for field in filled])
    faint_fields = {field.index for field, faint in zip(filled, light, strict=True) if faint}
    fields = tuple(
        replace(field, flags=(*field.flags, FAINT_INK))
        if field.index in faint_fields and FAINT_INK not in field.flags
        else field
        for field in fields
    )
    rows, cols = page.image.shape[:2]
    return PageReading(
        page.source, page.number, cols, rows, registration.skew, fields, template=template.name, dpi=page.dpi
    )


def read_field(
    page: Page,
    registration: register.Registration,
    template: Template,
    spec: FieldSpec,
    index: int,
    classifier: Classifier,
    binarization: str,
    pair_reader: Classifier | None,
    line_reader: Classifier | None,
) -> DigitString:
    """One field: its box cut from the page in the reference's geometry, read like a snippet;
    the strings whose middle lies in the box are its digits, checked against its rules."""
    box = spec.box
    margin = max(2, round(FIELD_MARGIN * box.height))
    snippet = Page(page.source, page.number, registration.cut(page.image, box, margin), template.dpi)
    if spec.cells:
        clear_dividers(snippet.image, spec.cells, box, margin)
    seen = find_candidates(snippet.image, template.dpi, binarization)
    probabilities = classify_crops(classifier, seen.crops)
    reading = read_candidates(
        snippet, seen, probabilities, classifier, pair_reader, 0, scan_flags(seen), line_reader
    )
    inside = [
        string
        for string in reading.strings
        if margin <= string.box.x + string.box.width / 2 < margin + box.width
        and margin <= string.box.y + string.box.height / 2 < margin + box.height
    ]
    # The page stage measures digit size from the marks it sees; in an empty box those are
    # what is left of its rules (corners, the stubs of a comb's ticks). The box says better:
    # a mark under a quarter of its height is no digit. Left out silently only where a rule's
    # remnant would be (as thin as a rule, or against the box's top or bottom); a short mark
    # elsewhere in the box may be small handwriting, and flags the field.
    rule = max(1.0, seen.rules.thickness / seen.scale)

    def remnant(mark: Box) -> bool:
        middle = mark.y + mark.height / 2 - margin
        return mark.width <= 2 * rule or not FIELD_EDGE * box.height < middle < (1 - FIELD_EDGE) * box.height

    kept = [
        (string, [digit for digit in string.digits if digit.box.height >= FIELD_MIN_MARK * box.height])
        for string in inside
    ]
    small_marks = [
        digit.box
        for string in inside
        for digit in string.digits
        if digit.box.height < FIELD_MIN_MARK * box.height and not remnant(digit.box)
    ]
    kept = [(string, digits) for string, digits in kept if digits]
    digits = [digit for _, digits in kept for digit in digits]
    flags = list(dict.fromkeys(flag for string, _ in kept for flag in string.flags))
    if (
        small_marks or (not digits and pale_inside(snippet.image, template, spec, margin))
    ) and INK_LEFT_OUT not in flags:
        flags.append(INK_LEFT_OUT)
    inner = Box(margin, margin, box.width, box.height)

    def stub(mark: Box) -> bool:  # of a rule: as thin as one, and too short for a digit
        return mark.width <= 2 * rule and mark.height < FIELD_MIN_MARK * box.height

    # A string mostly outside the box reaching into it: whose is it? Not the stubs of a comb's
    # ticks across its floor (registration is a few pixels off), which flagged 6 of 180 empty
    # fields on grainy scans of blank forms.
    reaching = [
        string
        for string in reading.strings
        if string not in inside
        and register.overlap(string.box, inner) > 0.3
        and not all(stub(digit.box) for digit in string.digits)
    ]
    if reaching and INK_LEFT_OUT not in flags:
        flags.append(INK_LEFT_OUT)
    if spec.cells and len(digits) > 1:
        cell_width = box.width / spec.cells
        cells = [int((d.box.x + d.box.width / 2 - margin) // cell_width) for d in digits]
        if len(set(cells)) < len(cells):
            flags.append(TWO_MARKS_IN_CELL)
    text = "".join(digit.label.text for digit in digits)
    flags += failed_checks(text, spec.checks)

    def on_page(local: Box) -> Box:
        return registration.box_on_page(
            Box(local.x + box.x - margin, local.y + box.y - margin, local.width, local.height)
        )

    placed = tuple(Digit(on_page(d.box), d.label, d.crop) for d in digits)
    return DigitString(index, registration.box_on_page(box), placed, tuple(flags), spec.name)


def pale_inside(snippet: np.ndarray, template: Template, spec: FieldSpec, margin: int) -> bool:
    """Whether the inside of a field read as empty (its box in `snippet`, `margin` from its
    edges), clear of the FIELD_EDGE bands where its rules' remnants lie, holds a mark a quarter
    of its height or taller that is too pale for the page's threshold (`faint.pale_marks`) and
    is not on the template's reference there (`blank_field`, looked at only where there are
    such marks: a hint printed in grey in the box, or the reference's own writing where it is
    a filled form)."""
    box = spec.box
    edge = round(FIELD_EDGE * box.height)
    inside = (
        slice(margin + edge, margin + box.height - edge),
        slice(margin + edge, margin + box.width - edge),
    )
    least = FIELD_MIN_MARK * box.height
    marks = faint.pale_marks(to_gray(snippet[inside]), least) if snippet[inside].size else []
    if not marks:
        return False
    printed = faint.pale_marks(to_gray(blank_field(template, spec, margin)[inside]), least)
    return any(all(components.shared_area(mark, hint) == 0 for hint in printed) for mark in marks)


def blank_field(template: Template, spec: FieldSpec, margin: int) -> np.ndarray:
    """The template's reference under a field's box and `margin` around it (its edge pixels
    beyond the reference), its comb's dividers painted over as a page's are (`clear_dividers`)."""
    box = spec.box
    shift = np.array([[1, 0, margin - box.x], [0, 1, margin - box.y]], np.float64)
    size = (box.width + 2 * margin, box.height + 2 * margin)
    blank = cv2.warpAffine(template.reference, shift, size, borderMode=cv2.BORDER_REPLICATE)
    if spec.cells:
        clear_dividers(blank, spec.cells, box, margin)
    return blank


DIVIDER_BAND = 0.06  # of a comb's cell, each side of a divider: a rule's width and the registration's error
# Rows kept at the comb's top and bottom, of its height (3 px at least): its rules stay long
# and are found; the stubs of the ticks left on them are too short to pass for glyphs, which
# matters: in a comb with one digit, eight stubs would set the page stage's digit height.
DIVIDER_ENDS = 0.03


def clear_dividers(snippet: np.ndarray, cells: int, box: Box, margin: int) -> None:
    """Paint a comb's inner dividers over with paper between its top and bottom rules: ticks that rise
    from the comb's floor touch one rule only, so the page stage would keep them as 1s. A
    digit belongs inside its cell."""
    cell = box.width / cells
    band = max(2, round(DIVIDER_BAND * cell))
    keep = max(3, round(DIVIDER_ENDS * box.height))
    top, bottom = margin + keep, margin + box.height - keep
    paper = int(np.median(snippet))  # white would be brighter than grey paper: its edges, ink
    for k in range(1, cells):
        x = round(margin + k * cell)
        snippet[top:bottom, max(0, x - band) : x + band + 1] = paper
