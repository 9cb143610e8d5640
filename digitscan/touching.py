"""How touching digits are read: whole, cut apart, or read as a pair, whichever reads best.

Segmentation (`segment.glyphs`) proposes: the glyphs, every way to cut a glyph into 2-4
pieces along least-ink paths (`split_options`), a pair's two halves (`halves`). This stage
decides, with the readers: which glyphs are worth a second look (`may_be_touching`,
`may_be_pair`, from how they read whole), which cut or pair reading wins, and every
threshold that takes. The string reader's competition with the result is `recognize`'s.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from digitscan.classify import NOT_DIGIT, NOT_PAIR, Classifier, Label, classify_crops
from digitscan.normalize import to_mnist, to_pair
from digitscan.segment.glyphs import Glyph, halves, most_pieces, split_options

NARROW = 0.4  # narrower than this (width/height) is one digit; two touching 1s are ~0.45
WIDE = 0.6  # ...and narrower than this too, unless it reads as no digit (a 1 leaning on a 7 is ~0.8)
CLEARLY_WIDE = 0.9  # wider than this is tried for cuts; narrower only when it reads badly whole
TOO_WIDE = 1.3  # no single digit is this wide for its height
CONFIDENT_WHOLE = 0.5
SURE_WHOLE = 0.99  # a glyph read as one digit this surely is not looked at again (unless too wide for one)
SPLIT_MARGIN = 0.15  # how much better (mean log-probability) a split must read than the whole
PAIR_CONFIDENT = 0.9  # the pair reader's probability for its pair, at least, to read a glyph as two digits
# Two touching digits neither of which is a 1 make a mark at least this wide for its height: of
# the 416 marks read as two on the page sets and cheque amounts of `benchmarks/sources.py` and
# the register and sparse pages, 3 without a 1 were narrower. A narrower one may be one sign: a
# % written after a number, 0.8 of a digit high, was read as `96` by every reader, surely.
NARROW_PAIR = 0.85


def digit_log_probability(probabilities: np.ndarray) -> np.ndarray:
    """Per crop: log of the best digit's probability (low when the crop is not a digit)."""
    return np.log(np.maximum(probabilities[:, :NOT_DIGIT].max(axis=1), 1e-6))


def may_be_touching(glyph: Glyph, whole: np.ndarray, height: float) -> bool:
    """Glyphs wide enough for two that do not read confidently as one digit (touching digits
    read as "not a digit"; two 1s side by side are narrower than most single digits), and
    glyphs too wide for any single digit."""
    if glyph.height < 0.5 * height or glyph.width <= NARROW * glyph.height:
        return False
    if glyph.width >= TOO_WIDE * glyph.height:
        return True
    reads_as_one = int(np.argmax(whole)) != NOT_DIGIT and float(whole[:NOT_DIGIT].max()) >= CONFIDENT_WHOLE
    if glyph.width <= WIDE * glyph.height:
        return not reads_as_one
    clearly_wide = glyph.width >= CLEARLY_WIDE * glyph.height
    return not reads_as_one or (clearly_wide and float(whole.max()) < SURE_WHOLE)


def may_be_pair(glyph: Glyph, whole: np.ndarray, height: float) -> bool:
    """Glyphs for the pair reader besides those `may_be_touching`: as wide as most digits and
    not read as one for sure (a 1 leaning on a 4 reads as a 4, a little less surely). The
    pair reader learnt single digits as "not a pair", so it is its own check against reading
    one digit as two."""
    return (
        glyph.height >= 0.5 * height
        and WIDE * glyph.height <= glyph.width <= 2 * TOO_WIDE * glyph.height
        and float(whole.max()) < SURE_WHOLE
    )


Read = tuple[list[Glyph], np.ndarray, np.ndarray]  # glyphs, their crops, their class probabilities


def split_touching(
    glyphs: list[Glyph],
    crops: np.ndarray,
    probabilities: np.ndarray,
    height: float,
    classifier: Classifier,
    pair_reader: Classifier | None = None,
    printed: Collection[int] = (),
) -> Read:
    """Cut touching digits apart, or read them whole as a pair (`pair_reader`), where that
    reads clearly better than the whole glyph as one digit. Glyphs in `printed` (indices:
    known print) are left whole.

    Takes and returns glyphs with their crops and class probabilities; every candidate cut of
    the page is classified in one batch, and the chosen pieces keep the probabilities read.
    Cuts and pair readings compete on one score: the mean log-probability of their digits. A
    cut must beat the whole glyph by SPLIT_MARGIN (cuts through single digits are many and
    some read well); a pair reading, judged by a model that has seen single digits, need only
    beat the whole glyph, and the best cut. A cut in two is not made where the pair reader is as
    sure that the glyph is no pair as it must be to read one (a broken 0 cut into "16").
    """
    unprinted = [i for i in range(len(glyphs)) if i not in printed]
    touching = [i for i in unprinted if may_be_touching(glyphs[i], probabilities[i], height)]
    pairs: dict[int, tuple[float, Read]] = {}
    no_pairs: set[int] = set()
    if pair_reader is not None:
        tried = [i for i in unprinted if i in touching or may_be_pair(glyphs[i], probabilities[i], height)]
        pairs, no_pairs = read_as_pairs(glyphs, tried, pair_reader)
    # A glyph only cut in two where the pair reader is sure it is no pair keeps no cut: it is
    # not cut (a third of the glyphs tried on `run.py`'s pages, an eighth of the pieces read).
    candidates = {
        i: options
        for i in touching
        if not (i in no_pairs and most_pieces(glyphs[i]) == 2) and (options := split_options(glyphs[i]))
    }
    if not candidates and not pairs:
        return glyphs, crops, probabilities
    # Splits share pieces (glyphs compare by identity): each is classified once, in one batch.
    splits = (option for options in candidates.values() for option in options)
    pieces = list(dict.fromkeys(part for option in splits for part in option))
    index = {part: row for row, part in enumerate(pieces)}
    piece_crops = np.stack([to_mnist(part.mask, dark_ink=False) for part in pieces]) if pieces else crops[:0]
    piece_probabilities = classify_crops(classifier, piece_crops)
    scores = digit_log_probability(piece_probabilities)
    # Touching digits come apart into digits: a cut that leaves a piece reading as "not a
    # digit" is a wrong cut, however confident the other pieces are.
    scores[piece_probabilities.argmax(axis=1) == NOT_DIGIT] = -np.inf
    replacements = {}
    for i in sorted(set(touching) | set(pairs)):
        best: Read | None = None
        whole = float(digit_log_probability(probabilities[i][None])[0])
        best_score = whole + SPLIT_MARGIN
        for option in candidates.get(i, []):
            rows = [index[part] for part in option]
            if (score := float(scores[rows].mean())) > best_score:
                best = ([pieces[row] for row in rows], piece_crops[rows], piece_probabilities[rows])
                best_score = score
        if best is not None and len(best[0]) == 2 and i in no_pairs:
            best = None
        if i in pairs and pairs[i][0] > (whole if best is None else best_score):
            best = pairs[i][1]
        if best is not None:
            replacements[i] = best
    return replaced(glyphs, crops, probabilities, replacements)


def replaced(glyphs: list[Glyph], crops: np.ndarray, probabilities: np.ndarray, by: dict[int, Read]) -> Read:
    """The glyphs, crops and probabilities with glyph i replaced by the parts in `by[i]`."""
    if not by:
        return glyphs, crops, probabilities
    out_glyphs, out_crops, out_probabilities = [], [], []
    for i, glyph in enumerate(glyphs):
        kept = ([glyph], crops[i : i + 1], probabilities[i : i + 1])
        parts, part_crops, part_probabilities = by.get(i, kept)
        out_glyphs.extend(parts)
        out_crops.extend(part_crops)
        out_probabilities.extend(part_probabilities)
    return out_glyphs, np.stack(out_crops), np.stack(out_probabilities)


def maybe_two_ones(
    glyphs: list[Glyph],
    probabilities: np.ndarray,
    height: float,
    pair_reader: Classifier,
    typeset: Collection[int] = (),
) -> set[int]:
    """Glyphs read as one 1 that the pair reader reads as two digits with PAIR_CONFIDENT:
    two 1s touching, too narrow (NARROW to WIDE heights wide) to be tried as pairs or cut, and
    read as one 1 surely, so a digit would be dropped unflagged (of synthetic touching MNIST
    11s, the pair reader read 78% as 11 with PAIR_CONFIDENT, the classifier 46% as one 1 at 0.9
    or more; of single 1s 0.4 heights wide or more it read 1 of MNIST's 507, none of USPS's 6
    or optdigits' 31 and 8 of ORAND-CAR-A's 118 as a pair so surely). They are not read as
    two: the whole 1 is sure of itself, and a single 1 wrongly parted would be a digit added;
    the string is flagged. Glyphs in `typeset` (indices: lines of type) are not asked."""
    narrow_ones = [
        i
        for i, glyph in enumerate(glyphs)
        if i not in typeset
        and glyph.height >= 0.5 * height
        and NARROW * glyph.height < glyph.width < WIDE * glyph.height
        and int(np.argmax(probabilities[i])) == 1
    ]
    if not narrow_ones:
        return set()
    readings = classify_crops(pair_reader, np.stack([to_pair(glyphs[i].mask) for i in narrow_ones]))
    sure = (readings.argmax(axis=1) != NOT_PAIR) & (readings.max(axis=1) >= PAIR_CONFIDENT)
    return {i for i, pair in zip(narrow_ones, sure, strict=True) if pair}


def parted_narrow(before: list[Glyph], after: list[Glyph], labels: list[Label]) -> set[int]:
    """Indices into `after` (`split_touching`'s glyphs; `before`, those it was given) of the
    digits read out of one mark narrower than NARROW_PAIR of its height, none of them a 1."""
    given = {id(glyph) for glyph in before}
    kept = {id(glyph) for glyph in after}
    parts = [i for i, glyph in enumerate(after) if id(glyph) not in given]
    found: set[int] = set()
    for mark in before:
        if id(mark) in kept or mark.width >= NARROW_PAIR * mark.height:
            continue
        inside = [
            i
            for i in parts
            if mark.x <= after[i].x
            and after[i].right <= mark.right
            and mark.y <= after[i].y
            and after[i].bottom <= mark.bottom
        ]
        if len(inside) > 1 and all(labels[i].digit not in (None, 1) for i in inside):
            found.update(inside)
    return found


def pair_digits(pair_probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and second digit's class probabilities (0-9, not a digit) in pair readings:
    each digit's marginal over the 100 pairs, with "not a pair" as "not a digit"."""
    joint = pair_probabilities[:, :NOT_PAIR].reshape(-1, 10, 10)
    rest = pair_probabilities[:, NOT_PAIR:]
    return np.hstack([joint.sum(axis=2), rest]), np.hstack([joint.sum(axis=1), rest])


def read_as_pairs(
    glyphs: list[Glyph], tried: list[int], pair_reader: Classifier
) -> tuple[dict[int, tuple[float, Read]], set[int]]:
    """The pair reader's verdicts on the glyphs among `tried`: those it reads as a pair with at
    least PAIR_CONFIDENT (for each, the mean log-probability per digit of that pair, and the
    glyph as its two halves with each digit's probabilities from the pair reading), and those
    it reads as no pair as surely."""
    tried = [i for i in tried if glyphs[i].width <= 2 * TOO_WIDE * glyphs[i].height]
    if not tried:
        return {}, set()
    readings = classify_crops(pair_reader, np.stack([to_pair(glyphs[i].mask) for i in tried]))
    firsts, seconds = pair_digits(readings.astype(np.float32))
    pairs = {}
    no_pairs = {i for row, i in enumerate(tried) if readings[row, NOT_PAIR] >= PAIR_CONFIDENT}
    for row, i in enumerate(tried):
        chance = float(readings[row].max())
        confident = int(np.argmax(readings[row])) != NOT_PAIR and chance >= PAIR_CONFIDENT
        if confident and (parts := halves(glyphs[i])) is not None:
            part_crops = np.stack([to_mnist(part.mask, dark_ink=False) for part in parts])
            digits = np.stack([firsts[row], seconds[row]])
            pairs[i] = (0.5 * float(np.log(chance)), (list(parts), part_crops, digits))
    return pairs, no_pairs
