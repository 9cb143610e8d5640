"""Exceptions that carry the exit code the CLI returns for them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    SOME_FILES_FAILED = 1
    USAGE = 2
    BAD_INPUT = 3
    MODEL = 4
    INTERRUPTED = 130


class DigitscanError(Exception):
    """Base class: a problem the user can act on, reported as one line."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class UsageError(DigitscanError):
    exit_code = ExitCode.USAGE


class InputFileError(DigitscanError):
    """A file that cannot be read as what it claims to be; names the file."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class PageRefused(DigitscanError):
    """A page that is no form (noise, a dithered photo): refused before its cost explodes.
    The file's other pages are still read; `read_file` names the file and page."""


class CrowdedPage(PageRefused):
    """A page refused for the number of its marks, not for its share of ink: what grain on a
    scan of a form also gives."""


class DatasetError(InputFileError):
    """A missing, truncated or malformed MNIST file."""


class ModelError(DigitscanError):
    exit_code = ExitCode.MODEL


TRAIN_EXTRA = 'pip install "digitscan[train]"'


def needs_tensorflow(what: str) -> UsageError:
    """The error for a command that needs the training extra where it is not installed."""
    return UsageError(f"{what} needs TensorFlow, which reading does without: {TRAIN_EXTRA}")
