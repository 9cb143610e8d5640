"""Training crops as the page stage cuts them: thresholded, levelled, cleared of rules and
normalised by reading's own code, from generated form pages written with training digits and
from ORAND-CAR-A's real training amounts. The classifier otherwise learns from digits cut
clean (MNIST, USPS, optdigits) or by an annotator's box (ORAND-CAR-A's, slivers of the
neighbours included); these are what it is handed at read time.

A glyph is labelled only where the truth says what it holds: on a generated page, a field
whose glyphs are exactly as many as its digits (left to right, one each); on a cheque, a glyph
lying over one digit box and no other. Touching, broken or merged digits are left out, never
guessed.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from digitscan.containers import Box
from digitscan.pages import Page
from digitscan.pipeline import box_on_page, find_candidates, page_dpi
from digitscan.segment.components import shared_area
from digitscan.sources import (
    ORAND_FOLDER,
    SPLIT_SEED,
    VALIDATION_SHARE,
    DigitSet,
    held_out,
    load_image,
    read_amounts,
    split,
)
from digitscan.synth import DigitSource, compose_page, random_style
from digitscan.training.lines import holds
from digitscan.training.train import REAL_REPEATS

PAGE_DPIS = (200, 300)
# A glyph stands for a digit box when their boxes overlap this much (intersection over
# union) and it overlaps no other digit's box by more than ELSEWHERE.
SAME_DIGIT = 0.6
ELSEWHERE = 0.25


def page_glyphs(gray: np.ndarray, dpi: float) -> list[tuple[Box, np.ndarray]]:
    """Every glyph the page stage finds on a page (upright), as its box on the page as loaded
    and the 28x28 crop reading classifies."""
    seen = find_candidates(gray, dpi, "floored")
    return [
        (box_on_page((g.x, g.y, g.width, g.height), seen, gray.shape, 0), crop)
        for g, crop in zip(seen.glyphs, seen.crops, strict=True)
    ]


def middle(box: Box) -> tuple[float, float]:
    return box.x + box.width / 2, box.y + box.height / 2


def overlap(a: Box, b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two boxes."""
    both = shared_area((a.x, a.y, a.width, a.height), b)
    return both / (a.width * a.height + b[2] * b[3] - both) if both else 0.0


def generated_page_crops(
    images: np.ndarray, labels: np.ndarray, pages: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Crops and labels of the digits the page stage cuts from `pages` form pages (the
    samples/ layouts, 200 and 300 dpi, half of them through JPEG) written with these digits."""
    source = DigitSource(images, labels, rng)
    crops, digits = [], []
    for number in range(pages):
        dpi = PAGE_DPIS[number % len(PAGE_DPIS)]
        page, fields = compose_page(source, random_style(rng, dpi), rng)
        gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
        if rng.random() < 0.5:
            quality = int(rng.integers(70, 90))
            gray = cv2.imdecode(cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, quality])[1], 0)
        found = page_glyphs(gray, dpi)
        for field, text in fields:
            area = Box(*field)
            mine = sorted(
                (item for item in found if holds(area, middle(item[0]))), key=lambda item: item[0].x
            )
            if len(mine) == len(text):
                crops.extend(crop for _, crop in mine)
                digits.extend(int(d) for d in text)
    return np.array(crops, np.uint8).reshape(-1, 28, 28), np.array(digits, np.uint8)


def amount_crops(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Crops and labels of the digits the page stage cuts from ORAND-CAR-A's training amounts
    (those `sources.split` does not hold out), each amount image read as reading reads it.
    A glyph over two digits (touching) or part of one (broken) matches no box well enough."""
    folder = Path(folder)
    amounts = read_amounts(folder)
    validating = held_out(np.arange(len(amounts)), VALIDATION_SHARE, SPLIT_SEED)
    crops, digits = [], []
    for amount, held in zip(amounts, validating, strict=True):
        if held:
            continue
        image = load_image(folder / amount.file)
        for box, crop in page_glyphs(image, page_dpi(Page(amount.file, 1, image))):
            overlaps = np.array([overlap(box, b) for b in amount.boxes])
            best = int(overlaps.argmax())
            others = np.delete(overlaps, best)
            if overlaps[best] >= SAME_DIGIT and not (others > ELSEWHERE).any():
                crops.append(crop)
                digits.append(int(amount.text[best]))
    return np.array(crops, np.uint8).reshape(-1, 28, 28), np.array(digits, np.uint8)


def stage_training_crops(
    mnist_digits: tuple[np.ndarray, np.ndarray], sources: list[DigitSet], real: Path, pages: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The page stage's crops for training: from `pages` generated pages for MNIST's training
    digits and for each source's training part (`sources.split`), and from ORAND-CAR-A's
    training amounts, which are real and few, REAL_REPEATS times."""
    rng = np.random.default_rng(seed)
    sets = [mnist_digits, *((part.images, part.labels) for part in (split(s)[0] for s in sources))]
    made = [generated_page_crops(images, labels, pages, rng) for images, labels in sets]
    cheques = amount_crops(Path(real) / ORAND_FOLDER)
    made.extend([cheques] * REAL_REPEATS)
    return np.concatenate([crops for crops, _ in made]), np.concatenate([labels for _, labels in made])
