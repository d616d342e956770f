"""What a long scored form needs beside its fields, read off the form file: a running total against
the level thresholds (``ui.total``), notes required only below full marks (the schema's
``allOf`` of ``if``/``then``), the values the system measured, and defaults the page fills in.
Pure Python: the task page passes these to the templates and the browser script."""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from app.formdefs.fields import FormInput
from app.formdefs.model import FormDef


@dataclass(frozen=True)
class Threshold:
    label: str
    score: float


@dataclass(frozen=True)
class Tally:
    """The fields summed, the bonus and its cap, and the levels' minimum scores, highest first."""

    fields: tuple[str, ...]
    #: field → its full marks (the schema's ``maximum``), for the sections' subtotals.
    maxima: dict[str, float]
    bonus: str | None
    bonus_cap: float | None
    thresholds: tuple[Threshold, ...]

    def as_json(self) -> str:
        return json.dumps(
            {
                "fields": list(self.fields),
                "maxima": self.maxima,
                "bonus": self.bonus,
                "bonusCap": self.bonus_cap,
                "thresholds": [{"label": t.label, "score": t.score} for t in self.thresholds],
            },
            ensure_ascii=False,
        )


@dataclass(frozen=True)
class Aids:
    tally: Tally | None = None
    #: note field → (score field, full marks): the note is required while the score is lower.
    needed_below: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: field → the value the system measured for it (shown beside the field).
    measured: dict[str, Any] = field(default_factory=dict)
    #: reason field → (score field, measured value): the reason is needed once they differ.
    needed_if_changed: dict[str, tuple[str, Any]] = field(default_factory=dict)
    #: field → the value the page fills in when left blank (the schema's ``default``).
    defaults: dict[str, Any] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _tally(
    schema: dict[str, Any], ui: dict[str, Any], data: dict[str, Any], locale: str
) -> Tally | None:
    spec = ui.get("total")
    if not isinstance(spec, dict) or not isinstance(spec.get("fields"), list):
        return None
    thresholds = []
    for t in spec.get("thresholds", []):
        score = _number(data.get(t.get("from", "")))
        if score is not None:
            label = t.get("x-title-en") if locale == "en" and t.get("x-title-en") else t["title"]
            thresholds.append(Threshold(label, score))
    properties = schema.get("properties", {})
    names = tuple(str(n) for n in spec["fields"])
    maxima = {n: _number(properties.get(n, {}).get("maximum")) for n in names}
    return Tally(
        fields=names,
        maxima={n: m for n, m in maxima.items() if m is not None},
        bonus=spec.get("bonus"),
        bonus_cap=_number(data.get(spec.get("bonusCap", ""))),
        thresholds=tuple(sorted(thresholds, key=lambda t: -t.score)),
    )


def _needed_below(schema: dict[str, Any]) -> dict[str, tuple[str, float]]:
    """``{"if": {"properties": {C: {"exclusiveMaximum": m}}}, "then": {"required": [N]}}`` rules."""
    found: dict[str, tuple[str, float]] = {}
    for rule in schema.get("allOf", []):
        condition = rule.get("if", {}).get("properties", {}) if isinstance(rule, dict) else {}
        needed = rule.get("then", {}).get("required", []) if isinstance(rule, dict) else []
        if len(condition) != 1 or len(needed) != 1:
            continue
        (score, test), note = next(iter(condition.items())), needed[0]
        if isinstance(test, dict) and _number(test.get("exclusiveMaximum")) is not None:
            found[note] = (score, float(test["exclusiveMaximum"]))
    return found


def aids_for(form: FormDef, ui: dict[str, Any], data: dict[str, Any], locale: str) -> Aids:
    """The aids of ``form`` for an instance whose data (start data and answers) is ``data``."""
    properties = form.schema.get("properties", {})
    measured = {
        f.name: data[f.measured_by]
        for f in form.fields
        if f.measured_by and data.get(f.measured_by) is not None
    }
    return Aids(
        tally=_tally(form.schema, ui, data, locale),
        needed_below=_needed_below(form.schema),
        measured=measured,
        needed_if_changed={
            f.change_reason: (f.name, measured[f.name])
            for f in form.fields
            if f.change_reason and f.name in measured
        },
        defaults={
            name: spec["default"]
            for name, spec in properties.items()
            if isinstance(spec, dict) and "default" in spec
        },
    )


def with_defaults(values: FormInput, defaults: dict[str, Any]) -> FormInput:
    """``values`` with each blank field that has a default filled in (a bonus of 0, say)."""
    filled = FormInput(values)
    for name, value in defaults.items():
        if not filled.one(name).strip():
            filled[name] = [str(value)]
    return filled
