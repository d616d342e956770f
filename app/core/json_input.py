"""JSON from outside (API bodies, ``--data`` on the command line, data handed to a command): bounded
before anything recursive reads it.

Two inputs broke requests with a 500 instead of a refusal:

- deep nesting: ``json.loads``, ``json.dumps``, jsonschema and the engine's serialiser all recurse,
  and 100,000 nested brackets end in RecursionError somewhere along the way;
- lone surrogates (U+D800–U+DFFF alone, from ``"\\ud800"`` or raw UTF-8 bytes ``ED A0 80``):
  ``json.loads`` accepts them, but they are not characters, so encoding the text to UTF-8 for the
  database (or anywhere else) raises UnicodeEncodeError.

Both are checked without recursion in Python: the depth by counting the brackets of the JSON text
(before parsing, for text from outside), the surrogates by searching that text.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from flask_babel import gettext as _

from app.core.errors import ValidationFailed

#: Deepest nesting of arrays and objects accepted. The deepest form data is a few levels (an item
#: list of objects inside the form object, inside a request body); 64 leaves ample room for that
#: and stays far below the ~1000 frames at which Python's recursive JSON and schema code fails.
MAX_JSON_DEPTH = 64

TOO_DEEP = "too_deep"
LONE_SURROGATE = "lone_surrogate"

_SURROGATE = re.compile("[\ud800-\udfff]")
#: A JSON string, escapes included: its brackets are text, not structure.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class UnsafeJson(ValueError):
    """Well-formed or not, JSON that must not be read on: ``problem`` is TOO_DEEP or
    LONE_SURROGATE."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _deepest_nesting(text: str) -> int:
    brackets = _BRACKET.findall(_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _as_text(value: Any) -> str | None:
    """``value`` as JSON text, surrogates kept; None when it is too deep to write (the C encoder
    gives up cleanly with RecursionError) or contains itself."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return None


def unsafe_json_problem(value: Any) -> str | None:
    """What makes a value unsafe to keep (TOO_DEEP, LONE_SURROGATE), or None: its keys and values
    at every level. Measured on its JSON text (C code, linear), so that a value built by a caller,
    deeper than any recursion could follow, is measured all the same."""
    text = _as_text(value)
    if text is None or _deepest_nesting(text) > MAX_JSON_DEPTH:
        return TOO_DEEP
    # Written with ensure_ascii=False, every surrogate of a key or value appears as itself; a
    # valid pair was one character already (U+10000 and above), so any surrogate here is alone.
    return LONE_SURROGATE if _SURROGATE.search(text) else None


def loads(data: str | bytes, **_options: Any) -> Any:
    """``json.loads`` that refuses what this module guards against with UnsafeJson (a ValueError,
    like the JSONDecodeError of text that is not JSON at all). The depth is counted before parsing.

    Bytes are decoded as ``json.loads`` decodes them (UTF-8/16/32, surrogates let through so that
    they are found and refused here rather than turned into U+FFFD)."""
    if isinstance(data, bytes):
        data = data.decode(json.detect_encoding(data), "surrogatepass")
    if _deepest_nesting(data) > MAX_JSON_DEPTH:
        raise UnsafeJson(TOO_DEEP)
    value = json.loads(data)
    if _SURROGATE.search(json.dumps(value, ensure_ascii=False)):  # at most 64 deep: no recursion
        raise UnsafeJson(LONE_SURROGATE)
    return value


def problem_message(problem: str) -> str:
    """The user's words for a problem of this module."""
    if problem == TOO_DEEP:
        return _("Nested more than %(n)d levels deep.", n=MAX_JSON_DEPTH)
    return _("Contains a lone surrogate (U+D800 to U+DFFF), which is not a character.")


def require_safe_json(value: Any, field: str, message: str) -> None:
    """Refuse (ValidationFailed: ``message``, with the problem under ``field``) a value a command
    received that is nested too deep or holds a lone surrogate."""
    problem = unsafe_json_problem(value)
    if problem:
        raise ValidationFailed(message, {field: problem_message(problem)})
