"""Rules kept as data in ``rules/*.yaml``, checked by a meta-schema before use.

A rule compares two expressions over row and column codes (see
``expressions.py``); it may run once, once per row, or once per column of a
form, over several forms through ``each``.  Expressions are parsed by our
own small parser; the texts of ``each`` substitutions go through sandboxed
Jinja.  Nothing is ever evaluated as Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gnbv_templates.errors import DefinitionError
from gnbv_templates.forms import expressions as ex
from gnbv_templates.forms import render
from gnbv_templates.forms.cache import cached
from gnbv_templates.forms.metaschema import CODE, TEXT, checked_documents
from gnbv_templates.forms.resources import rules_dir

MISSING = ("note", "skip", "zero")

_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,80}")

RULE = {
    "type": "dict",
    "schema": {
        "id": {**TEXT, "required": True},
        "title": TEXT,
        # where the rule comes from: a legal text (Thông tư 10/2022/TT-BLĐTBXH, Phụ lục III),
        # the programme's decision, or the form's own arithmetic ("đồng nhất thức của biểu")
        "basis": {**TEXT, "required": True},
        "form": {"type": "string", "regex": r"B\d{2}|\{\{.*\}\}"},
        "for_each": {"type": "string", "allowed": ["row", "column"]},
        "rows": {"type": "list", "schema": TEXT},
        "cols": {"type": "list", "schema": TEXT},
        "check": {**TEXT, "required": True},
        "at": TEXT,
        "severity": {"type": "string", "allowed": ["error", "warning"], "required": True},
        "tolerance": {
            "type": "dict",
            "schema": {"abs": {"type": "number", "min": 0}, "rel": {"type": "number", "min": 0}},
        },
        # what an empty operand means: "note" (default: not checked; one informational line per rule
        # when some operands are filled and some are not), "skip" (not checked, silently), "zero"
        "missing": {"type": "string", "allowed": list(MISSING)},
        # "stated" (default): each typed figure stands for the interval its decimals allow;
        # "exact": figures are compared as they are, within ``tolerance`` only
        "precision": {"type": "string", "allowed": ["stated", "exact"]},
        "levels": {"type": "list", "schema": TEXT},
        "skip_measures": {"type": "list", "schema": TEXT},
        "message": {**TEXT, "required": True},
        "message_en": TEXT,
        "each": {"type": "list", "schema": {"type": "dict", "keysrules": CODE, "valuesrules": {"type": "string"}}},
    },
}

CELL_REFINEMENT = {
    "type": "dict",
    "schema": {
        "form": {"type": "string", "regex": r"B\d{2}", "required": True},
        "basis": TEXT,
        "rows": {"type": "list", "schema": TEXT},
        "cols": {"type": "list", "schema": TEXT},
        "schema": {
            "type": "dict",
            "required": True,
            "schema": {
                "min": {"type": "number"},
                "max": {"type": "number"},
                "allowed": {"type": "list"},
                "nullable": {"type": "boolean"},
            },
        },
    },
}

RULES_FILE = {"rules": {"type": "list", "schema": RULE}, "cells": {"type": "list", "schema": CELL_REFINEMENT}}


@dataclass(frozen=True)
class Rule:
    id: str
    form: str | None
    for_each: str | None
    rows: tuple[str, ...] | None
    cols: tuple[str, ...] | None
    left: ex.Node
    op: str
    right: ex.Node
    at: ex.Node | None
    severity: str
    tol_abs: float
    tol_rel: float
    levels: tuple[str, ...] | None
    skip_measures: tuple[str, ...]
    message: str
    message_en: str
    source: str
    text: str
    basis: str = ""
    missing: str = "note"
    precision: str = "stated"
    tolerance_declared: bool = False  # a rule's own tolerance replaces the default slack


@dataclass(frozen=True)
class Refinement:
    form: str
    rows: tuple[str, ...] | None
    cols: tuple[str, ...] | None
    schema: dict[str, Any]


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    refinements: list[Refinement] = field(default_factory=list)

    def refinement(self, form: str, row: str, col: str) -> dict[str, Any] | None:
        found: dict[str, Any] = {}
        for ref in self.refinements:
            if ref.form == form and (ref.rows is None or row in ref.rows) and (ref.cols is None or col in ref.cols):
                found.update(ref.schema)
        return found or None


def load_rules(directory: Path | str | None = None) -> RuleSet:
    """Load and check every rule file; kept per process and on disk, keyed by the files' content.

    The rule set returned is shared; treat it as read-only.
    """
    directory = Path(directory) if directory else rules_dir()
    files = sorted(directory.glob("*.yaml"))
    return cached("rules", directory, files, lambda: _load_rules(directory, files), RuleSet)


def _load_rules(directory: Path, files: list[Path]) -> RuleSet:
    problems: list[str] = []
    out = RuleSet()
    seen: dict[str, str] = {}
    for path, doc in checked_documents(files, RULES_FILE, problems):
        out.refinements += [
            Refinement(raw["form"], _tuple(raw.get("rows")), _tuple(raw.get("cols")), dict(raw["schema"]))
            for raw in doc.get("cells", [])
        ]
        for index, raw in enumerate(doc.get("rules", [])):
            line = doc["rules"].lines[index]
            for params in raw.get("each") or [{}]:
                try:
                    rule = _build(raw, dict(params), f"{path}:{line}")
                except (ex.ExpressionError, ValueError) as exc:
                    problems.append(f"{path}:{line}: luật {raw.get('id')}: {exc}")
                    continue
                if rule.id in seen:
                    problems.append(f"{path}:{line}: mã luật {rule.id} trùng với {seen[rule.id]}")
                seen[rule.id] = f"{path}:{line}"
                out.rules.append(rule)
    if problems:
        raise DefinitionError(problems)
    return out


def _tuple(value: list[Any] | None) -> tuple[str, ...] | None:
    return tuple(str(v) for v in value) if value is not None else None


def _sub(text: str | None, params: dict[str, str]) -> str | None:
    if text is None or not params:
        return text
    return render.render(text, params)


def _build(raw: dict[str, Any], params: dict[str, str], source: str) -> Rule:
    check = _sub(raw["check"], params) or ""
    left, op, right = ex.parse_check(check)
    at_text = _sub(raw.get("at"), params)
    form = _sub(raw.get("form"), params)
    for_each = raw.get("for_each")
    _check_refs(left, right, for_each, form)
    tolerance = raw.get("tolerance") or {}
    rule_id = _sub(raw["id"], params) or raw["id"]
    if not _RULE_ID.fullmatch(rule_id):
        raise ValueError(f"mã luật {rule_id!r} không đúng dạng (chữ, số, dấu chấm, gạch ngang)")
    return Rule(
        id=rule_id,
        form=form,
        for_each=for_each,
        rows=_codes(raw, "rows", params),
        cols=_codes(raw, "cols", params),
        left=left,
        op=op,
        right=right,
        at=ex.parse(at_text) if at_text else None,
        severity=raw["severity"],
        tol_abs=float(tolerance.get("abs", 0.0005)),
        tol_rel=float(tolerance.get("rel", 1e-9)),
        levels=_codes(raw, "levels", params),
        skip_measures=tuple(raw.get("skip_measures", ())),
        message=_sub(raw["message"], params) or "",
        message_en=_sub(raw.get("message_en"), params) or "",
        source=source,
        text=check,
        basis=_sub(raw["basis"], params) or raw["basis"],
        missing=raw.get("missing", "note"),
        precision=raw.get("precision", "stated"),
        tolerance_declared="tolerance" in raw,
    )


def _check_refs(left: ex.Node, right: ex.Node, for_each: str | None, form: str | None) -> None:
    refs = list(ex.refs(left)) + list(ex.refs(right))
    if any(r.code is not None for r in refs) and (not for_each or not form):
        raise ValueError("tham chiếu [mã] một thành phần cần for_each: row|column và form")
    if any(r.code is None and r.form is None for r in refs) and not form:
        raise ValueError("tham chiếu [dòng, cột] không có mã biểu cần khai báo form")


def _codes(raw: dict[str, Any], key: str, params: dict[str, str]) -> tuple[str, ...] | None:
    return _tuple([_sub(v, params) for v in raw[key]]) if key in raw else None


def holds(left: float, op: str, right: float, tol_abs: float, tol_rel: float) -> bool:
    slack = tol_abs + tol_rel * max(abs(left), abs(right))
    if op == "==":
        return abs(left - right) <= slack
    if op == "!=":
        return abs(left - right) > slack
    if op == "<=":
        return left <= right + slack
    if op == ">=":
        return left >= right - slack
    if op == "<":
        return left < right - slack
    return left > right + slack
