"""Every finding code, with its severity: the registry the checks declare from and the message tables cover.

A code is never reused for another meaning; wording lives in ``messages/`` (one table per language).
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING = "error", "warning"
INFO = "info"  # said for the record (a total stated, a check without enough figures): not to be corrected


@dataclass(frozen=True)
class Code:
    code: str
    severity: str

    @property
    def kind(self) -> str:
        """The family a code belongs to: structure, form, identity, value, derived, relation, rule, file, internal."""
        return self.code.split(".", 1)[0]


_CODES = [
    # structure and identity
    Code("structure.meta-missing", WARNING),
    Code("structure.meta-altered", ERROR),
    Code("structure.meta-disagrees", ERROR),
    Code("structure.unidentified", ERROR),
    Code("structure.catalog-version", ERROR),
    Code("structure.catalog-older", INFO),
    Code("form.empty", INFO),
    Code("form.required-empty", ERROR),
    Code("form.required-missing", ERROR),
    Code("structure.sheet-missing", ERROR),
    Code("structure.sheet-renamed", WARNING),
    Code("structure.sheet-order", WARNING),
    Code("structure.form-changed", ERROR),
    Code("structure.identity-mismatch", ERROR),
    Code("structure.row-missing", ERROR),
    Code("structure.row-moved", ERROR),
    Code("structure.row-extra", ERROR),
    Code("structure.column-missing", ERROR),
    Code("structure.column-moved", ERROR),
    Code("identity.unit", ERROR),
    Code("identity.unsigned", ERROR),
    Code("identity.signature-invalid", ERROR),
    Code("identity.period", ERROR),
    Code("identity.header", ERROR),
    # values of input cells
    Code("value.not-a-number", ERROR),
    Code("value.text-number", WARNING),
    Code("value.ambiguous-number", WARNING),
    Code("value.placeholder", WARNING),
    Code("value.excel-error", ERROR),
    Code("value.date", ERROR),
    Code("value.formula-no-value", ERROR),
    Code("value.formula-in-input", WARNING),
    Code("value.formula-unsafe", ERROR),
    Code("value.negative", ERROR),
    Code("value.not-integer", ERROR),
    Code("value.out-of-range", ERROR),
    Code("value.not-allowed", ERROR),
    Code("value.required", ERROR),
    # derived cells
    Code("derived.overwritten-same", INFO),
    Code("derived.sum-mismatch", ERROR),
    Code("derived.ratio-mismatch", ERROR),
    Code("derived.formula-mismatch", ERROR),
    Code("derived.formula-altered", ERROR),
    Code("derived.parts-exceed-total", ERROR),
    Code("derived.stated-total", INFO),
    # relations between cells
    Code("relation.part-exceeds-whole", ERROR),
    # the file itself
    Code("file.macros", WARNING),
    Code("file.external-links", WARNING),
    Code("file.formula-removed", WARNING),
    # rules from rules/*.yaml
    Code("rule.failed", ERROR),
    Code("rule.not-evaluated", WARNING),
    Code("rule.not-enough-figures", INFO),
    # across periods (rules/periods/*.yaml); plausibility (jump, outlier) is only ever a warning
    Code("period.stock-flow", ERROR),
    Code("period.decreased", ERROR),
    Code("period.plan-changed", WARNING),
    Code("period.jump", WARNING),
    Code("period.outlier", WARNING),
    # the program's own fault, never the file's
    Code("internal.check-failed", ERROR),
]

CODES: dict[str, Code] = {c.code: c for c in _CODES}
