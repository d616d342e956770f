"""Deployment checks of who a task goes to and how many instances a multi-instance may create.

* ``assigneeFrom`` and ``orgFrom`` (``spiffworkflow:properties`` of a user or manual task) name a
  variable of the instance's data: a plain name, checked here because a typo would otherwise only
  show at run time as a task silently going to the lane's role;
* a ``loopCardinality`` that is a constant above the multi-instance bound can never run: refused.
  (A variable is checked when the instance reaches the task: see ``multi_instance.py``.)
"""

from __future__ import annotations

import ast
import keyword

from lxml import etree

from app.engine.assignment import DATA_PROPERTIES
from app.engine.errors import ModelError
from app.engine.errors import element_error

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}

#: Above this, a constant is "too many" whatever the bound (and is not computed further).
_HUGE = 10**12


def check_assignment_properties(file: str, root: etree._Element) -> list[ModelError]:
    errors = []
    for name in DATA_PROPERTIES:
        for prop in root.xpath(f"//spiffworkflow:property[@name='{name}']", namespaces=NS):
            task = next(prop.iterancestors(f"{{{BPMN}}}userTask", f"{{{BPMN}}}manualTask"), None)
            value = (prop.get("value") or "").strip()
            if task is None:
                errors.append(
                    element_error(
                        file,
                        prop,
                        f"{name} applies to user and manual tasks only",
                        f"{name} 只能用于用户任务或手工任务",
                    )
                )
            elif not _is_variable_name(value):
                errors.append(
                    element_error(
                        file,
                        task,
                        f"{name} '{value}' is not a variable name",
                        f"{name}“{value}”不是变量名",
                    )
                )
    return errors


def _is_variable_name(value: str) -> bool:
    return value.isidentifier() and not keyword.iskeyword(value) and not value.startswith("_")


def check_multi_instance_bound(file: str, root: etree._Element, bound: int) -> list[ModelError]:
    errors = []
    for node in root.xpath(
        "//bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality", namespaces=NS
    ):
        count = constant_count((node.text or "").strip())
        if count is not None and count > bound:
            shown = f"{count}" if count < _HUGE else f"more than {_HUGE}"
            errors.append(
                element_error(
                    file,
                    node,
                    f"loopCardinality {shown} exceeds the multi-instance bound of {bound}",
                    f"多实例数量 {shown} 超过上限 {bound}",
                )
            )
    return errors


def constant_count(expression: str) -> int | None:
    """The value of an integer expression made of constants only (``500``, ``10**6``), else None."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return None  # reported by the sandbox check
    return _fold(tree.body)


def _fold(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant):
        return node.value if type(node.value) is int else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _fold(node.operand)
        return -value if value is not None else None
    if not isinstance(node, ast.BinOp):
        return None
    left, right = _fold(node.left), _fold(node.right)
    if left is None or right is None:
        return None
    if isinstance(node.op, ast.Add):
        return min(left + right, _HUGE)
    if isinstance(node.op, ast.Sub):
        return left - right
    if isinstance(node.op, ast.Mult):
        return min(left * right, _HUGE)
    if isinstance(node.op, ast.Pow) and right >= 0:
        # never computed in full: 10**10**10 must not hang the deployment
        return _HUGE if abs(left) > 1 and right > 40 else min(left**right, _HUGE)
    return None
