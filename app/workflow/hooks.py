"""What other packages do when an instance of one of their processes completes.

A hook runs inside the command that completed the instance (same transaction): if it refuses, the
completion is refused too and nothing is lost. The workflow package knows no domain; domains
register here (``on_completed("grading_cycle")``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core.commands import CommandContext
from app.workflow.models import ProcessInstance

Hook = Callable[[CommandContext, ProcessInstance, dict[str, Any]], None]
_HOOKS: dict[str, list[Hook]] = {}


def on_completed(process_key: str) -> Callable[[Hook], Hook]:
    def register(hook: Hook) -> Hook:
        if hook not in _HOOKS.setdefault(process_key, []):
            _HOOKS[process_key].append(hook)
        return hook

    return register


def run_completion_hooks(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    for hook in _HOOKS.get(row.process_key, []):
        hook(ctx, row, data)
