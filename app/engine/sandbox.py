"""SpiffWorkflow's script environment, replaced: every script, condition, timer, multi-instance,
message and correlation expression and DMN cell runs in a sandbox process (jail.py), and only there.

SpiffWorkflow's own environment is plain ``eval``/``exec`` in the calling process: remote code
execution for anyone who can deploy a model, and one ``while True`` away from a stuck server. Here
the source is compiled under the rules of ``restricted.py`` (deployment runs the same checks), the
task's data travels to a child process as JSON, and only data comes back. Limits:

* per evaluation, the kernel's CPU limit and address-space limit on the child (``Limits``);
* per engine run (one command's worth of engine steps), a wall-clock budget shared by all its
  evaluations, so a model of many slow scripts cannot hold a request for minutes either.

Every failure reaches SpiffWorkflow as an ``Exception`` with a message; the runtime turns it into
an incident. Pure Python: no Flask, no database.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine import wire
from app.engine.jail import Limits
from app.engine.jail import SandboxCodeFailed
from app.engine.jail import SandboxLimitExceeded
from app.engine.jail import pool_for
from app.engine.restricted import SandboxViolation
from app.engine.restricted import check_expression
from app.engine.restricted import check_script
from app.engine.restricted import compile_expression
from app.engine.restricted import compile_script
from app.engine.services import ServiceCall
from app.engine.services import ServiceCaller
from app.engine.services import no_services

__all__ = [
    "Limits",
    "SandboxCodeFailed",
    "SandboxEnvironment",
    "SandboxLimitExceeded",
    "SandboxViolation",
    "ScriptTimeout",
    "check_expression",
    "check_script",
    "sandboxed_script_engine",
]


class ScriptTimeout(SandboxLimitExceeded):
    """The scripts of one engine run used up its time budget."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"the model code of this step ran longer than its budget of {seconds:g} s",
            f"本步骤的模型代码运行超过 {seconds:g} 秒的时间预算",
        )


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    def __init__(self, now: Any, limits: Limits, run_budget: float = 10.0) -> None:
        super().__init__({})
        self.now, self.limits, self.run_budget = now, limits, run_budget
        self._deadline: float | None = None
        #: Set by the workflow layer for each command (``Instance.attach_services``).
        self.service_caller: ServiceCaller = no_services

    @contextmanager
    def engine_run(self) -> Iterator[None]:
        """All evaluations of one engine run share one wall-clock budget."""
        self._deadline = time.monotonic() + self.run_budget
        try:
            yield
        finally:
            self._deadline = None

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        deadline = self._deadline or time.monotonic() + self.run_budget
        if time.monotonic() >= deadline:
            raise ScriptTimeout(self.run_budget)
        request["now"] = self.now()
        request["cpu_seconds"] = self.limits.cpu_seconds
        try:
            answer = pool_for(self.limits).run(request)
        except wire.NotData as refused:  # the task's own data cannot be sent as data
            raise SandboxCodeFailed("NotData", str(refused), None) from None
        if answer["ok"]:
            return answer
        if answer["limit"] == "memory":
            raise SandboxLimitExceeded(
                f"the model code needed more than {self.limits.memory_bytes >> 20} MB of memory",
                f"模型代码所需内存超过 {self.limits.memory_bytes >> 20} MB",
            )
        if answer["limit"] == "value":
            raise SandboxLimitExceeded(
                f"the result cannot be kept in task data: {answer['message']}",
                f"结果不能保存为任务数据：{answer['message']}",
            )
        raise SandboxCodeFailed(answer["error"], answer["message"], answer["line"])

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: dict | None = None
    ) -> Any:
        compile_expression(expression.strip())  # refused here, before any process is asked
        request = {
            "op": "evaluate",
            "source": expression.strip(),
            "context": context,
            "external": external_context,
        }
        return self._ask(request)["value"]

    def execute(
        self, script: str, context: dict[str, Any], external_context: dict | None = None
    ) -> bool:
        compile_script(script)
        request = {"op": "execute", "source": script, "context": context}
        request["external"] = external_context
        data = self._ask(request)["data"]
        context.clear()
        context.update(data)
        return True

    def call_service(
        self,
        context: dict[str, Any],
        operation_name: str = "",
        operation_params: dict[str, Any] | None = None,
        element_id: str | None = None,
        **_ignored: Any,
    ) -> str:
        """Run a domain action through the caller the workflow layer attached (``services.py``).

        The parameters arrive already evaluated in the sandbox; the library wants a JSON string.
        """
        values = {name: param["value"] for name, param in (operation_params or {}).items()}
        call = ServiceCall(operation_name, values, dict(context), element_id)
        result = self.service_caller(call)
        return json.dumps(result)


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow 3.2 wraps a failing service call in a NameError (``script`` is undefined in
    its ``call_service``): report the action's own failure, on its task, instead."""

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        try:
            element_id = getattr(task.task_spec, "bpmn_id", None)
            return self.environment.call_service(task.data, element_id=element_id, **kwargs)
        except Exception as failure:
            raise WorkflowTaskException(str(failure), task=task, exception=failure) from failure


def sandboxed_script_engine(
    now: Any, limits: Limits, run_budget: float = 10.0
) -> PythonScriptEngine:
    return SandboxScriptEngine(environment=SandboxEnvironment(now, limits, run_budget))
