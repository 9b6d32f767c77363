"""Texts of the definitions render exactly as Jinja's sandbox renders them, whichever way they take."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from gnbv_templates.forms import render
from gnbv_templates.forms.catalog import load_catalog
from gnbv_templates.forms.context import sample_context

JINJA = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)

ODD = [
    "{{ unit.name }}", "{{unit.code}}", "Mã: {{ unit.code }} / {{ parent }}", "{{ unit.items }}", "{{ unit.keys }}",
    "{{ unit.nothing }}", "{{ nothing }}", "{{ range }}", "{{ true }}", "{{ none }}", "{{ unit.level }}-{{ x }}",
    "{{ issued }}", "{{ issued.year }}", "{{ issued.strftime('%d/%m/%Y') }}", '{{ issued.strftime("%Y") }}',
    "{{ issued.strftime() }}", "{{ issued.isoformat() }}", "{{ issued.replace }}", "{{ issued.__class__ }}",
    "{{ issued._x }}", "{{ unit.name.upper() }}", "{{ unit.name | upper }}", "{{ loop.index }}", "{{ loop.index0 }}",
    "{{ flag }}", "{{ ratio }}", "{{ children }}", "{{ children.0 }}", "{{ unit['name'] }}", "a {{{ unit.name }}",
    "{{ unit.name }}}", "{ {{ unit.name }}", "{# c #}{{ unit.name }}", "{% if parent %}x{% endif %}",
    "{{- unit.name -}}", "line\n{{ unit.name }}", "{{ unit.name }}\n", "{{\tunit.name }}", "{{ unit.name }} %} #}",
    "{{ text.upper }}", "{{ text }}", "{{ period.label }} – {{ period.year }}", "{{ catalog.version }}", "{{ u.code }}",
    "{{ settings.receiving_agency }}", "{{ issued.strftime('%d/%m', 'x') }}", "{{ when.strftime('%H:%M') }}",
]


def _context() -> dict[str, Any]:
    context = sample_context(load_catalog())
    return {**context, "loop": {"index": 3, "index0": 2}, "u": context["children"][0], "flag": True, "ratio": 0.5,
            "x": None, "text": "chữ", "when": dt.datetime(2025, 7, 1, 8, 30)}


def _jinja(text: str, context: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", JINJA.from_string(text).render(context)
    except Exception as exc:
        return "error", type(exc)


def _ours(text: str, context: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", render.render(text, context)
    except Exception as exc:
        return "error", type(exc)


def _definition_texts() -> list[str]:
    catalog = load_catalog()
    texts = [*catalog.header, *(t for pair in catalog.signature for t in pair)]
    for definition in catalog.forms.values():
        texts += [t for t in (definition.title, definition.subtitle, definition.unit_note) if t]
        texts += [t for row in definition.rows if row.repeat for t in (row.code, row.label, row.stt)]
    return texts


@pytest.mark.parametrize("text", ODD + _definition_texts())
def test_a_text_renders_as_jinja_renders_it(text: str) -> None:
    context = _context()
    assert _ours(text, context) == _jinja(text, context)


def test_the_definitions_header_and_child_rows_need_no_jinja() -> None:
    parts = [render._parts(text) for text in _definition_texts() if "|" not in text and "{%" not in text]
    assert parts and all(p is not None for p in parts)


@pytest.mark.parametrize("expression", ["children", " children ", "unit.name", "nothing", "unit.items", "true",
                                        "children | length", "unit", "issued.year"])
def test_an_expression_evaluates_as_jinja_evaluates_it(expression: str) -> None:
    context = _context()
    assert render.evaluate(expression, context) == JINJA.compile_expression(expression)(**context)
