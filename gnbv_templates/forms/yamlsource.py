"""YAML loading that remembers where every key and item came from.

Definitions are edited by people; an error must point at a file and a line.

PyYAML is imported when a file is first parsed, not with this module: a
process whose definitions come from the cache (forms/cache.py) parses no
YAML and should not pay the ~15 ms PyYAML takes to import.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from gnbv_templates.errors import DefinitionError


class LineDict(dict):
    """A mapping that knows the line of each of its keys (1-based)."""

    lines: dict[Any, int]
    line: int


class LineList(list):
    lines: list[int]
    line: int


@cache
def _loader(yaml: ModuleType) -> Any:
    """The safe loader, recording lines; libyaml's parser when PyYAML was built with it (about ten times
    faster), with the same safe constructors."""

    base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):
        pass

    def construct_mapping(loader: Any, node: Any) -> LineDict:
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

    def construct_sequence(loader: Any, node: Any) -> LineList:
        out = LineList(loader.construct_object(child, deep=True) for child in node.value)
        out.lines = [child.start_mark.line + 1 for child in node.value]
        out.line = node.start_mark.line + 1
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    return Loader


def load_yaml(path: Path) -> Any:
    """Load one YAML file; syntax errors become a DefinitionError with file:line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([f"{path}: không đọc được tệp ({exc})"]) from exc
    import yaml  # here, not above: see the module's doc

    try:
        return yaml.load(text, Loader=_loader(yaml))
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
