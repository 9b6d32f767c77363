"""A finding is data: a stable code, its severity, where, what was found, what was expected, and parameters.

No wording is stored in it: ``message(lang)`` renders at output from the table of that language, or (for a
rule from rules/*.yaml) from the rule's own templates, which the finding carries as parameters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from gnbv_templates.findings.codes import CODES
from gnbv_templates.findings.render import finding_template, render_message

# parameters that carry a rule's own message templates, by language
TEMPLATE_PARAM = "template_"


@dataclass
class Finding:
    code: str
    severity: str
    form: str = ""
    sheet: str = ""
    cell: str = ""
    row: str = ""
    col: str = ""
    row_label: str = ""
    value: Any = None
    expected: Any = None
    rule: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def template(self, lang: str = "vi") -> str:
        own = self.params.get(TEMPLATE_PARAM + lang) or self.params.get(TEMPLATE_PARAM + "vi")
        return own if own else finding_template(self.code, lang)

    def fields(self) -> dict[str, Any]:
        """What a template may name: the finding's own places and values, then its parameters."""
        out = {"found": self.value, "expected": self.expected, "form": self.form, "sheet": self.sheet,
               "row": self.row, "col": self.col, "rule": self.rule, "label": self.row_label}
        out.update(self.params)
        return out

    def message(self, lang: str = "vi") -> str:
        return render_message(self.template(lang), self.fields(), lang)

    def as_dict(self, lang: str = "vi") -> dict[str, Any]:
        data = asdict(self)
        params = data.pop("params")
        if params.get("basis"):
            data["basis"] = str(params["basis"])
        data["message"] = self.message(lang)
        data["value"] = _jsonable(self.value)
        data["expected"] = _jsonable(self.expected)
        return data


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def make(code: str, *, severity: str | None = None, **fields: Any) -> Finding:
    """Build a finding from its code (severity from the registry unless a rule sets its own)."""
    spec = CODES[code]
    fields.setdefault("rule", code)  # checks of the model itself are named by their code
    params = fields.pop("params", None)
    return Finding(code=code, severity=severity or spec.severity, params=dict(params or {}), **fields)


def rule_templates(message: str, message_en: str = "") -> dict[str, str]:
    """A rule's own message templates as finding parameters (rendered at output, like the tables)."""
    out = {TEMPLATE_PARAM + "vi": message}
    if message_en:
        out[TEMPLATE_PARAM + "en"] = message_en
    return out
