"""Inputs and outputs in object storage: `s3://bucket/prefix/` and other fsspec URLs.

Inputs are listed and read through fsspec; outputs (`--out`, `--errors`) are written to a
local staging folder (which `--resume` finds again after a crash) and uploaded when the run
ends, so a half-written object never appears under the real name; `--annotate` pages are
uploaded one by one. Credentials come from the usual environment and configuration (for S3:
AWS_* variables, ~/.aws, FSSPEC_S3_ENDPOINT_URL for another endpoint), never from the
command line.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any

from digitscan.errors import InputFileError, UsageError

STORAGE_EXTRA = 'pip install "digitscan[s3]"'
MAX_OBJECT_BYTES = 2 << 30  # an image or PDF larger than this is refused before it is fetched


def is_url(text: str | os.PathLike[str] | None) -> bool:
    """An fsspec URL (s3://, gs://, memory://...), not a local path (file:// is one)."""
    return isinstance(text, str) and "://" in text and not text.startswith("file://")


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system for a URL and the path inside it."""
    try:
        import fsspec
    except ImportError:
        raise UsageError(f"{url}: object storage needs fsspec and its drivers: {STORAGE_EXTRA}") from None
    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise UsageError(f"{url}: no driver for this kind of URL ({exc}): {STORAGE_EXTRA}") from None


@cache
def driver_errors() -> tuple[type[Exception], ...]:
    """What a driver raises for a store it cannot reach or use: OSError (fsspec's own, and s3fs's
    translation of the store's refusals), and botocore's errors that s3fs passes through as
    they are (no endpoint at the address, no credentials found)."""
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:
        return (OSError,)
    return (OSError, BotoCoreError)


def storage_error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).strip()[:200]}" if str(exc).strip() else type(exc).__name__


def join(url: str, name: str) -> str:
    return url.rstrip("/") + "/" + name


def list_files(url: str, suffixes: set[str]) -> tuple[list[str], list[str]]:
    """The objects under a URL (one object, or every one under a prefix, sorted), as
    (files with one of `suffixes`, others)."""
    fs, path = filesystem(url)
    protocol = url.split("://", 1)[0]
    try:
        if fs.isfile(path):
            return [url], []
        names = sorted(fs.find(path))
    except driver_errors() as exc:
        raise UsageError(f"{url}: cannot list ({storage_error(exc)})") from None
    if not names:
        raise UsageError(f"{url}: no such object or prefix")
    files, others = [], []
    for name in names:
        (files if Path(name).suffix.lower() in suffixes else others).append(f"{protocol}://{name}")
    return files, others


def read_object(url: str) -> bytes:
    """An input object's bytes: refused when empty, huge or unreadable, naming it."""
    fs, path = filesystem(url)
    try:
        size = fs.size(path)
        if size == 0:
            raise InputFileError(url, "empty file (0 bytes)")
        if size is not None and size > MAX_OBJECT_BYTES:
            raise InputFileError(url, f"{size:,} bytes is over the limit of {MAX_OBJECT_BYTES:,}")
        return fs.cat_file(path)
    except FileNotFoundError:
        raise InputFileError(url, "no such object") from None
    except driver_errors() as exc:
        raise InputFileError(url, f"cannot read ({storage_error(exc)})") from None


def write_object(url: str, data: bytes) -> None:
    fs, path = filesystem(url)
    try:
        fs.pipe_file(path, data)
    except driver_errors() as exc:
        raise UsageError(f"{url}: cannot write ({storage_error(exc)})") from None


def exists(url: str) -> bool:
    fs, path = filesystem(url)
    try:
        return bool(fs.exists(path))
    except driver_errors() as exc:
        raise UsageError(f"{url}: cannot reach ({storage_error(exc)})") from None


def upload(local: Path, url: str) -> None:
    fs, path = filesystem(url)
    try:
        fs.put_file(str(local), path)
    except driver_errors() as exc:
        raise UsageError(f"{url}: cannot write ({storage_error(exc)})") from None


def download(url: str, local: Path) -> None:
    fs, path = filesystem(url)
    try:
        fs.get_file(path, str(local))
    except driver_errors() as exc:
        raise UsageError(f"{url}: cannot read ({storage_error(exc)})") from None


def check_writable(option: str, url: str) -> None:
    """The bucket (or container) of an output URL must exist: found before any page is read."""
    fs, path = filesystem(url)
    root = path.strip("/").split("/", 1)[0]
    try:
        fs.info(root)  # not fs.exists: s3fs answers False for a store it cannot reach or sign in to
    except FileNotFoundError:
        raise UsageError(f"{option} {url}: no bucket {root!r}") from None
    except driver_errors() as exc:
        raise UsageError(f"{option} {url}: cannot reach ({storage_error(exc)})") from None


def staging_path(url: str) -> Path:
    """Where an output URL is written before it is uploaded: one folder per URL under the
    user's cache, so that `--resume` after a crash finds the part written so far."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "digitscan" / "staging" / hashlib.sha256(url.encode()).hexdigest()[:20]
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (url.rstrip("/").rsplit("/", 1)[-1] or "out")
