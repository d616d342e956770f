"""The rules of model code: what a script, condition, timer expression or DMN cell may say and
which names it sees. Only the standard library and RestrictedPython: this module is imported both
by the app (to check models at deployment) and by the sandbox process (``jail_child.py``), which
runs it as a top-level module without importing the app.

* compiled with RestrictedPython (names starting with ``_``, ``import``, ``exec`` and friends are
  refused at compile time, so deployment can refuse them before anything runs), plus our own rules:
  no unbounded ``**`` exponents, and no name of an exception outside ``Exception`` — raising or
  catching ``SystemExit``, ``KeyboardInterrupt``, ``GeneratorExit`` or ``BaseException`` (or a bare
  ``except:``, which catches them) is how model code would try to stop the process running it;
* runs with guarded attribute and item access, whitelisted builtins and a few helper functions — no
  module objects, and no way to read the real clock: ``now()`` and ``today()`` come from the clock
  the caller injects, so a run can be replayed.

Time and memory are not bounded here: the operating system bounds the sandbox process (jail.py).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
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
from RestrictedPython.Guards import safer_getattr_raise
from RestrictedPython.transformer import RestrictingNodeTransformer

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


#: Exceptions that are not ``Exception``s: they stop an interpreter instead of failing a script.
PROCESS_STOPPING_NAMES = frozenset(
    {"BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"}
)


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

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in PROCESS_STOPPING_NAMES:
            self.error(node, f"'{node.id}' is not allowed: raise or catch an Exception instead.")
        return super().visit_Name(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        if node.type is None:
            self.error(node, "a bare 'except:' is not allowed; write 'except Exception:'.")
        return super().visit_ExceptHandler(node)

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


def _guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    # The raising variant: RestrictedPython's plain safer_getattr reads a missing ``x.y`` as None,
    # which would let a mistyped name in a condition pass silently.
    if name in CLOCK_ATTRIBUTES and isinstance(obj, date | type):
        raise AttributeError(f"'{name}' reads the real clock; use now() or today()")
    return safer_getattr_raise(obj, name, *default)


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
    # pow() would be a way around the exponent rule; setattr and friends write to or build objects;
    # the process-stopping exceptions are not names a script may use at all.
    **{
        k: v
        for k, v in safe_builtins.items()
        if k not in {"setattr", "delattr", "__build_class__", "pow", *PROCESS_STOPPING_NAMES}
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


def standard_helpers(
    now: Callable[[], datetime], zone: Any, calendar: Any = None
) -> dict[str, Callable[..., Any]]:
    """Date helpers for designers; ``now``/``today`` read the injected clock (enterprise zone);
    ``calendar`` (a ``workdays.WorkingCalendar``, passed in since this module imports nothing of
    the app) adds ``add_working_days`` and ``working_days_between``."""

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
        **(calendar.script_helpers(zone) if calendar is not None else {}),
    }


def _scope(
    helpers: dict[str, Any], context: dict[str, Any], external: dict[str, Any] | None
) -> dict[str, Any]:
    clash = (set(helpers) | set(_GUARDS)).intersection(context)
    if clash:
        raise ValueError(f"task data shadows helper names: {sorted(clash)}")
    return {**_GUARDS, **helpers, **(external or {}), **context}


def evaluate(
    helpers: dict[str, Any],
    expression: str,
    context: dict[str, Any],
    external: dict[str, Any] | None = None,
) -> Any:
    """The value of ``expression`` over ``context`` (run where it is bounded: see jail.py)."""
    # RestrictedPython-compiled code, guarded globals: the one eval BranchFlow allows.
    return eval(compile_expression(expression), _scope(helpers, context, external))  # noqa: S307


def execute(
    helpers: dict[str, Any],
    script: str,
    context: dict[str, Any],
    external: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run ``script`` over ``context``; return the variables as the script left them.

    A variable is kept when the task had it or the script created it, and is neither a helper, a
    data object of ``external``, a function the script defined, nor a name starting with ``_``.
    """
    scope = _scope(helpers, context, external)
    before = set(scope)
    eval(compile_script(script), scope)  # noqa: S307 - restricted, as in evaluate()
    reserved = set(_GUARDS) | set(helpers) | set(external or {})
    return {
        name: value
        for name, value in scope.items()
        if name not in reserved
        and not callable(value)
        and not name.startswith("_")
        and (name in context or name not in before)
    }
