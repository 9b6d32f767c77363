"""Findings are data: a stable code, where, what was found, what was expected.

Wording lives apart from the checks, in one table per language (``messages/``): the error sheet, the JSON
report and the terminal are renderers of one report. Codes are never reused for another meaning.

- ``codes.py``: the registry of codes and severities;
- ``finding.py``: the Finding dataclass and ``make``;
- ``messages/vi.py``, ``messages/en.py``: the wording, keyed by code (FINDINGS) and by text key (TEXTS);
- ``render.py``: rendering at output (``Finding.message(lang)``, ``text(key, lang)``);
- ``docs.py``: ``python -m gnbv_templates.findings.docs > docs/findings.md``.
"""

from __future__ import annotations

from gnbv_templates.findings.codes import CODES, ERROR, INFO, WARNING, Code
from gnbv_templates.findings.finding import Finding, make, rule_templates
from gnbv_templates.findings.messages import LANGS
from gnbv_templates.findings.render import MAX_SHOWN, Phrase, render_message, shown_text, text

__all__ = ["CODES", "ERROR", "INFO", "LANGS", "MAX_SHOWN", "WARNING", "Code", "Finding", "Phrase", "make",
           "render_message", "rule_templates", "shown_text", "text"]
