"""The message tables, one module per language, keyed by finding code (FINDINGS) or by text key (TEXTS).

A second language is a second table with the same keys; ``tests/test_findings.py`` holds them equal.
"""

from __future__ import annotations

from types import ModuleType

from gnbv_templates.findings.messages import en, vi

DEFAULT = "vi"
TABLES: dict[str, ModuleType] = {"vi": vi, "en": en}
LANGS = tuple(TABLES)


def table(lang: str) -> ModuleType:
    """The table of a language; an unknown one falls back to Vietnamese."""
    return TABLES.get(lang, vi)
