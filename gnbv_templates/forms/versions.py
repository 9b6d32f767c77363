"""Catalogs of earlier versions, kept so that returns issued with them stay readable.

A return names the catalog version it was issued with.  When the forms change,
the definitions of the version being replaced are kept, word for word, under
``templates/versions/<version>/`` (its own ``catalog.yaml``, ``bieu_*.yaml`` and
``rules/``): a return of that version is then read by the layout it was issued
with and checked by the rules that held for it.
"""

from __future__ import annotations

import re
from pathlib import Path

from gnbv_templates.forms.catalog import Catalog, load_catalog
from gnbv_templates.forms.resources import templates_dir
from gnbv_templates.forms.rules import RuleSet, load_rules

_VERSION = re.compile(r"\d{4}\.\d+")


def versions_dir(templates: Path | None = None) -> Path:
    return (templates or templates_dir()) / "versions"


def catalog_for(version: str, templates: Path | None = None) -> tuple[Catalog, RuleSet] | None:
    """The catalog and rules of an earlier version, or None when that version is not kept."""
    if not _VERSION.fullmatch(str(version or "")):
        return None  # a version read from a file is text from outside: never a path
    directory = versions_dir(templates) / version
    if not (directory / "catalog.yaml").is_file():
        return None
    catalog = load_catalog(directory)
    if catalog.version != version:
        return None
    rules = directory / "rules"
    return catalog, load_rules(rules if rules.is_dir() else None)
