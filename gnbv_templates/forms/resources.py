"""Where the bundled definitions live, in a checkout and after pip install."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # gnbv_templates/


def _data_root() -> Path:
    installed = _PACKAGE / "data"
    if (installed / "templates" / "catalog.yaml").exists():
        return installed
    return _PACKAGE.parent


def templates_dir() -> Path:
    return _data_root() / "templates"


def rules_dir() -> Path:
    return _data_root() / "rules"


def examples_dir() -> Path:
    return _data_root() / "examples"


def bundled_units_path() -> Path:
    return examples_dir() / "units_lang_son.yaml"


def bundled_settings_path() -> Path:
    return templates_dir() / "settings.yaml"
