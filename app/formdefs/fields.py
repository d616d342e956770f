"""Turning a form's JSON Schema into fields to render, and submitted HTML form data into JSON.

This covers the scalar field types: text, long text, whole and decimal numbers, money, yes/no,
dates, date-times, one or several options. The composite types of procedures.yaml (people pickers,
attendance, vote tallies, uploads, item lists) are not rendered yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from werkzeug.datastructures import MultiDict


@dataclass(frozen=True)
class FieldView:
    name: str
    label: str
    help: str | None
    widget: str  # text, textarea, number, checkbox, select, multiselect, date, datetime
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    step: str | None = None


def _widget(spec: dict[str, Any], hint: str | None) -> str:
    if hint:
        return hint
    kind = spec.get("type")
    if "enum" in spec:
        return "select"
    if kind == "array" and "enum" in spec.get("items", {}):
        return "multiselect"
    if kind in ("integer", "number"):
        return "number"
    if kind == "boolean":
        return "checkbox"
    if spec.get("format") == "date":
        return "date"
    if spec.get("format") == "date-time":
        return "datetime"
    if spec.get("maxLength", 0) > 200:
        return "textarea"
    return "text"


def field_views(form: dict[str, Any]) -> list[FieldView]:
    """The fields of a form definition, in the order of ``ui.order`` (else the schema's)."""
    schema = form.get("schema", {})
    properties: dict[str, Any] = schema.get("properties", {})
    ui = form.get("ui", {})
    order = [n for n in ui.get("order", []) if n in properties] + [
        n for n in properties if n not in ui.get("order", [])
    ]
    required = set(schema.get("required", []))
    views = []
    for name in order:
        spec = properties[name]
        widget = _widget(spec, ui.get("widgets", {}).get(name))
        if widget not in (
            "text",
            "textarea",
            "number",
            "checkbox",
            "select",
            "multiselect",
            "date",
            "datetime",
        ):
            continue  # a composite widget this renderer does not know yet
        labels = spec.get("x-labels", {})
        values = spec.get("enum") or spec.get("items", {}).get("enum") or []
        options = tuple((str(v), str(labels.get(str(v), v))) for v in values)
        step = "1" if spec.get("type") == "integer" else ("0.01" if spec.get("x-money") else "any")
        views.append(
            FieldView(
                name=name,
                label=spec.get("title", name),
                help=spec.get("description"),
                widget=widget,
                required=name in required,
                options=options,
                step=step if widget == "number" else None,
            )
        )
    return views


def parse_submission(
    form: dict[str, Any], submitted: MultiDict
) -> tuple[dict[str, Any], dict[str, str]]:
    """JSON data from HTML form fields, and the fields whose text does not read as their type."""
    properties = form.get("schema", {}).get("properties", {})
    data: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    for view in field_views(form):
        spec = properties[view.name]
        if view.widget == "checkbox":
            data[view.name] = submitted.get(view.name) in ("on", "true", "1")
            continue
        if view.widget == "multiselect":
            chosen = submitted.getlist(view.name)
            data[view.name] = [_typed(spec.get("items", {}), v) for v in chosen]
            continue
        raw = (submitted.get(view.name) or "").strip()
        if raw == "":
            continue  # absent: "required" speaks if it must be there
        try:
            data[view.name] = _typed(spec, raw)
        except ValueError:
            unreadable[view.name] = (
                "number" if spec.get("type") in ("integer", "number") else "format"
            )
    return data, unreadable


def _typed(spec: dict[str, Any], raw: str) -> Any:
    kind = spec.get("type")
    if kind == "integer":
        if not raw.lstrip("-").isdigit():
            raise ValueError(raw)
        return int(raw)
    if kind == "number":
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(raw) from None
        if not value.is_finite():
            raise ValueError(raw)
        return float(value)
    if "enum" in spec and not isinstance(spec["enum"][0] if spec["enum"] else "", str):
        for option in spec["enum"]:
            if str(option) == raw:
                return option
    return raw
