"""The script sandbox: every script, condition, timer expression and DMN cell runs here, and only
here.

SpiffWorkflow's own engine is plain ``eval``/``exec`` (remote code execution for anyone who can
deploy a model). This environment instead

* compiles with RestrictedPython (names starting with ``_``, ``import``, ``exec`` and friends are
  refused at compile time, so deployment can refuse them before anything runs), plus our own rule
  against unbounded ``**`` exponents (a one-operation memory bomb);
* runs with guarded attribute and item access, whitelisted builtins and a few helper functions — no
  module objects, and no way to read the real clock: ``now()`` and ``today()`` come from the clock
  the caller injects, so a run can be replayed;
* stops any script or expression that runs past the engine run's deadline (a line-level tracer that
  is only active inside sandboxed code), so ``while True: pass`` ends as an incident, not a stuck
  worker.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import ast
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from types import CodeType
from typing import Any

from RestrictedPython import compile_restricted_eval
from RestrictedPython import compile_restricted_exec
from RestrictedPython import safe_builtins
from RestrictedPython.Eval import default_guarded_getitem
from RestrictedPython.Guards import full_write_guard
from RestrictedPython.Guards import guarded_iter_unpack_sequence
from RestrictedPython.Guards import guarded_unpack_sequence
from RestrictedPython.Guards import safer_getattr
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

SANDBOX_FILENAME = "<sandbox>"
MAX_SOURCE_LENGTH = 20_000
MAX_EXPONENT = 64

#: Attributes that would read the real clock through a date or datetime value.
CLOCK_ATTRIBUTES = frozenset({"now", "today", "utcnow", "fromtimestamp", "utcfromtimestamp"})


class SandboxViolation(Exception):
    """The source breaks a sandbox rule; it was refused before running."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class ScriptTimeout(Exception):
    """A script ran past the deadline of its engine run."""


class _Policy(RestrictingNodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        if isinstance(node.op, ast.Pow):
            exponent = node.right
            if not (
                isinstance(exponent, ast.Constant)
                and isinstance(exponent.value, int | float)
                and abs(exponent.value) <= MAX_EXPONENT
            ):
                self.error(node, f"'**' needs a literal exponent of at most {MAX_EXPONENT}.")
        return super().visit_BinOp(node)

    def visit_Import(self, node: ast.Import) -> ast.AST:
        self.error(node, "import is not allowed; use the helper functions.")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        self.error(node, "import is not allowed; use the helper functions.")
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        if isinstance(node.op, ast.Pow):
            self.error(node, "'**=' is not allowed.")
        return super().visit_AugAssign(node)


def _compile(source: str, mode: str) -> CodeType:
    if len(source) > MAX_SOURCE_LENGTH:
        raise SandboxViolation([f"longer than {MAX_SOURCE_LENGTH} characters"])
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(source, filename=SANDBOX_FILENAME, policy=_Policy)
    if result.errors or result.code is None:
        raise SandboxViolation(list(result.errors) or ["does not compile"])
    return result.code


@lru_cache(maxsize=8192)
def compile_expression(source: str) -> CodeType:
    return _compile(source.strip(), "eval")


@lru_cache(maxsize=4096)
def compile_script(source: str) -> CodeType:
    return _compile(source, "exec")


def check_expression(source: str) -> list[str]:
    """The sandbox's objections to an expression (empty when it may run)."""
    try:
        compile_expression(source)
    except SandboxViolation as refused:
        return refused.errors
    return []


def check_script(source: str) -> list[str]:
    try:
        compile_script(source)
    except SandboxViolation as refused:
        return refused.errors
    return []


def _guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    if name in CLOCK_ATTRIBUTES and isinstance(obj, date | type):
        raise AttributeError(f"'{name}' reads the real clock; use now() or today()")
    return safer_getattr(obj, name, default)


def _inplace(op: str, left: Any, right: Any) -> Any:
    operations: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b,
        "//=": lambda a, b: a // b,
        "%=": lambda a, b: a % b,
    }
    if op not in operations:
        raise SyntaxError(f"'{op}' is not allowed")
    return operations[op](left, right)


_BUILTINS = {
    # pow() would be a way around the exponent rule; the others write to or build objects.
    **{
        k: v
        for k, v in safe_builtins.items()
        if k not in {"setattr", "delattr", "__build_class__", "pow"}
    },
    **{
        "dict": dict,
        "list": list,
        "set": set,
        "frozenset": frozenset,
        "sum": sum,
        "min": min,
        "max": max,
        "sorted": sorted,
        "any": any,
        "all": all,
        "enumerate": enumerate,
        "zip": zip,
        "map": map,
        "filter": filter,
        "reversed": reversed,
    },
}

_GUARDS = {
    "__builtins__": _BUILTINS,
    "_getattr_": _guarded_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplace,
}


def standard_helpers(now: Callable[[], datetime], zone: Any) -> dict[str, Callable[..., Any]]:
    """Date helpers for designers; ``now``/``today`` read the injected clock (enterprise zone)."""

    def today() -> date:
        return now().astimezone(zone).date()

    def add_months(day: date, months: int) -> date:
        month_index = day.month - 1 + months
        year, month = day.year + month_index // 12, month_index % 12 + 1
        for last in (31, 30, 29, 28):
            try:
                return day.replace(year=year, month=month, day=min(day.day, last))
            except ValueError:
                continue
        raise ValueError("invalid date")

    return {
        "now": now,
        "today": today,
        "date": date,
        # datetime(...) values are always aware: naive ones would use the server's zone.
        "datetime": lambda *a, **k: datetime(*a, **{"tzinfo": UTC, **k}),  # noqa: DTZ001
        "timedelta": timedelta,
        "Decimal": Decimal,
        "parse_date": date.fromisoformat,
        "parse_datetime": datetime.fromisoformat,
        "days_between": lambda start, end: (end - start).days,
        "add_days": lambda day, days: day + timedelta(days=days),
        "add_months": add_months,
    }


class _Deadline:
    """A line tracer that raises ScriptTimeout in sandboxed frames once the deadline passes."""

    CHECK_EVERY = 256

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.lines = 0

    def __call__(self, frame: Any, event: str, _arg: Any) -> Any:
        if event == "call":
            return self._local if frame.f_code.co_filename == SANDBOX_FILENAME else None
        return None

    def _local(self, _frame: Any, event: str, _arg: Any) -> Any:
        if event == "line":
            self.lines += 1
            if self.lines % self.CHECK_EVERY == 0 and time.monotonic() > self.deadline:
                raise ScriptTimeout("the script ran out of time")
        return self._local


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow's script environment, replaced: restricted compile, guards, deadline."""

    def __init__(self, helpers: dict[str, Callable[..., Any]], time_limit: float) -> None:
        super().__init__(helpers)
        self.time_limit = time_limit
        self._deadline: float | None = None

    @contextmanager
    def engine_run(self) -> Iterator[None]:
        """All scripts of one engine run share one time budget."""
        self._deadline = time.monotonic() + self.time_limit
        try:
            yield
        finally:
            self._deadline = None

    def _run(self, code: CodeType, scope: dict[str, Any]) -> Any:
        deadline = (
            self._deadline if self._deadline is not None else time.monotonic() + self.time_limit
        )
        if time.monotonic() > deadline:
            raise ScriptTimeout("the engine run ran out of time")
        previous = sys.gettrace()
        sys.settrace(_Deadline(deadline))
        try:
            # RestrictedPython-compiled code, guarded globals: the one eval BranchFlow allows.
            return eval(code, scope)  # noqa: S307
        finally:
            sys.settrace(previous)

    def _scope(self, context: dict[str, Any], external: dict[str, Any] | None) -> dict[str, Any]:
        clash = (set(self.globals) | set(_GUARDS)).intersection(context)
        if clash:
            raise ValueError(f"task data shadows helper names: {sorted(clash)}")
        return {**_GUARDS, **self.globals, **(external or {}), **context}

    def evaluate(
        self, expression: str, context: dict[str, Any], external_context: dict | None = None
    ) -> Any:
        return self._run(compile_expression(expression), self._scope(context, external_context))

    def execute(
        self, script: str, context: dict[str, Any], external_context: dict | None = None
    ) -> bool:
        scope = self._scope(context, external_context)
        before = set(scope)
        self._run(compile_script(script), scope)
        reserved = set(_GUARDS) | set(self.globals) | set(external_context or {})
        for name in list(context):
            if name not in scope:  # ``del name`` in the script
                del context[name]
        for name, value in scope.items():
            if name in reserved or callable(value) or name.startswith("_"):
                continue
            if name in context or name not in before:
                context[name] = value
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise NotImplementedError("service tasks are not enabled")


def sandboxed_script_engine(
    now: Callable[[], datetime], zone: Any, time_limit: float = 2.0
) -> PythonScriptEngine:
    return PythonScriptEngine(
        environment=SandboxEnvironment(standard_helpers(now, zone), time_limit)
    )
