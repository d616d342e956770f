"""Deployment checks of service tasks: each calls a domain action of the catalogue, correctly.

The catalogue comes in as data (``ActionSignature``s): the engine knows no action. A service task
is refused when it names no action or an unknown one, leaves out a required parameter, passes one
the action does not take, declares a type other than the action's, or passes a literal of the
wrong type. Parameter values are sandbox expressions like any other; a value that is not a literal
(a variable, a call) is checked when the task runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from app.engine.action_types import NOT_LITERAL
from app.engine.action_types import fits
from app.engine.action_types import literal_value
from app.engine.errors import ModelError
from app.engine.errors import element_error
from app.engine.restricted import check_expression
from app.engine.services import ActionSignature

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}


def check_service_tasks(
    file: str, root: etree._Element, actions: Mapping[str, ActionSignature]
) -> list[ModelError]:
    errors = []
    for task in root.iter(f"{{{BPMN}}}serviceTask"):
        operators = task.xpath(
            "./bpmn:extensionElements/spiffworkflow:serviceTaskOperator", namespaces=NS
        )
        if not operators:
            errors.append(
                element_error(
                    file,
                    task,
                    "the service task names no domain action (spiffworkflow:serviceTaskOperator)",
                    "服务任务未指定领域动作（spiffworkflow:serviceTaskOperator）",
                )
            )
            continue
        errors += _check_operator(file, task, operators[0], actions)
    return errors


def _check_operator(
    file: str,
    task: etree._Element,
    operator: etree._Element,
    actions: Mapping[str, ActionSignature],
) -> list[ModelError]:
    name = operator.get("id") or ""
    action = actions.get(name)
    if action is None:
        return [
            element_error(
                file,
                task,
                f"unknown domain action '{name}' (see: flask processes actions)",
                f"未知的领域动作“{name}”（见 flask processes actions）",
            )
        ]
    given = {
        p.get("id") or "": p
        for p in operator.xpath("./spiffworkflow:parameters/spiffworkflow:parameter", namespaces=NS)
    }
    errors = [
        element_error(
            file,
            task,
            f"action '{name}' needs the parameter '{param}'",
            f"领域动作“{name}”缺少参数“{param}”",
        )
        for param, signature in action.parameters.items()
        if signature.required and param not in given
    ]
    for param, node in given.items():
        signature = action.parameters.get(param)
        if signature is None:
            errors.append(
                element_error(
                    file,
                    task,
                    f"action '{name}' takes no parameter '{param}'",
                    f"领域动作“{name}”没有参数“{param}”",
                )
            )
            continue
        errors += _check_value(file, task, name, param, signature.type, node)
    return errors


def _check_value(
    file: str, task: etree._Element, action: str, param: str, type_name: str, node: etree._Element
) -> list[ModelError]:
    declared = node.get("type")
    if declared and declared != type_name:
        return [
            element_error(
                file,
                task,
                f"parameter '{param}' of '{action}' is a {type_name}, not a {declared}",
                f"领域动作“{action}”的参数“{param}”类型应为 {type_name}，而不是 {declared}",
            )
        ]
    source = (node.get("value") or "").strip()
    if not source:
        return [
            element_error(
                file,
                task,
                f"parameter '{param}' of '{action}' has no value",
                f"领域动作“{action}”的参数“{param}”没有取值",
            )
        ]
    problems = check_expression(source)
    if problems:
        return [
            element_error(
                file,
                task,
                f"parameter '{param}' expression refused by the sandbox: {problems[0]}",
                f"参数“{param}”的表达式不符合沙箱规则：{problems[0]}",
            )
        ]
    value = literal_value(source)
    if value is not NOT_LITERAL and not fits(type_name, value):
        return [
            element_error(
                file,
                task,
                f"parameter '{param}' of '{action}' must be a {type_name}: {source} is not",
                f"领域动作“{action}”的参数“{param}”应为 {type_name} 类型，{source} 不是",
            )
        ]
    return []
