"""Line-item formulas: a tiny, safe arithmetic language (``Units * Price``).

Anaplan formulas are far richer; the emulator only needs enough to compute derived line items at
export time, so it accepts numbers, line-item names (bare identifiers, or quoted as ``'Unit Price'``
when they contain spaces), ``+ - * /``, unary minus and parentheses. A blank number counts as 0 and
division by zero yields 0, which is what Anaplan shows for such cells.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_QUOTED = re.compile(r"'([^']+)'")
_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b if b else 0.0,
}


class FormulaError(ValueError):
    """A formula that the emulator cannot parse or that references unknown line items."""


@dataclass(frozen=True)
class Formula:
    """A compiled formula.

    Attributes:
        text: The formula as written in the spec.
        references: Line-item names the formula reads, in order of first use.
    """

    text: str
    references: tuple[str, ...]
    _evaluate: Callable[[Mapping[str, float | None]], float]

    def evaluate(self, values: Mapping[str, float | None]) -> float:
        """Compute the formula for one cell combination.

        Args:
            values: Line-item name -> number (None or missing counts as 0).

        Returns:
            The result as a float.
        """
        return self._evaluate(values)


def compile_formula(text: str, allowed_names: set[str]) -> Formula:
    """Parse ``text`` into a Formula.

    Args:
        text: The formula, e.g. ``"Units * Price"``.
        allowed_names: Line-item names the formula may reference (number line items).

    Returns:
        The compiled formula.

    Raises:
        FormulaError: On syntax the emulator does not support or an unknown name.
    """
    names: dict[str, str] = {}

    def _quote(match: re.Match[str]) -> str:
        placeholder = f"__q{len(names)}"
        names[placeholder] = match.group(1)
        return placeholder

    source = _QUOTED.sub(_quote, text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"cannot parse formula {text!r}") from exc
    references: list[str] = []
    evaluate = _build(tree.body, names, allowed_names, references, text)
    return Formula(text=text, references=tuple(references), _evaluate=evaluate)


def _build(
    node: ast.expr,
    quoted: dict[str, str],
    allowed: set[str],
    references: list[str],
    text: str,
) -> Callable[[Mapping[str, float | None]], float]:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        constant = float(node.value)
        return lambda _values: constant
    if isinstance(node, ast.Name):
        name = quoted.get(node.id, node.id)
        if name not in allowed:
            raise FormulaError(f"formula {text!r} references unknown line item {name!r}")
        if name not in references:
            references.append(name)
        return lambda values: values.get(name) or 0.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _build(node.operand, quoted, allowed, references, text)
        if isinstance(node.op, ast.USub):
            return lambda values: -inner(values)
        return inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        op = _BINOPS[type(node.op)]
        left = _build(node.left, quoted, allowed, references, text)
        right = _build(node.right, quoted, allowed, references, text)
        return lambda values: op(left(values), right(values))
    raise FormulaError(f"formula {text!r} uses unsupported syntax")
