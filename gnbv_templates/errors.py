"""One exception hierarchy; each kind of failure has its own exit code.

The CLI turns any of these into a one-line Vietnamese message; nothing else
should escape to the user as a traceback.
"""

from __future__ import annotations


class GnbvError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, english: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.english = english or message


class DefinitionError(GnbvError, ValueError):
    """A form, rule, units or settings file is wrong; names file and line."""

    exit_code = 3

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class UsageError(GnbvError, ValueError):
    """Bad command-line arguments or API arguments (unknown unit, period…)."""

    exit_code = 4


class FillError(GnbvError, ValueError):
    """Data given to `fill` addresses an unknown or derived cell."""

    exit_code = 5


class UnreadableFile(GnbvError, ValueError):
    """A workbook that cannot be used: corrupt, foreign, hostile, too big."""

    exit_code = 2

    def __init__(self, message: str, *, reason: str, english: str | None = None) -> None:
        super().__init__(message, english=english)
        self.reason = reason


class OutputError(GnbvError, OSError):
    """An output path that cannot be written (or would overwrite an input)."""

    exit_code = 6
