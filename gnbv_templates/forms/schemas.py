"""Cell constraints: cerberus schemas are the definition, compiled checks are the speed.

Each input cell's schema comes from its measure's kind (``forms/model.py``
MEASURE_KINDS: ``count`` → a whole number ≥ 0, ``percent`` → 0–100 …) and may
be refined in ``rules/cells.yaml``.
Running cerberus once per cell would cost most of a second per workbook, so
each distinct schema is compiled into a small function; a property test
proves the two agree on random values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from gnbv_templates.forms.model import Cell

Check = Callable[[Any], tuple[str, ...]]

SUPPORTED = frozenset({"type", "min", "max", "allowed", "nullable", "maxlength"})


def cell_schema(cell: Cell, refinement: dict[str, Any] | None = None, choices: tuple[str, ...] = ()) -> dict[str, Any]:
    schema = cell.measure.kind.schema()  # the kind of measure, declared once in the model
    if cell.measure.max is not None:
        schema["max"] = cell.measure.max
    if choices:
        schema["allowed"] = list(choices)
    schema["nullable"] = not cell.required
    if refinement:
        numeric_only = {"min", "max"}
        schema.update({k: v for k, v in refinement.items() if cell.measure.numeric or k not in numeric_only})
    return schema


def cerberus_errors(schema: dict[str, Any], value: Any) -> tuple[str, ...]:
    """The rules cerberus says ``value`` breaks (the reference implementation)."""
    import cerberus  # here, not above: only the test of the compiled checks asks the reference, and
    # importing cerberus costs ~30 ms of every `gnbv validate` (see forms/metaschema.py)

    validator = cerberus.Validator({"v": schema})
    if validator.validate({"v": value}):
        return ()
    rules = []
    for error in validator._errors:
        rules.append(error.rule)
    return tuple(sorted(set(rules)))


def _freeze(schema: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in schema.items()))


def compile_schema(schema: dict[str, Any]) -> Check:
    return _compile(_freeze(schema))


def passing_numbers(schema: dict[str, Any]) -> tuple[float, float, bool] | None:
    """The numbers a schema passes, as (lowest, highest, whole numbers only), where that is all it says.

    The loop over every input cell of a return tests a number against this range instead of calling the
    compiled check; None where the schema says more (allowed values, a length, text)."""
    if set(schema) - {"type", "min", "max", "nullable"} or schema.get("type") not in ("number", "integer"):
        return None
    low, high = schema.get("min"), schema.get("max")
    return (-math.inf if low is None else low, math.inf if high is None else high, schema["type"] == "integer")


@lru_cache(maxsize=256)
def _compile(frozen: tuple[tuple[str, Any], ...]) -> Check:
    schema = dict(frozen)
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise ValueError(f"luật ràng buộc không hỗ trợ: {sorted(unknown)}")
    kind = schema.get("type")
    nullable = schema.get("nullable", False)
    low, high = schema.get("min"), schema.get("max")
    allowed = schema.get("allowed")
    maxlength = schema.get("maxlength")

    def type_ok(value: Any) -> bool:
        if kind == "integer":
            return isinstance(value, int)  # cerberus counts bool as an integer
        if kind == "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        if kind == "string":
            return isinstance(value, str)
        return True

    def check(value: Any) -> tuple[str, ...]:
        if value is None:
            return () if nullable else ("nullable",)
        if not type_ok(value):
            return ("type",)
        failed = []
        if allowed is not None and value not in allowed:
            failed.append("allowed")
        if low is not None and value < low:
            failed.append("min")
        if high is not None and value > high:
            failed.append("max")
        if maxlength is not None and len(value) > maxlength:
            failed.append("maxlength")
        return tuple(sorted(failed))

    return check
