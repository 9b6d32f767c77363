"""Jinja, sandboxed: definitions are data from outside the code.

Most texts of the definitions only put a value in: ``Mã đơn vị: {{ unit.code }}``, ``{{ u.name }}``,
``Ngày lập: {{ issued.strftime('%d/%m/%Y') }}``.  Checking a return renders a few of them (its header, the
rows of one unit's children), and importing Jinja would cost that command more than rendering them takes
(~25 ms, a tenth of ``gnbv validate one.xlsx``).  So a text made only of literal words and such values is
filled in here, and Jinja is imported the first time a text asks for more.  The short way gives what Jinja
gives or is not taken: it looks values up as Jinja's sandbox does (a dict's own methods, a missing name or key,
a value not plain text or a whole number: Jinja decides), and anything it does not know (filters, tests,
statements, other characters, several lines) goes to Jinja.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache, lru_cache
from typing import Any

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_STRING = r"'[^'\\{}\n\r]*'|\"[^\"\\{}\n\r]*\""  # a literal without escapes: its text is what Jinja reads
_ARGS = rf"(?:{_STRING})(?: *, *(?:{_STRING}))*"
# {{ unit.name }}, {{ issued.strftime('%d/%m/%Y') }}
_VALUE = re.compile(rf"\{{\{{ *(?P<path>{_NAME}(?:\.{_NAME})*)(?:\((?P<args>{_ARGS})?\))? *\}}\}}")
_PATH = re.compile(rf" *{_NAME}(?:\.{_NAME})* *")
_ARG = re.compile(_STRING)
# names Jinja reads as constants or operators, not as a lookup
_RESERVED = frozenset({"true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is", "if", "else"})
_DATES = (dt.date, dt.datetime)  # values whose public methods (strftime) a text may call, as the sandbox allows


class _Unsure(Exception):
    """The short way cannot tell what Jinja would make of this: Jinja renders it."""


Part = str | tuple[tuple[str, ...], tuple[str, ...] | None]  # literal text, or (dotted name, call arguments)


@cache
def _env() -> Any:
    from jinja2 import StrictUndefined  # here, not above: see the module's doc
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@lru_cache(maxsize=4096)
def _template(text: str) -> Any:
    return _env().from_string(text)


@lru_cache(maxsize=256)
def _expression(text: str) -> Any:
    return _env().compile_expression(text)


@lru_cache(maxsize=4096)
def _parts(text: str) -> tuple[Part, ...] | None:
    """The text as literal words and values, or None if it asks Jinja for anything more."""
    if "\n" in text or "\r" in text:
        return None  # Jinja's own handling of line ends
    parts: list[Part | None] = []
    at = 0
    for match in _VALUE.finditer(text):
        parts += [text[at:match.start()], _value(match)]
        at = match.end()
    parts.append(text[at:])
    if None in parts:
        return None
    if any(isinstance(p, str) and ("{" in p or "}" in p) for p in parts):
        return None  # a delimiter of Jinja's outside the values read above
    return tuple(p for p in parts if p != "" and p is not None)


def _value(match: re.Match[str]) -> Part | None:
    """``{{ a.b }}`` as (("a", "b"), None), ``{{ a.f('x') }}`` as (("a", "f"), ("x",)); None: for Jinja."""
    path = tuple(match["path"].split("."))
    if _RESERVED & set(path):
        return None
    if "(" not in match.group():
        return path, None
    return path, tuple(arg[1:-1] for arg in _ARG.findall(match["args"] or ""))


def _attribute(owner: Any, name: str) -> Any:
    """``owner.name`` as Jinja's sandbox reads it, where that is certain."""
    if type(owner) is dict:
        if hasattr(owner, name) or name not in owner:
            raise _Unsure  # a dict's own attribute comes first in Jinja, and a missing key is Jinja's error
        return owner[name]
    if type(owner) in _DATES and not name.startswith("_"):
        try:
            return getattr(owner, name)
        except AttributeError:
            raise _Unsure from None
    raise _Unsure


def _lookup(path: tuple[str, ...], args: tuple[str, ...] | None, context: dict[str, Any]) -> Any:
    if path[0] not in context:
        raise _Unsure  # Jinja's globals, or its undefined-name error
    owner, value = None, context[path[0]]
    for name in path[1:]:
        owner, value = value, _attribute(value, name)
    if args is not None:
        if type(owner) not in _DATES or not callable(value):
            raise _Unsure
        value = value(*args)
    return value


def _text(value: Any) -> str:
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise _Unsure  # Jinja's own way of showing anything else


def render(text: str, context: dict[str, Any]) -> str:
    if "{" not in text:
        return text
    parts = _parts(text)
    if parts is not None:
        try:
            return "".join(p if isinstance(p, str) else _text(_lookup(*p, context)) for p in parts)
        except _Unsure:
            pass
    return str(_template(text).render(context))


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    if _PATH.fullmatch(expression):
        path = tuple(expression.strip().split("."))
        if not _RESERVED & set(path):
            try:
                return _lookup(path, None, context)
            except _Unsure:
                pass
    return _expression(expression)(**context)


def syntax_error(text: str, *, expression: bool = False) -> str | None:
    """The Jinja syntax error in text, or None."""
    from jinja2 import TemplateError  # here, not above: see the module's doc

    try:
        if expression:
            _expression(text)
        else:
            _template(text)
    except TemplateError as exc:
        return str(exc)
    return None
