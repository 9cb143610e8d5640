"""Form templates: a reference page and its named fields, read from and written to TOML.

    [template]
    name = "order-form"
    image = "order-form-blank.png"   # path relative to this file
    dpi = 300                        # optional: else the image's own, else a guess from its size

    [[field]]
    name = "customer_id"
    box = [412, 530, 600, 90]        # x, y, width, height in the reference image's pixels
    cells = 8                        # optional; and the checks of `digitscan.validate`

Every mistake is a `UsageError` (exit 2) that names the file and the key.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from digitscan.containers import Box
from digitscan.errors import DigitscanError, UsageError
from digitscan.register import Features, find_features, print_outside
from digitscan.validate import CHECKSUMS, Checks, date_layout_parts

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TEMPLATE_KEYS = {"name", "image", "dpi"}
FIELD_KEYS = {
    "name",
    "box",
    "cells",
    "pattern",
    "min_length",
    "max_length",
    "min",
    "max",
    "date",
    "checksum",
    "required",
}
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    box: Box  # in the reference image's pixels
    cells: int | None = None
    checks: Checks = field(default_factory=Checks)


@dataclass(frozen=True, eq=False)
class Template:
    name: str
    path: Path
    reference: np.ndarray  # the reference page, grayscale
    dpi: float
    fields: tuple[FieldSpec, ...]
    features: Features  # the reference's, found once: every page is registered against them
    print_mask: np.ndarray  # the reference's ink outside the fields (register.print_outside)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)


def template_error(path: Path, where: str, problem: str) -> UsageError:
    return UsageError(f"{path}: {where}: {problem}")


def require(table: dict, key: str, kind: type | tuple[type, ...], path: Path, where: str) -> object:
    if key not in table:
        raise template_error(path, where, f"missing key '{key}'")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise template_error(path, f"{where}.{key}", f"expected {describe(kind)}, got {value!r}")
    return value


def describe(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "a whole number", float: "a number", bool: "true or false", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def optional(table: dict, key: str, kind: type | tuple[type, ...], path: Path, where: str) -> object:
    return require(table, key, kind, path, where) if key in table else None


def parse_field(table: object, number: int, path: Path, shape: tuple[int, int]) -> FieldSpec:
    where = f"field {number}"
    if not isinstance(table, dict):
        raise template_error(path, where, "each [[field]] must be a table")
    unknown = sorted(set(table) - FIELD_KEYS)
    if unknown:
        raise template_error(
            path, f"{where}.{unknown[0]}", f"unknown key (known: {', '.join(sorted(FIELD_KEYS))})"
        )
    name = str(require(table, "name", str, path, where))
    if not FIELD_NAME.match(name):
        raise template_error(path, f"{where}.name", f"{name!r}: use letters, digits, '_', '.' or '-'")
    where = f"field '{name}'"
    box = require(table, "box", list, path, where)
    if len(box) != 4 or not all(isinstance(v, int) and not isinstance(v, bool) for v in box):
        raise template_error(path, f"{where}.box", "expected [x, y, width, height] in whole pixels")
    x, y, width, height = box
    rows, cols = shape
    if width < 1 or height < 1 or x < 0 or y < 0 or x + width > cols or y + height > rows:
        raise template_error(path, f"{where}.box", f"{box} is not inside the {cols}x{rows} reference image")
    cells = optional(table, "cells", int, path, where)
    if cells is not None and not 1 <= cells <= width:
        raise template_error(path, f"{where}.cells", f"{cells}: expected 1 or more, at most the box width")
    pattern = optional(table, "pattern", str, path, where)
    compiled = None
    if pattern is not None:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise template_error(path, f"{where}.pattern", f"not a regular expression ({exc})") from None
    lengths = [optional(table, key, int, path, where) for key in ("min_length", "max_length")]
    bounds = [optional(table, key, (int, float), path, where) for key in ("min", "max")]
    for key, value in zip(("min_length", "max_length"), lengths, strict=True):
        if value is not None and value < 0:
            raise template_error(path, f"{where}.{key}", f"{value}: must not be negative")
    date = optional(table, "date", str, path, where)
    if date is not None:
        try:
            date_layout_parts(date)
        except ValueError as exc:
            raise template_error(path, f"{where}.date", str(exc)) from None
    checksum = optional(table, "checksum", str, path, where)
    if checksum is not None and checksum not in CHECKSUMS:
        raise template_error(path, f"{where}.checksum", f"{checksum!r}: supported are {', '.join(CHECKSUMS)}")
    required = bool(optional(table, "required", bool, path, where))
    checks = Checks(compiled, lengths[0], lengths[1], bounds[0], bounds[1], date, checksum, required)
    return FieldSpec(name, Box(x, y, width, height), cells, checks)


def load_template(path: Path) -> Template:
    """Read and check a template file and its reference image."""
    from digitscan.pages import load_pages

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: template not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the template ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            f"{path}: not a template: templates are TOML ({exc}); "
            "`digitscan template detect FORM.png` writes one to start from"
        ) from None
    head = data.get("template")
    if not isinstance(head, dict):
        raise template_error(path, "[template]", "missing table")
    unknown = sorted(set(head) - TEMPLATE_KEYS)
    if unknown:
        raise template_error(
            path, f"template.{unknown[0]}", f"unknown key (known: {', '.join(sorted(TEMPLATE_KEYS))})"
        )
    unknown = sorted(set(data) - {"template", "field"})
    if unknown:
        raise template_error(path, unknown[0], "unknown table (known: [template], [[field]])")
    name = str(require(head, "name", str, path, "template"))
    image = path.parent / str(require(head, "image", str, path, "template"))
    dpi = optional(head, "dpi", (int, float), path, "template")
    if dpi is not None and not 50 <= dpi <= 1200:
        raise template_error(path, "template.dpi", f"{dpi}: expected 50 to 1200")
    try:
        page = next(iter(load_pages(str(image))))
    except StopIteration:
        raise template_error(path, "template.image", f"{image}: has no page") from None
    except DigitscanError as exc:
        raise template_error(path, "template.image", str(exc)) from None
    fields = data.get("field", [])
    if not isinstance(fields, list) or not fields:
        raise template_error(path, "[[field]]", "a template needs at least one field")
    specs = tuple(parse_field(table, n, path, page.image.shape[:2]) for n, table in enumerate(fields, 1))
    names = [spec.name for spec in specs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise template_error(path, f"field '{repeated[0]}'", "the name is used twice")
    from digitscan.pipeline import page_dpi

    resolution = float(dpi or page_dpi(page))
    features = find_features(page.image, resolution)
    mask = print_outside(features, [spec.box for spec in specs])
    return Template(name, path, page.image, resolution, specs, features, mask)


def load_templates(paths: tuple[Path, ...]) -> tuple[Template, ...]:
    templates = tuple(load_template(path) for path in paths)
    names = [t.name for t in templates]
    if len(set(names)) != len(names):
        raise UsageError(f"two templates are named {sorted(n for n in names if names.count(n) > 1)[0]!r}")
    return templates


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def template_toml(name: str, image: str, dpi: float | None, fields: list[FieldSpec]) -> str:
    """A template file's text (what `template detect` writes): fields as found, to rename."""
    lines = ["[template]", f"name = {toml_string(name)}", f"image = {toml_string(image)}"]
    if dpi:
        lines.append(f"dpi = {round(dpi)}")
    for spec in fields:
        box = spec.box
        lines += ["", "[[field]]", f"name = {toml_string(spec.name)}"]
        lines.append(f"box = [{box.x}, {box.y}, {box.width}, {box.height}]")
        if spec.cells:
            lines.append(f"cells = {spec.cells}")
    return "\n".join(lines) + "\n"
