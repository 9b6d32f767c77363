"""Jinja, sandboxed: definitions are data from outside the code."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@lru_cache(maxsize=4096)
def _template(text: str):
    return _ENV.from_string(text)


@lru_cache(maxsize=256)
def _expression(text: str):
    return _ENV.compile_expression(text)


def render(text: str, context: dict[str, Any]) -> str:
    if "{" not in text:
        return text
    return _template(text).render(context)


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    return _expression(expression)(**context)


def syntax_error(text: str, *, expression: bool = False) -> str | None:
    """The Jinja syntax error in text, or None."""
    try:
        if expression:
            _expression(text)
        else:
            _template(text)
    except TemplateError as exc:
        return str(exc)
    return None
