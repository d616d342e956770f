"""Static checks of DMN tables: cells compile in the sandbox, UNIQUE rules never overlap."""

from __future__ import annotations

import ast
import re

from lxml import etree

from app.engine.errors import ModelError
from app.engine.errors import element_error as _error
from app.engine.sandbox import check_expression

QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def check_dmn(file: str, root: etree._Element) -> list[ModelError]:
    errors = []
    for table in root.iter("{*}decisionTable"):
        inputs = [
            (i.findtext("{*}inputExpression/{*}text") or "").strip() for i in table.iter("{*}input")
        ]
        for expression, node in zip(inputs, table.iter("{*}input"), strict=False):
            errors += _dmn_cell(file, node, expression)
        for rule in table.iter("{*}rule"):
            for column, entry in enumerate(rule.iter("{*}inputEntry")):
                text = (entry.findtext("{*}text") or "").strip()
                if text and text != "-" and column < len(inputs):
                    errors += _dmn_cell(file, entry, _as_test(inputs[column], text))
            for entry in rule.iter("{*}outputEntry"):
                text = (entry.findtext("{*}text") or "").strip()
                if text:
                    errors += _dmn_cell(file, entry, text)
        errors += _duplicate_rules(file, table)
    return errors


def _as_test(input_expression: str, entry: str) -> str:
    """The expression SpiffWorkflow's DMN engine will evaluate for an input entry."""
    if QUESTION_MARK.search(entry):
        return QUESTION_MARK.sub(f"({input_expression})", entry)
    try:
        ast.parse(entry, mode="eval")
    except SyntaxError:
        return f"({input_expression}) {entry}"
    return f"({input_expression}) == ({entry})"


def _dmn_cell(file: str, node: etree._Element, expression: str) -> list[ModelError]:
    return [
        _error(file, node, f"DMN cell refused: {problem}", f"DMN 单元格不符合规则：{problem}")
        for problem in check_expression(expression)
    ]


def _duplicate_rules(file: str, table: etree._Element) -> list[ModelError]:
    """UNIQUE tables: report two rules that can both match (the engine silently takes the first).

    Each input cell is read as an interval (``>= 90``, ``80 <= ? < 90``, ``-``) or a set of literal
    values (``"gold"``, ``3``); a pair of rules overlaps when every column intersects. Cells of any
    other form cannot be compared, so a pair with such a cell is not reported.
    """
    if (table.get("hitPolicy") or "UNIQUE").upper() != "UNIQUE":
        return []
    rules = [
        (rule, [_condition(e.findtext("{*}text")) for e in rule.iter("{*}inputEntry")])
        for rule in table.iter("{*}rule")
    ]
    errors = []
    for index, (rule, conditions) in enumerate(rules):
        for earlier, other in rules[:index]:
            other_id = earlier.get("id") or "?"
            if len(conditions) == len(other) and all(
                _intersect(a, b) for a, b in zip(conditions, other, strict=True)
            ):
                errors.append(
                    _error(
                        file,
                        rule,
                        f"rule overlaps rule {other_id} in a UNIQUE table",
                        f"规则与 {other_id} 重叠（UNIQUE 决策表要求唯一命中）",
                    )
                )
                break
    return errors


_BOUND = re.compile(r"^(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)$")
_RANGE = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(<=|<)\s*\?\s*(<=|<)\s*(-?\d+(?:\.\d+)?)$")
_ANY = ("any",)  # "-": matches every value, numbers and text alike


def _condition(text: str | None) -> tuple | None:
    """('any',), ('interval', (low, inclusive), (high, inclusive)), ('values', {...}), or None
    if unknown."""
    text = (text or "").strip()
    if text in ("", "-"):
        return _ANY
    if match := _BOUND.match(text):
        op, value = match.group(1), float(match.group(2))
        if op.startswith(">"):
            return ("interval", (value, op == ">="), (float("inf"), True))
        return ("interval", (float("-inf"), True), (value, op == "<="))
    if match := _RANGE.match(text):
        low, low_op, high_op, high = match.groups()
        return ("interval", (float(low), low_op == "<="), (float(high), high_op == "<="))
    try:
        literal = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    values = set(literal) if isinstance(literal, tuple) else {literal}
    return ("values", values)


def _intersect(a: tuple | None, b: tuple | None) -> bool:
    if a is None or b is None:
        return False  # cannot tell: say nothing
    if a == _ANY or b == _ANY:
        return True
    if a[0] == "values" and b[0] == "values":
        return bool(a[1] & b[1])
    if a[0] == "values" or b[0] == "values":
        values, interval = (a, b) if a[0] == "values" else (b, a)
        return any(isinstance(v, int | float) and _inside(v, interval) for v in values[1])
    (low_a, low_a_in), (high_a, high_a_in) = a[1], a[2]
    (low_b, low_b_in), (high_b, high_b_in) = b[1], b[2]
    low, low_in = max((low_a, low_a_in), (low_b, low_b_in), key=lambda x: (x[0], not x[1]))
    high, high_in = min((high_a, high_a_in), (high_b, high_b_in), key=lambda x: (x[0], x[1]))
    return low < high or (low == high and low_in and high_in)


def _inside(value: float, interval: tuple) -> bool:
    (low, low_in), (high, high_in) = interval[1], interval[2]
    above = value > low or (value == low and low_in)
    below = value < high or (value == high and high_in)
    return above and below
