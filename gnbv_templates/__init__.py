"""gnbv-templates: the GNBV reporting forms (Biểu 01–15) — generate, validate, consolidate.

The public API; everything else lives in modules named for what they hold.
"""

from .batch import FolderReport, validate_folder
from .catalog import Catalog, load_catalog
from .consolidate import Consolidation, consolidate
from .errors import DefinitionError, FillError, GnbvError, OutputError, UnreadableFile, UsageError
from .findings import Finding
from .pack import fill, generate, generate_all
from .report import Report
from .rules import load_rules
from .units import load_units
from .validate import validate

__all__ = [
    "Catalog",
    "Consolidation",
    "DefinitionError",
    "FillError",
    "Finding",
    "FolderReport",
    "GnbvError",
    "OutputError",
    "Report",
    "UnreadableFile",
    "UsageError",
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
__version__ = "0.1.0"
