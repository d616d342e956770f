"""Running a domain action when an instance reaches its service task, inside the command.

The engine calls ``ActionRunner`` (attached to the instance on every load) with the action's name
and its evaluated parameters. The runner checks every value against the parameter's type (a
mistyped value refuses the call), and runs the action in the command's transaction. An action that
refuses (a DomainError) fails the engine run, which becomes an incident on the instance — except
ValidationFailed: the answer the person just submitted is wrong (more "at least" targets than the
unit has branches), so their command is refused with the message next to the field, as a form
would, and nothing is kept.

Nothing an engine run's actions wrote may outlive a failed run: the engine state is not saved, so
a retry would run them again. The first action of a run opens a savepoint; ``keep_action_writes``
(at save) releases it, ``discard_action_writes`` (at an incident) rolls it back together with the
audit events and after-commit effects the actions recorded.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from app.core.commands import CommandContext
from app.core.commands import Savepoint
from app.core.errors import DomainError
from app.core.errors import ValidationFailed
from app.engine.action_types import fits
from app.engine.services import ActionRefused
from app.engine.services import InputRefused
from app.engine.services import ServiceCall
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import catalogue
from app.workflow.models import ProcessInstance

#: Per command, per instance id: the savepoint opened by the first action of the engine run.
_open: WeakKeyDictionary[CommandContext, dict[int, Savepoint]] = WeakKeyDictionary()


class ActionRunner:
    def __init__(self, ctx: CommandContext, row: ProcessInstance) -> None:
        self.ctx, self.row = ctx, row

    def __call__(self, call: ServiceCall) -> Any:
        action = catalogue().get(call.name)
        if action is None:  # deployment refuses it; an action removed since then lands here
            raise ActionRefused(
                f"unknown domain action '{call.name}'", f"未知的领域动作“{call.name}”"
            )
        params = checked_params(action, call.params)
        self._open_savepoint()
        try:
            return action.run(ActionCall(self.ctx, self.row, params, call.data, call.element_id))
        except ValidationFailed as refused:
            raise InputRefused(refused) from refused
        except DomainError as refused:
            reason = str(refused.message or refused.__class__.__name__)
            raise ActionRefused(
                f"action '{action.label_en}' refused: {reason}",
                f"领域动作“{action.label_zh}”拒绝执行：{reason}",
            ) from refused

    def _open_savepoint(self) -> None:
        pending = _open.setdefault(self.ctx, {})
        if self.row.id not in pending:
            pending[self.row.id] = self.ctx.savepoint()


def checked_params(action: Action, values: dict[str, Any]) -> dict[str, Any]:
    """The values by parameter, each of its declared type (an optional one may be None)."""
    checked = {}
    for param in action.parameters:
        value = values.get(param.name)
        if value is None and not param.required:
            continue
        if param.name not in values or not fits(param.type, value):
            shown = "（缺少）" if param.name not in values else repr(value)[:200]
            raise ActionRefused(
                f"parameter '{param.name}' of action '{action.name}' must be a {param.type},"
                f" got {shown}",
                f"领域动作“{action.label_zh}”的参数“{param.label_zh}”（{param.name}）"
                f"应为 {param.type} 类型，实际为 {shown}",
            )
        checked[param.name] = value
    return checked


def keep_action_writes(ctx: CommandContext, row: ProcessInstance) -> None:
    """The engine run succeeded: what its actions wrote belongs to the command."""
    savepoint = _open.get(ctx, {}).pop(row.id, None)
    if savepoint is not None:
        savepoint.keep()


def discard_action_writes(ctx: CommandContext, row: ProcessInstance) -> None:
    """The engine run failed: undo what its actions wrote, recorded and scheduled."""
    savepoint = _open.get(ctx, {}).pop(row.id, None)
    if savepoint is not None:
        savepoint.undo()
