"""Field checks: what a form's field must hold (pattern, length, range, date, checksum).

Each check is named by its template key; a field whose digits fail one is flagged for review
with that name as its reason. An empty field fails only `required`: the others judge digits.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

CHECKSUMS = ("luhn", "mod11")
DATE_PARTS = {"DD": "day", "MM": "month", "YYYY": "year", "YY": "year"}


@dataclass(frozen=True)
class Checks:
    """The optional checks of one field (None: not asked for)."""

    pattern: re.Pattern[str] | None = None
    min_length: int | None = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    date: str | None = None
    checksum: str | None = None
    required: bool = False


def date_layout_parts(layout: str) -> list[tuple[str, int]]:
    """`DDMMYYYY` -> [('day', 0), ('month', 2), ('year', 4)]: each part and where it starts.
    Raises ValueError for a layout that is not made of DD, MM and YY or YYYY once each."""
    parts, position = [], 0
    while position < len(layout):
        for token in ("YYYY", "DD", "MM", "YY"):
            if layout.startswith(token, position):
                parts.append((token, position))
                position += len(token)
                break
        else:
            raise ValueError(f"{layout!r}: use DD, MM and YYYY (or YY), e.g. DDMMYYYY")
    names = [DATE_PARTS[token] for token, _ in parts]
    if sorted(names) != ["day", "month", "year"]:
        raise ValueError(f"{layout!r}: needs DD, MM and YYYY (or YY) once each")
    return parts


def is_date(text: str, layout: str) -> bool:
    if len(text) != len(layout) or not text.isdigit():
        return False
    values = {DATE_PARTS[token]: int(text[at : at + len(token)]) for token, at in date_layout_parts(layout)}
    if "YYYY" not in layout:
        values["year"] += 2000  # any leap-year rule works for a two-digit year but 00
    try:
        datetime.date(values["year"], values["month"], values["day"])
    except ValueError:
        return False
    return True


def luhn_valid(text: str) -> bool:
    """The Luhn (mod 10) check digit, as on payment cards and many account numbers."""
    total = 0
    for position, char in enumerate(reversed(text)):
        value = int(char)
        if position % 2:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return total % 10 == 0


def mod11_valid(text: str) -> bool:
    """Mod 11 with weights 2, 3, 4... from the right of the payload (ISBN-10 style, digits
    only): the last digit is the check digit; a remainder needing check 10 cannot be written
    with digits and fails."""
    payload, check = text[:-1], int(text[-1])
    total = sum(int(char) * weight for weight, char in enumerate(reversed(payload), start=2))
    return (11 - total % 11) % 11 == check


def failed_checks(text: str, checks: Checks) -> tuple[str, ...]:
    """The names of the checks `text` (the digits read, '?' for an unread mark) fails."""
    if not text:
        return ("required",) if checks.required else ()
    failed = []
    digits_only = text.isdigit()
    if checks.pattern is not None and not checks.pattern.fullmatch(text):
        failed.append("pattern")
    if checks.min_length is not None and len(text) < checks.min_length:
        failed.append("min_length")
    if checks.max_length is not None and len(text) > checks.max_length:
        failed.append("max_length")
    if checks.min is not None and not (digits_only and int(text) >= checks.min):
        failed.append("min")
    if checks.max is not None and not (digits_only and int(text) <= checks.max):
        failed.append("max")
    if checks.date is not None and not is_date(text, checks.date):
        failed.append("date")
    if checks.checksum is not None:
        valid = {"luhn": luhn_valid, "mod11": mod11_valid}[checks.checksum]
        if not (digits_only and len(text) >= 2 and valid(text)):
            failed.append("checksum")
    return tuple(failed)
