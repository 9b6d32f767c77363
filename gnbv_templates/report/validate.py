"""Validating one returned workbook: read it safely, run the checks, hand back a Report."""

from __future__ import annotations

from pathlib import Path

from gnbv_templates.check.pipeline import Pipeline
from gnbv_templates.forms.catalog import Catalog, load_catalog
from gnbv_templates.forms.rules import RuleSet, load_rules
from gnbv_templates.forms.signature import load_key
from gnbv_templates.read.reader import open_return
from gnbv_templates.read.safety import refuse
from gnbv_templates.report.report import Report


def validate(
    path: Path | str,
    *,
    catalog: Catalog | None = None,
    rules: RuleSet | None = None,
    expect_unit: str | None = None,
    expect_period: str | None = None,
    key: bytes | None = None,
) -> Report:
    """Validate one returned workbook; raises UnreadableFile if it cannot be used.

    With the issuing office's key (given, or named by GNBV_KEY_FILE) the metadata's signature is checked."""
    catalog = catalog or load_catalog()
    rules = rules or load_rules()
    key = key if key is not None else load_key()
    ret = open_return(path)
    try:
        outcome = Pipeline(ret, catalog, rules).run(expect_unit=expect_unit, expect_period=expect_period, key=key)
        return Report.from_outcome(outcome)
    except (MemoryError, RecursionError) as exc:
        raise refuse("too-complex", f"Tệp {ret.name} quá lớn hoặc quá phức tạp để kiểm tra.",
                     f"{ret.name} is too large or too complex to check ({type(exc).__name__}).") from None
    finally:
        ret.close()
