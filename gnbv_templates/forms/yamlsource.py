"""YAML loading that remembers where every key and item came from.

Definitions are edited by people; an error must point at a file and a line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gnbv_templates.errors import DefinitionError


class LineDict(dict):
    """A mapping that knows the line of each of its keys (1-based)."""

    lines: dict[Any, int]
    line: int


class LineList(list):
    lines: list[int]
    line: int


# libyaml's parser when PyYAML was built with it (about ten times faster); the same safe constructors
_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.lines = {}
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"khóa trùng lặp {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.lines = [child.start_mark.line + 1 for child in node.value]
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path) -> Any:
    """Load one YAML file; syntax errors become a DefinitionError with file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([f"{path}: không đọc được tệp ({exc})"]) from exc
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or str(exc)
        raise DefinitionError([f"{path}:{line}: lỗi cú pháp YAML: {problem}"]) from exc
    except yaml.YAMLError as exc:
        raise DefinitionError([f"{path}: lỗi cú pháp YAML: {exc}"]) from exc


def line_of(document: Any, path: tuple[Any, ...]) -> int:
    """Best line for a cerberus document path: the deepest node that has one."""
    line = getattr(document, "line", 1)
    node = document
    for step in path:
        lines = getattr(node, "lines", None)
        try:
            if isinstance(node, dict) and step in node:
                line = lines.get(step, line) if lines else line
                node = node[step]
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                line = lines[step] if lines else line
                node = node[step]
            else:
                break
        except (TypeError, IndexError):
            break
    return line
