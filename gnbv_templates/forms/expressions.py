"""A small, safe expression language over row and column codes.

Derived cells and rules are written as text such as ``[03] + [04]``,
``[9] / [1] * 100`` or ``B02[05, 1] = B04[21, 1]``.  The text is parsed here
into a tiny tree; it is never handed to Python's ``eval``.  The same tree
gives the Excel formula, the value the library computes and the check the
validator runs, so a derived cell is declared once.

References:
  ``[X]``         a code along the declaration's own axis (rows of a row
                  formula, columns of a column formula, columns of a per-row
                  rule, rows of a per-column rule);
  ``[R, C]``      row R, column C of the same form;
  ``B02[R, C]``   row R, column C of form B02.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

Number = float | None
E = TypeVar("E")  # what a compiled formula reads its cells from


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Ref:
    form: str | None
    row: str | None
    col: str | None
    code: str | None = None  # set for a one-code reference before binding


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str
    left: Node
    right: Node


Node = Num | Ref | Neg | BinOp

COMPARISONS = ("<=", ">=", "==", "!=", "=", "<", ">")


class ExpressionError(ValueError):
    """The text is not a valid expression; the message says where."""


_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<form>B\d{2})?\[(?P<ref>[^\]]*)\]"
    r"|(?P<op><=|>=|==|!=|[-+*/()=<>]))"
)


def _tokens(text: str) -> Iterator[tuple[str, str, str | None]]:
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"ký tự không hợp lệ tại vị trí {pos + 1}: {text[pos:pos + 10]!r}")
        pos = match.end()
        if match.group("num") is not None:
            yield "num", match.group("num"), None
        elif match.group("ref") is not None:
            yield "ref", match.group("ref"), match.group("form")
        else:
            yield "op", match.group("op"), None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.items = list(_tokens(text))
        self.pos = 0

    def peek(self) -> tuple[str, str, str | None] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def take(self) -> tuple[str, str, str | None]:
        item = self.peek()
        if item is None:
            raise ExpressionError(f"biểu thức kết thúc đột ngột: {self.text!r}")
        self.pos += 1
        return item

    def sum(self) -> Node:
        node = self.product()
        while (item := self.peek()) and item[1] in "+-" and item[0] == "op":
            self.take()
            node = BinOp(item[1], node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while (item := self.peek()) and item[0] == "op" and item[1] in ("*", "/"):
            self.take()
            node = BinOp(item[1], node, self.unary())
        return node

    def unary(self) -> Node:
        item = self.take()
        kind, value, form = item
        if kind == "op" and value == "-":
            return Neg(self.unary())
        if kind == "op" and value == "(":
            node = self.sum()
            if self.take()[1] != ")":
                raise ExpressionError(f"thiếu dấu ')' trong {self.text!r}")
            return node
        if kind == "num":
            return Num(float(value))
        if kind == "ref":
            parts = [p.strip() for p in value.split(",")]
            if any(not p for p in parts) or len(parts) > 2:
                raise ExpressionError(f"tham chiếu không hợp lệ [{value}] trong {self.text!r}")
            if len(parts) == 1:
                return Ref(form, None, None, code=parts[0])
            return Ref(form, parts[0], parts[1])
        raise ExpressionError(f"không mong đợi {value!r} trong {self.text!r}")


def parse(text: str) -> Node:
    """Parse an arithmetic expression."""
    parser = _Parser(str(text))
    node = parser.sum()
    if (extra := parser.peek()) is not None:
        raise ExpressionError(f"thừa {extra[1]!r} trong {text!r}")
    return node


def parse_check(text: str) -> tuple[Node, str, Node]:
    """Parse ``left OP right`` where OP is a comparison."""
    parser = _Parser(str(text))
    left = parser.sum()
    item = parser.take()
    if item[0] != "op" or item[1] not in COMPARISONS:
        raise ExpressionError(f"thiếu phép so sánh (=, <=, >=, <, >) trong {text!r}")
    right = parser.sum()
    if (extra := parser.peek()) is not None:
        raise ExpressionError(f"thừa {extra[1]!r} trong {text!r}")
    op = "==" if item[1] == "=" else item[1]
    return left, op, right


def refs(node: Node) -> Iterator[Ref]:
    """The references of an expression, left to right (a walk, not a recursion: a total of hundreds of rows is
    one long chain of additions)."""
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, Ref):
            yield item
        elif isinstance(item, BinOp):
            pending.append(item.right)
            pending.append(item.left)
        elif isinstance(item, Neg):
            pending.append(item.operand)


def bind(node: Node, *, axis: str, row: str | None = None, col: str | None = None) -> Node:
    """Turn one-code references into full ones: ``axis`` says what the code is."""
    if isinstance(node, Ref):
        if node.code is None:
            return node
        if axis == "row":
            return Ref(node.form, node.code, col)
        return Ref(node.form, row, node.code)
    if isinstance(node, Neg):
        return Neg(bind(node.operand, axis=axis, row=row, col=col))
    if isinstance(node, BinOp):
        return BinOp(
            node.op,
            bind(node.left, axis=axis, row=row, col=col),
            bind(node.right, axis=axis, row=row, col=col),
        )
    return node


def is_linear(node: Node) -> bool:
    """True for sums and differences of references (additive across units)."""
    if isinstance(node, BinOp):
        if node.op in "+-":
            return is_linear(node.left) and is_linear(node.right)
        return False
    if isinstance(node, Neg):
        return is_linear(node.operand)
    return isinstance(node, Ref)


def has_division(node: Node) -> bool:
    if isinstance(node, BinOp):
        return node.op == "/" or has_division(node.left) or has_division(node.right)
    if isinstance(node, Neg):
        return has_division(node.operand)
    return False


def compile_node(node: Node, lookup: Callable[[E, Ref], Number]) -> Callable[[E], Number]:
    """Closure computing the node from an environment (the values of one run), passed at each call.

    ``lookup`` gives 0.0 for a blank cell (as Excel does in arithmetic) and
    None for an undefined one; None propagates, and so does division by 0,
    which the Excel side shows as an empty cell through IFERROR.  The closures hold no state of a run:
    one compiled formula serves every thread at once.
    """
    if isinstance(node, Num):
        value = node.value
        return lambda env: value
    if isinstance(node, Ref):
        return lambda env: lookup(env, node)
    if isinstance(node, Neg):
        inner = compile_node(node.operand, lookup)

        def negate(env: E) -> Number:
            value = inner(env)
            return None if value is None else -value

        return negate
    left = compile_node(node.left, lookup)
    right = compile_node(node.right, lookup)
    apply = _OPS[node.op]

    def binary(env: E) -> Number:
        a, b = left(env), right(env)
        if a is None or b is None:
            return None
        return apply(a, b)

    return binary


def _divide(a: float, b: float) -> Number:
    return None if b == 0 else a / b


_OPS: dict[str, Callable[[float, float], Number]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _divide,
}


def evaluate(node: Node, lookup: Callable[[Ref], Number]) -> Number:
    """One evaluation, walking the tree (compile_node is for many evaluations)."""
    if isinstance(node, Ref):
        return lookup(node)
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        value = evaluate(node.operand, lookup)
        return None if value is None else -value
    a = evaluate(node.left, lookup)
    b = evaluate(node.right, lookup)
    if a is None or b is None:
        return None
    return _OPS[node.op](a, b)


SUM_RANGE_FROM = 30  # terms; Excel formulas may not exceed 8,192 characters


def to_excel(node: Node, address: Callable[[Ref], str]) -> str:
    """Excel formula text (without '='); division is guarded by IFERROR.

    A long sum of one column's consecutive cells (Biểu 15's total over hundreds
    of units) is written SUM(D15:D714), so it stays within Excel's limit.
    """
    compact = _sum_range(node, address)
    if compact is not None:
        return compact
    body = _excel(node, address, 0)
    return f'IFERROR({body},"")' if has_division(node) else body


def _sum_range(node: Node, address: Callable[[Ref], str]) -> str | None:
    terms: list[Node] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, BinOp) and item.op == "+":
            stack.extend((item.right, item.left))
        else:
            terms.append(item)
    if len(terms) < SUM_RANGE_FROM or not all(isinstance(t, Ref) for t in terms):
        return None
    cells = [address(t) for t in terms]  # type: ignore[arg-type]
    parsed = [re.fullmatch(r"([A-Z]+)(\d+)", c) for c in cells]
    if not all(parsed) or len({m.group(1) for m in parsed}) != 1:  # type: ignore[union-attr]
        return None
    numbers = [int(m.group(2)) for m in parsed]  # type: ignore[union-attr]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return None
    return f"SUM({cells[0]}:{cells[-1]})"


def to_formula_text(node: Node, address: Callable[[Ref], str]) -> str:
    """The formula as a person reads it, without the guard: ``L14/D14*100``."""
    return _excel(node, address, 0)


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _excel(node: Node, address: Callable[[Ref], str], parent: int) -> str:
    if isinstance(node, Num):
        return repr(int(node.value)) if node.value.is_integer() else repr(node.value)
    if isinstance(node, Ref):
        return address(node)
    if isinstance(node, Neg):
        return "-" + _excel(node.operand, address, 3)
    mine = _PRECEDENCE[node.op]
    right_level = mine + 1 if node.op in "-/" else mine
    text = f"{_excel(node.left, address, mine)}{node.op}{_excel(node.right, address, right_level)}"
    return f"({text})" if mine < parent else text


def to_text(node: Node) -> str:
    """Canonical text of a node (for the catalog JSON and messages)."""
    if isinstance(node, Num):
        return repr(int(node.value)) if node.value.is_integer() else repr(node.value)
    if isinstance(node, Ref):
        form = node.form or ""
        if node.code is not None:
            return f"{form}[{node.code}]"
        return f"{form}[{node.row}, {node.col}]"
    if isinstance(node, Neg):
        return "-" + to_text(node.operand)
    return f"({to_text(node.left)} {node.op} {to_text(node.right)})"
