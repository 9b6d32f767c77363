"""A validation report and its renderings: JSON and the annotated copy.

The annotated copy is written with openpyxl, which (with numpy under it) takes longer to import than
checking a return takes: ``annotate`` is imported on first use (PEP 562), so that a check that writes no
copy never loads it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gnbv_templates.report.annotate import annotate

_HOMES = {"annotate": "gnbv_templates.report.annotate"}

__all__ = ["annotate"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
