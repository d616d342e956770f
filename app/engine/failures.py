"""What the rest of the app learns when an engine run fails: the element, and a message in Chinese
first, with the English detail — the sandbox's own exception found behind the library's wrapping.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.engine.sandbox import SandboxCodeFailed
from app.engine.sandbox import SandboxLimitExceeded
from app.engine.services import ActionRefused
from app.engine.services import InputRefused


class EngineFailure(Exception):
    """A script, condition, decision or expression failed; nothing of the run may be kept."""

    def __init__(self, element_id: str | None, message: str) -> None:
        super().__init__(message)
        self.element_id = element_id
        self.message = message


def element_of(failure: SpiffWorkflowException) -> str | None:
    task = getattr(failure, "task", None) or getattr(failure, "task_spec", None)
    spec = getattr(task, "task_spec", task)
    return getattr(spec, "bpmn_id", None)


def describe(failure: BaseException) -> str:
    """Chinese first, then the English detail: what failed, and in which expression."""
    cause = _cause(failure, SandboxLimitExceeded | SandboxCodeFailed | ActionRefused) or failure
    if isinstance(cause, SandboxLimitExceeded | ActionRefused):
        said = str(cause)
    elif isinstance(cause, SandboxCodeFailed):
        said = f"模型代码出错（model code failed）：{cause}"
    else:
        said = f"流程引擎出错（engine error）：{failure.__class__.__name__}"
    if isinstance(cause, ActionRefused) or (
        cause is failure and isinstance(cause, SandboxLimitExceeded | SandboxCodeFailed)
    ):
        return said[:1000]
    first_line = str(failure).split("\n")[0]
    notes = getattr(failure, "notes", []) or []
    # The library's own line repeats the sandbox's message when it wraps a script's failure.
    repeated = str(cause) if cause is not failure else None
    detail = [line for line in (first_line, *notes) if line and not (repeated and repeated in line)]
    return (f"{said} — {'; '.join(detail)}" if detail else said)[:1000]


def input_refused(failure: BaseException) -> InputRefused | None:
    """The refused answer behind a failure (the submitting command is refused, not an incident)."""
    found = _cause(failure, InputRefused)
    return found if isinstance(found, InputRefused) else None


def _cause(failure: BaseException, kinds: Any) -> BaseException | None:
    """The first exception of ``kinds`` in the chain behind ``failure`` (the library wraps ours)."""
    seen: BaseException | None = failure
    for _ in range(10):
        if seen is None or isinstance(seen, kinds):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
