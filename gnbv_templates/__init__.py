"""gnbv-templates: the GNBV reporting forms (Biểu 01–15) — generate, validate, consolidate.

The public API; everything else lives in modules named for what they hold.

Each name is imported on first use (PEP 562), so that importing one part of the package, or running one
command, does not pay for all the others (the web server, the batch layer, openpyxl).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gnbv_templates.version import __version__

if TYPE_CHECKING:
    from gnbv_templates.batch.consolidate import Consolidation, ConsolidationTask, consolidate, consolidate_each
    from gnbv_templates.batch.folder import FolderReport, validate_folder
    from gnbv_templates.errors import DefinitionError, FillError, GnbvError, OutputError, UnreadableFile, UsageError
    from gnbv_templates.findings import Finding
    from gnbv_templates.forms.catalog import Catalog, load_catalog
    from gnbv_templates.forms.rules import load_rules
    from gnbv_templates.forms.units import load_units
    from gnbv_templates.generate.pack import fill, generate, generate_all
    from gnbv_templates.register import Receipt, Register, RegisterRefused
    from gnbv_templates.report.report import Report
    from gnbv_templates.report.validate import validate

# public name -> the module that holds it
_HOMES = {
    "Consolidation": "gnbv_templates.batch.consolidate",
    "ConsolidationTask": "gnbv_templates.batch.consolidate",
    "consolidate": "gnbv_templates.batch.consolidate",
    "consolidate_each": "gnbv_templates.batch.consolidate",
    "FolderReport": "gnbv_templates.batch.folder",
    "validate_folder": "gnbv_templates.batch.folder",
    "DefinitionError": "gnbv_templates.errors",
    "FillError": "gnbv_templates.errors",
    "GnbvError": "gnbv_templates.errors",
    "OutputError": "gnbv_templates.errors",
    "UnreadableFile": "gnbv_templates.errors",
    "UsageError": "gnbv_templates.errors",
    "Finding": "gnbv_templates.findings",
    "Catalog": "gnbv_templates.forms.catalog",
    "load_catalog": "gnbv_templates.forms.catalog",
    "load_rules": "gnbv_templates.forms.rules",
    "load_units": "gnbv_templates.forms.units",
    "fill": "gnbv_templates.generate.pack",
    "generate": "gnbv_templates.generate.pack",
    "generate_all": "gnbv_templates.generate.pack",
    "Receipt": "gnbv_templates.register",
    "Register": "gnbv_templates.register",
    "RegisterRefused": "gnbv_templates.register",
    "Report": "gnbv_templates.report.report",
    "validate": "gnbv_templates.report.validate",
}

__all__ = [
    "Catalog",
    "Consolidation",
    "ConsolidationTask",
    "DefinitionError",
    "FillError",
    "Finding",
    "FolderReport",
    "GnbvError",
    "OutputError",
    "Receipt",
    "Register",
    "RegisterRefused",
    "Report",
    "UnreadableFile",
    "UsageError",
    "__version__",
    "consolidate",
    "consolidate_each",
    "fill",
    "generate",
    "generate_all",
    "load_catalog",
    "load_rules",
    "load_units",
    "validate",
    "validate_folder",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
