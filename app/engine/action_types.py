"""The parameter types of domain actions, and whether a value fits one. Pure Python.

A BPMN service task passes each parameter as an expression; deployment checks the ones that are
literals (``'2026'``, ``3``, ``True``, ``['U1', 'U2']``) against the declared type, and the workflow
layer checks every evaluated value again before the action runs. The types are deliberately few and
say what a value *is* in the domain, not only its Python shape:

* ``string``, ``integer``, ``boolean``;
* ``date`` — an ISO date string (``2026-03-31``), what date form fields store;
* ``org_code`` — an organisation code (``HH01-01``), ``person_id`` — a person's id (integer),
  ``process_key`` — a process id (a name of letters, digits and underscores);
* ``list[T]`` — a list whose every item is a ``T``.
"""

from __future__ import annotations

import ast
import re
from datetime import date
from typing import Any

SCALAR_TYPES = ("string", "integer", "boolean", "date", "org_code", "person_id", "process_key")

_ORG_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_PROCESS_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")

#: Not a literal: the expression names variables or calls helpers (checked at run time only).
NOT_LITERAL = object()


def item_type(type_name: str) -> str | None:
    """``T`` of ``list[T]``, else None."""
    if type_name.startswith("list[") and type_name.endswith("]"):
        return type_name[5:-1]
    return None


def is_known_type(type_name: str) -> bool:
    inner = item_type(type_name)
    return inner in SCALAR_TYPES if inner is not None else type_name in SCALAR_TYPES


def fits(type_name: str, value: Any) -> bool:
    """Whether ``value`` (as evaluated, JSON-shaped) is a ``type_name``."""
    inner = item_type(type_name)
    if inner is not None:
        return isinstance(value, list) and all(fits(inner, item) for item in value)
    if type_name in ("integer", "person_id"):
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "boolean":
        return isinstance(value, bool)
    if not isinstance(value, str):
        return False
    if type_name == "date":
        return _is_iso_date(value)
    if type_name == "org_code":
        return bool(_ORG_CODE.match(value))
    if type_name == "process_key":
        return bool(_PROCESS_KEY.match(value))
    return type_name == "string"


def _is_iso_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def literal_value(expression: str) -> Any:
    """The value of ``expression`` when it is a Python literal, else ``NOT_LITERAL``."""
    try:
        return ast.literal_eval(expression.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return NOT_LITERAL
