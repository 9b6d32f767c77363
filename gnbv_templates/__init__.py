"""gnbv-templates: the GNBV reporting forms (Biểu 01–15) — generate, validate, consolidate.

The public API; everything else lives in modules named for what they hold.
"""

from gnbv_templates.batch.consolidate import Consolidation, consolidate
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
from gnbv_templates.version import __version__

__all__ = [
    "Catalog",
    "Consolidation",
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
    "fill",
    "generate",
    "generate_all",
    "load_catalog",
    "load_rules",
    "load_units",
    "validate",
    "validate_folder",
]
