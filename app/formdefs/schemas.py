"""The stored shape of each field kind, as JSON Schema: what ``x-type`` expands to.

Designers write ``{"x-type": "attendance", "title": "到会委员"}``; the validator sees the full
object schema below, so the pages, the API and the engine all agree on what the data looks like.
"""

from __future__ import annotations

import copy
from typing import Any

MAX_LIST = 500
ISO_DURATION = r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
_ID = {"type": "integer", "minimum": 1, "maximum": 2**53}
_COUNT = {"type": "integer", "minimum": 0, "maximum": 100000}

ATTACHMENT = {
    "type": "object",
    "properties": {
        "id": _ID,
        "name": {"type": "string", "maxLength": 255},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "size": {"type": "integer", "minimum": 0},
        "type": {"type": "string", "maxLength": 100},
    },
    "required": ["id", "name", "sha256", "size", "type"],
    "additionalProperties": False,
}

_TALLY = ("eligible", "present", "for", "against", "abstain", "invalid")

_SHAPES: dict[str, dict[str, Any]] = {
    "person": _ID,
    "org": _ID,
    "process_ref": _ID,
    "persons": {"type": "array", "items": _ID, "uniqueItems": True, "maxItems": MAX_LIST},
    "file": ATTACHMENT,
    "files": {"type": "array", "items": ATTACHMENT, "maxItems": 20},
    "photos": {"type": "array", "items": ATTACHMENT, "maxItems": 20},
    "duration": {"type": "string", "pattern": ISO_DURATION, "maxLength": 40},
    "signature": {
        "type": "object",
        "properties": {
            "user_id": _ID,
            "name": {"type": "string", "maxLength": 100},
            "signed_at": {"type": "string", "format": "date-time"},
        },
        "required": ["user_id", "name", "signed_at"],
        "additionalProperties": False,
    },
    "attendance": {
        "type": "object",
        "properties": {
            "entitled": {"type": "integer", "minimum": 1, "maximum": 10000},
            "present": {"type": "array", "items": _ID, "uniqueItems": True, "maxItems": MAX_LIST},
            "quorum_met": {"type": "boolean"},
        },
        "required": ["entitled", "present", "quorum_met"],
        "additionalProperties": False,
    },
    "vote_tally": {
        "type": "object",
        "properties": {
            **dict.fromkeys(_TALLY, _COUNT),
            "passed": {"type": "boolean"},
        },
        "required": [*_TALLY, "passed"],
        "additionalProperties": False,
    },
}
#: The keys a designer may not set on a kind with a fixed shape (the shape decides them).
_SHAPE_KEYS = ("type", "properties", "items", "required", "additionalProperties", "pattern")


def expand(kind: str, spec: dict[str, Any], required: bool) -> dict[str, Any]:
    """``spec`` with the stored shape of ``kind`` filled in; a required list needs one entry."""
    shape = _SHAPES.get(kind)
    if kind == "items":
        shape = _item_list(spec)
    if shape is None:
        return spec
    expanded = {k: v for k, v in spec.items() if k not in _SHAPE_KEYS} | copy.deepcopy(shape)
    if isinstance(spec.get("maxItems"), int) and "maxItems" in shape:
        # a tighter bound of the form's own ("one or two contacts") within the shape's
        expanded["maxItems"] = min(spec["maxItems"], shape["maxItems"])
    if isinstance(spec.get("minItems"), int):
        expanded["minItems"] = spec["minItems"]
    if required and expanded.get("type") == "array":
        expanded.setdefault("minItems", 1)
    return expanded


def _item_list(spec: dict[str, Any]) -> dict[str, Any]:
    item = spec.get("items", {})
    columns = {
        name: expand(column.get("x-type", ""), column, False)
        for name, column in item.get("properties", {}).items()
    }
    return {
        "type": "array",
        "maxItems": spec.get("maxItems", 100),
        "items": {
            "type": "object",
            "properties": columns,
            "required": list(item.get("required", [])),
            "additionalProperties": False,
        },
    }
