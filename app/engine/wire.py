"""What crosses the pipe between the app and its sandbox processes: length-prefixed JSON frames.

Values are JSON plus the few types model code works with — ``date``, ``datetime``, ``timedelta``
and ``Decimal`` — each written as a tagged object. Anything else (a generator, a set, a function,
NaN) is refused with ``NotData``: task data must stay storable, and the app never unpickles what a
sandbox process sends. Only the standard library: the sandbox process imports this module alone.
"""

from __future__ import annotations

import json
import struct
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

#: The key that marks a tagged value. A script that forges one gets no more than it could build
#: with the date helpers, so forging is harmless and not checked.
TAG = "\u0000type"
_LENGTH = struct.Struct(">I")


class NotData(ValueError):
    """A value that task data cannot hold."""


def _tagged(value: Any) -> dict[str, Any]:
    # datetime before date: a datetime is a date too.
    if isinstance(value, datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        return {TAG: "Decimal", "v": str(value)}
    raise NotData(f"a value of type {type(value).__name__} cannot be kept in task data")


def _untagged(obj: dict[str, Any]) -> Any:
    kind = obj.get(TAG)
    if kind is None:
        return obj
    value = obj.get("v")
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "timedelta":
        return timedelta(days=value[0], seconds=value[1], microseconds=value[2])
    if kind == "Decimal":
        return Decimal(value)
    raise NotData(f"unknown tagged value {kind!r}")


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        return _tagged(o)


def encode(value: Any, limit: int | None = None) -> bytes:
    """``value`` as JSON bytes; NotData when it cannot be, or when it is over ``limit`` bytes."""
    try:
        # ASCII keeps lone surrogates encodable; NaN is no JSON.
        text = json.dumps(value, cls=_Encoder, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as refused:
        raise NotData(str(refused)) from None
    if limit is not None and len(text) > limit:
        raise NotData(f"the value takes {len(text)} bytes, more than the limit of {limit}")
    return text.encode("ascii")


def decode(data: bytes) -> Any:
    return json.loads(data, object_hook=_untagged)


def frame(payload: bytes) -> bytes:
    return _LENGTH.pack(len(payload)) + payload


def frame_length(header: bytes) -> int:
    return _LENGTH.unpack(header)[0]


HEADER_SIZE = _LENGTH.size
