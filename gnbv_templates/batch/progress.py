"""Progress bars for the commands that take more than a second: on a terminal only, never in logs."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from tqdm import tqdm


class Bar:
    """A ``progress(done, total)`` callback drawing one tqdm bar on stderr; closes itself when done."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = tqdm(total=total, desc=self.label, unit=" tệp", file=sys.stderr, leave=False,
                             dynamic_ncols=True, mininterval=0.2)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def progress_bar(label: str, *, quiet: bool = False) -> Callable[[int, int], None] | None:
    """A bar for ``label``, or None when quiet (-q) or when stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    return Bar(label)
