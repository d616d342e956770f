"""The seam between a BPMN service task and the domain actions above the engine.

A service task names an operation (``spiffworkflow:serviceTaskOperator id="record_level"``) and
passes parameters as expressions. The sandbox evaluates them; the engine then hands the operation's
name and the evaluated values to the ``ServiceCaller`` the workflow layer attached to the instance
(``Instance.attach_services``). The engine knows no action: the catalogue lives in app/workflow and
reaches deployment checks as data (``ActionSignature``). Pure Python: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ServiceCall:
    """One service task reached: the action it names, its evaluated parameters, where it is."""

    name: str
    params: dict[str, Any]
    #: The task's variables as the service task sees them (a copy: the action cannot change them).
    data: Mapping[str, Any]
    element_id: str | None = None


#: Runs a call and returns a JSON-shaped result (stored in the task's ``resultVariable``).
ServiceCaller = Callable[[ServiceCall], Any]


class ActionRefused(Exception):
    """A domain action refused to run (or was called wrongly): the engine run fails, and the
    instance gets an incident carrying this message."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(f"{message_zh}（{message_en}）")
        self.message_en, self.message_zh = message_en, message_zh


class InputRefused(Exception):
    """An action refused the input that reached it (a person's answer the form could not check):
    not an incident but the command's own refusal — ``refusal`` is re-raised as it is, the engine
    run is undone, and the person corrects the answer."""

    def __init__(self, refusal: Exception) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


@dataclass(frozen=True)
class ParameterSignature:
    type: str
    required: bool = True


@dataclass(frozen=True)
class ActionSignature:
    """What deployment needs to know of a catalogue entry."""

    name: str
    parameters: Mapping[str, ParameterSignature]


def no_services(call: ServiceCall) -> Any:
    """The caller of an instance nobody attached services to: every call fails closed."""
    raise ActionRefused(
        f"no domain actions are available here (action '{call.name}')",
        f"此处不能调用领域动作（{call.name}）",
    )
