"""Rendering at output: a template and its parameters become the text a person reads, in one language.

Values from a workbook are shown on one line and not endlessly; templates are ours (from the tables or from
a rule definition) and only fill plain ``{name}`` fields, never attribute access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gnbv_templates.findings.messages import table
from gnbv_templates.forms.notation import format_vn

_FIELD = re.compile(r"\{(\w+)(!r)?\}")
# line breaks, terminal escapes and bidirectional overrides typed into a cell must not reach a message
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
MAX_SHOWN = 200


@dataclass(frozen=True)
class Phrase:
    """A parameter that is itself wording: rendered from the TEXTS table in the language of the output."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


def shown_text(value: Any, limit: int | None = MAX_SHOWN) -> str:
    """A value as a message shows it: on one line, and (what came from a cell) not endless."""
    if value is None:
        return "—"  # nothing to show (a value that could not be computed): never the word None
    text = format_vn(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
    text = _CONTROL.sub(" ", text)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def render_message(template: str, params: dict[str, Any], lang: str = "vi") -> str:
    """Fill ``{name}`` fields; nothing but plain names (no attribute access)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        value = params.get(name, "")
        if isinstance(value, Phrase):
            return text(value.key, lang, **value.params)
        text_ = shown_text(value, MAX_SHOWN if name in ("found", "expected") else None)
        return f"“{text_}”" if match.group(2) else text_

    return _FIELD.sub(one, template)


def text(key: str, lang: str = "vi", **params: Any) -> str:
    """A text of the program (not a finding) in one language: labels, command-line lines, hints."""
    texts = table(lang).TEXTS
    template = texts.get(key)
    if template is None:
        template = table("vi").TEXTS[key]
    return template.format(**params) if params else template


def finding_template(code: str, lang: str = "vi") -> str:
    found = table(lang).FINDINGS.get(code)
    return found if found is not None else table("vi").FINDINGS[code]
