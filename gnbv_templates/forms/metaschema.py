"""Cerberus schemas that every definition file must satisfy.

Unknown keys are refused (cerberus' default), so a typo such as ``lable:``
is reported at its line instead of being silently ignored.

The schemas are plain data; cerberus itself is imported only when a document
is checked.  Definitions are checked once, when they are compiled: a process
whose catalog, rules and units come from the cache (forms/cache.py) checks
nothing, and should not pay the ~30 ms cerberus takes to import (about a
tenth of ``gnbv validate one.xlsx``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from gnbv_templates.errors import DefinitionError
from gnbv_templates.forms.model import MEASURE_KINDS
from gnbv_templates.forms.yamlsource import line_of, load_yaml

CODE = {"type": "string", "regex": r"[0-9A-Za-z][0-9A-Za-z._-]{0,15}", "empty": False}
CODE_LIST = {"type": "list", "schema": CODE, "minlength": 1}
PAIR = {"type": "list", "schema": CODE, "minlength": 2, "maxlength": 2}
TEXT = {"type": "string", "empty": False}

_FORMULA_KEYS = ("sum", "ratio", "expr")


def _exclusive(key: str) -> list[str]:
    return [k for k in _FORMULA_KEYS if k != key]


COLUMN = {
    "type": "dict",
    "schema": {
        "code": {**CODE, "required": True},
        "label": {**TEXT, "required": True},
        "heading": {"type": "list", "schema": TEXT},
        "measure": TEXT,
        "sum": {**CODE_LIST, "excludes": _exclusive("sum")},
        "ratio": {**PAIR, "excludes": _exclusive("ratio")},
        "expr": {**TEXT, "excludes": _exclusive("expr")},
        "choices": {"type": "list", "schema": TEXT, "minlength": 1},
        "width": {"type": "number", "min": 3, "max": 80},
    },
}

ROW = {
    "type": "dict",
    "schema": {
        "code": {**TEXT, "required": True},
        "stt": {"type": "string"},
        "label": {**TEXT, "required": True},
        "measure": TEXT,
        "parent": CODE,
        "part_of": CODE,
        "sum": {
            "anyof": [CODE_LIST, {"type": "string", "allowed": ["children"]}],
            "excludes": _exclusive("sum"),
        },
        "ratio": {**PAIR, "excludes": _exclusive("ratio")},
        "expr": {**TEXT, "excludes": _exclusive("expr")},
        "section": {"type": "boolean"},
        "na": CODE_LIST,
        "required": {"type": "boolean"},
        "bold": {"type": "boolean"},
        "repeat": {
            "type": "dict",
            "schema": {
                "over": {**TEXT, "required": True},
                "as": {"type": "string", "regex": r"[a-z_][a-z0-9_]*", "required": True},
            },
        },
    },
}

FORM = {
    "id": {"type": "string", "regex": r"B\d{2}", "required": True},
    "sheet": {"type": "string", "regex": r"[^\[\]:*?/\\']{1,31}", "required": True},
    "title": {**TEXT, "required": True},
    "subtitle": TEXT,
    "unit_note": TEXT,
    "measure": TEXT,
    "row_measures": {"type": "boolean"},
    "rows_per_child": {"type": "boolean"},
    "label_heading": TEXT,
    "columns": {"type": "list", "schema": COLUMN, "required": True, "minlength": 1},
    "rows": {"type": "list", "schema": ROW, "required": True, "minlength": 1},
}

CATALOG = {
    "version": {"type": "string", "regex": r"\d{4}\.\d+", "required": True},
    "name": TEXT,
    "measures": {
        "type": "dict",
        "required": True,
        "keysrules": TEXT,
        "valuesrules": {
            "type": "dict",
            "schema": {
                "type": {
                    "type": "string",
                    "required": True,
                    "allowed": list(MEASURE_KINDS),  # the kinds the form model declares
                },
                "max": {"type": "number"},
                "tolerance": {"type": "number", "min": 0},
            },
        },
    },
    "header": {"type": "list", "schema": TEXT, "required": True},
    "signature": {"type": "list", "schema": {"type": "list", "schema": {"type": "string"}}},
}

SETTINGS = {
    "receiving_agency": TEXT,
    "preparer_title": TEXT,
    "head_title": TEXT,
}

UNITS = {
    "sample": {"type": "boolean"},
    "note": {"type": "string"},
    "levels": {
        "type": "list",
        "required": True,
        "minlength": 1,
        "schema": {
            "type": "dict",
            "schema": {"id": {**CODE, "required": True}, "name": {**TEXT, "required": True}},
        },
    },
    "units": {
        "type": "list",
        "required": True,
        "schema": {
            "type": "dict",
            "schema": {
                "code": {"type": "string", "regex": r"\d{2,5}", "required": True},
                "name": {**TEXT, "required": True},
                "level": {**CODE, "required": True},
                "parent": {"type": "string", "nullable": True},
            },
        },
    },
}


def checked_documents(paths: Iterable[Path], schema: dict[str, Any], problems: list[str]
                      ) -> Iterator[tuple[Path, Any]]:
    """Each file that parses and satisfies schema, in order; what is wrong with the others goes to
    ``problems`` (all of it, not the first), so the caller must run through every file."""
    for path in paths:
        try:
            doc = load_yaml(path)
        except DefinitionError as exc:
            problems += exc.problems
            continue
        found = schema_problems(path, doc, schema)
        if found:
            problems += found
            continue
        yield path, doc


def schema_problems(path: Path, document: Any, schema: dict[str, Any]) -> list[str]:
    """Every violation of schema in document, as ``file:line: message``."""
    if not isinstance(document, dict):
        return [f"{path}:1: nội dung tệp phải là một bảng khóa: giá trị"]
    import cerberus  # here, not above: only a definition being compiled is checked (see the module's doc)

    validator = cerberus.Validator(schema)
    if validator.validate(document):
        return []
    problems = []
    for error in validator._errors:
        for leaf in _leaves(error):
            line = line_of(document, tuple(leaf.document_path))
            problems.append(f"{path}:{line}: {_describe(leaf)}")
    return sorted(set(problems), key=_line_key)


def _line_key(problem: str) -> tuple[str, int]:
    name, _, rest = problem.partition(".yaml:")
    number = rest.split(":", 1)[0]
    return name, int(number) if number.isdigit() else 0


def _leaves(error: Any) -> list[Any]:
    if error.is_group_error:
        out = []
        for child in error.child_errors:
            out.extend(_leaves(child))
        return out
    return [error]


def _describe(error: Any) -> str:
    name = ".".join(str(p) for p in error.document_path)
    rule = error.rule
    if rule == "required":
        return f"thiếu khóa bắt buộc {name!r}"
    if error.code == 0x03:  # cerberus UNKNOWN_FIELD
        return f"khóa không được phép {name!r}"
    if rule == "type":
        return f"{name}: sai kiểu, cần {error.constraint} (mã phải đặt trong dấu nháy, ví dụ \"01\")"
    if rule == "regex":
        return f"{name}: giá trị {error.value!r} không đúng dạng"
    if rule == "allowed":
        return f"{name}: giá trị {error.value!r} không thuộc {list(error.constraint)}"
    if rule == "excludes":
        return f"{name}: không được khai báo cùng {error.constraint}"
    return f"{name}: vi phạm quy tắc {rule!r} (ràng buộc {error.constraint!r}, giá trị {error.value!r})"
