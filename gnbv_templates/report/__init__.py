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
    from gnbv_templates.report.annotate import annotate as write_annotated

# name → (module, its attribute).  ``write_annotated`` is what Report calls: once the module
# gnbv_templates.report.annotate is imported, the package's attribute ``annotate`` is that module.
_HOMES = {"annotate": ("gnbv_templates.report.annotate", "annotate"),
          "write_annotated": ("gnbv_templates.report.annotate", "annotate")}

__all__ = ["annotate", "write_annotated"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home[0]), home[1])
    globals()[name] = value
    return value
