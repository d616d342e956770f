"""Runaways stopped at run time: what the deploy checks cannot see becomes an incident."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.engine.sandbox import SandboxLimitExceeded


@dataclass(frozen=True)
class Bounds:
    """How far an instance may go before it is stopped as a runaway (an incident, not a crash).

    ``steps_per_run``: automatic steps (scripts, gateways, events) in one engine run — only a loop
    the checks missed can get near it. ``depth``: how deep the task tree may grow in one run (past
    1000 the library silently reports "completed"); finished rounds of a loop are pruned before
    each save (pruning.py), so only a runaway within one run gets near it.
    """

    steps_per_run: int = 1000
    depth: int = 800


class RunawayStopped(SandboxLimitExceeded):
    """The instance went past a bound of ``Bounds``; the run is undone."""


class StepCounter:
    """Counts the automatic steps of one engine run (the library's did_complete_task hook)."""

    def __init__(self, bound: int) -> None:
        self.bound, self.count = bound, 0

    def __call__(self, _task: Any) -> None:
        self.count += 1
        if self.count > self.bound:
            raise RunawayStopped(
                f"more than {self.bound} automatic steps in one run: a loop that does not end",
                f"一次运行中的自动步骤超过 {self.bound} 步，疑似无限循环，已停止",
            )
