"""Reading form files into immutable ``FormDef``s, once, and refusing a broken one by name.

``load_registry`` reads every ``forms/<key>.json`` at start-up; the app does not start while one
of them is broken (``FormFileError`` names the file and the problem). A deployed definition keeps
the bytes of its forms; ``form_def`` parses those once per content and hands out the same object.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from app.engine.deadlines import parse_duration
from app.files.sniff import KNOWN_TYPES
from app.formdefs.model import ITEM_COLUMN_KINDS
from app.formdefs.model import KINDS
from app.formdefs.model import PEOPLE_KINDS
from app.formdefs.model import PEOPLE_RULES
from app.formdefs.model import UPLOAD_KINDS
from app.formdefs.model import FieldDef
from app.formdefs.model import FormDef
from app.formdefs.model import Section
from app.formdefs.model import VisibleWhen
from app.formdefs.schemas import expand

MAX_FORM_BYTES = 512 * 1024
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DEFAULT_UPLOAD_BYTES = 10 * 1024 * 1024
DEFAULT_ACCEPT = {
    "photos": ("image/jpeg", "image/png", "image/webp"),
    "file": tuple(sorted(KNOWN_TYPES)),
    "files": tuple(sorted(KNOWN_TYPES)),
}
WIDGETS = frozenset({"textarea", "text", "month"})


class FormFileError(ValueError):
    pass


class FormRegistry(Mapping[str, FormDef]):
    """The forms of a directory, by key; read-only once built."""

    def __init__(self, directory: Path, forms: dict[str, FormDef], files: dict[str, bytes]):
        self.directory = directory
        self._forms = dict(forms)
        self._files = dict(files)

    def __getitem__(self, key: str) -> FormDef:
        return self._forms[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._forms)

    def __len__(self) -> int:
        return len(self._forms)

    def file_bytes(self) -> dict[str, bytes]:
        """The files as read, by key: what a deployment stores with its version."""
        return dict(self._files)


def read_form_files(directory: Path) -> dict[str, bytes]:
    """Every ``<key>.json`` in ``directory``, by key (the bytes, for hashing and storing)."""
    if not directory.is_dir():
        return {}
    forms = {}
    for path in sorted(directory.glob("*.json")):
        data = path.read_bytes()
        if len(data) > MAX_FORM_BYTES:
            raise FormFileError(f"{path.name}: larger than {MAX_FORM_BYTES // 1024} KiB")
        forms[path.stem] = data
    return forms


def load_registry(directory: Path) -> FormRegistry:
    """Parse every form of ``directory``; the first broken file raises, naming itself."""
    files = read_form_files(directory)
    forms = {key: form_def(data, key) for key, data in files.items()}
    return FormRegistry(directory, forms, files)


_parsed: dict[str, FormDef] = {}


def form_def(data: bytes, key: str = "?") -> FormDef:
    """The parsed form for these bytes (cached by content: deployed forms never change)."""
    digest = hashlib.sha256(key.encode() + b"\0" + data).hexdigest()
    found = _parsed.get(digest)
    if found is None:
        if len(_parsed) > 2048:
            _parsed.clear()
        found = _parsed[digest] = parse_form(key, data)
    return found


def schema_of(data: bytes, key: str = "?") -> dict[str, Any]:
    return form_def(data, key).schema


def parse_form(key: str, data: bytes) -> FormDef:
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise FormFileError(f"{key}.json: not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise FormFileError(f"{key}.json: the file must hold a JSON object")
    schema = document.get("schema", {"type": "object"})
    ui = document.get("ui", {})
    if not isinstance(schema, dict) or not isinstance(ui, dict):
        raise FormFileError(f"{key}.json: 'schema' and 'ui' must be objects")
    properties = schema.get("properties", {})
    if not isinstance(properties, dict) or not all(
        isinstance(p, dict) for p in properties.values()
    ):
        raise FormFileError(f"{key}.json: 'schema.properties' must map names to objects")
    required = schema.get("required", [])
    missing = [n for n in required if n not in properties] if isinstance(required, list) else []
    if missing:
        raise FormFileError(f"{key}.json: required field '{missing[0]}' is not in properties")
    fields = {
        name: _field(f"{key}.json", name, spec, name in required, ui)
        for name, spec in properties.items()
    }
    expanded = dict(schema)
    expanded["properties"] = {
        name: expand(f.kind, spec, f.required)
        for (name, spec), f in zip(properties.items(), fields.values(), strict=True)
    }
    try:
        Draft202012Validator.check_schema(expanded)
    except SchemaError as exc:
        raise FormFileError(f"{key}.json: invalid JSON Schema ({exc.message})") from None
    _check_visibility(key, fields)
    return FormDef(
        key=key,
        title=str(document.get("title") or key),
        description=document.get("description"),
        schema=expanded,
        sections=_sections(key, fields, ui),
        title_en=document.get("x-title-en"),
        description_en=document.get("x-description-en"),
    )


def _kind(spec: dict[str, Any], widget: str | None) -> str:
    kind = spec.get("type")
    if "x-optionsFrom" in spec:  # the options are the instance's: one or several of them
        return "multi_enum" if kind == "array" else "enum"
    if "enum" in spec:
        return "enum"
    if kind == "array":
        return "multi_enum" if "enum" in spec.get("items", {}) else "items"
    if kind in ("integer", "number", "boolean"):
        return {"integer": "int", "boolean": "bool"}.get(kind) or (
            "money" if spec.get("x-money") else "decimal"
        )
    fmt = spec.get("format")
    if fmt in ("date", "date-time", "duration"):
        return {"date-time": "datetime"}.get(fmt, fmt)
    if widget == "textarea" or spec.get("maxLength", 0) > 200:
        return "text"
    return "string"


def _field(
    place: str, name: str, spec: dict[str, Any], required: bool, ui: dict[str, Any]
) -> FieldDef:
    where = f"{place}: field '{name}'"
    widget = ui.get("widgets", {}).get(name)
    if widget is not None and widget not in WIDGETS:
        raise FormFileError(f"{where}: unknown widget '{widget}'")
    kind = spec.get("x-type") or _kind(spec, widget)
    if kind not in KINDS:
        raise FormFileError(f"{where}: unknown x-type '{kind}'")
    values = spec.get("enum") or spec.get("items", {}).get("enum") or ()
    options_from = spec.get("x-optionsFrom")
    if options_from is not None and (
        kind not in ("enum", "multi_enum") or values or not isinstance(options_from, str)
    ):
        raise FormFileError(f"{where}: x-optionsFrom names a data list and replaces 'enum'")
    if kind in ("enum", "multi_enum") and not values and not options_from:
        raise FormFileError(f"{where}: an option list needs at least one value")
    labels, labels_en = spec.get("x-labels", {}), spec.get("x-labels-en", {})
    accept = tuple(spec.get("x-accept", DEFAULT_ACCEPT.get(kind, ())))
    unknown = [t for t in accept if t not in KNOWN_TYPES]
    if unknown:
        raise FormFileError(f"{where}: cannot check uploads of type '{unknown[0]}'")
    max_bytes = int(spec.get("x-maxBytes", DEFAULT_UPLOAD_BYTES if kind in UPLOAD_KINDS else 0))
    if max_bytes > MAX_UPLOAD_BYTES:
        raise FormFileError(f"{where}: x-maxBytes above {MAX_UPLOAD_BYTES} bytes")
    if kind == "process_ref" and not spec.get("x-process"):
        raise FormFileError(f"{where}: a process reference needs 'x-process'")
    if widget == "month" and kind != "string":
        raise FormFileError(f"{where}: the month widget is for a text field (YYYY-MM)")
    return FieldDef(
        name=name,
        kind=kind,
        label=str(spec.get("title") or name),
        label_en=spec.get("x-title-en"),
        help=spec.get("description"),
        required=required,
        options=tuple((v, str(labels.get(str(v), v))) for v in values),
        help_en=spec.get("x-description-en"),
        options_en=tuple((v, str(labels_en.get(str(v)) or labels.get(str(v), v))) for v in values),
        visible_when=_visible_when(where, ui.get("visibleWhen", {}).get(name)),
        columns=_columns(where, spec) if kind == "items" else (),
        accept=accept,
        max_bytes=max_bytes,
        process_key=spec.get("x-process"),
        org_kinds=tuple(spec.get("x-orgKinds", ())),
        require_quorum=bool(spec.get("x-requireQuorum", False)),
        multiline=kind == "text",
        prefill=spec.get("x-prefill"),
        measured_by=spec.get("x-measuredBy"),
        notice_at_least=_notice_period(where, kind, spec.get("x-noticeAtLeast")),
        change_reason=spec.get("x-changeReason"),
        options_from=options_from,
        widget=widget,
        read_only=bool(spec.get("readOnly")),
        **_roster_rule(where, kind, spec),
    )


def _roster_rule(where: str, kind: str, spec: dict[str, Any]) -> dict[str, str | None]:
    """``x-people`` with its ``x-dateFrom``/``x-groupFrom``, a tally's ``x-attendanceFrom`` and
    the excused members a count leaves out (``x-excusedFrom``)."""
    rule = spec.get("x-people")
    if rule is not None and (kind not in PEOPLE_KINDS or rule not in PEOPLE_RULES):
        raise FormFileError(f"{where}: x-people is one of {sorted(PEOPLE_RULES)} on a people field")
    if rule == "group" and not spec.get("x-groupFrom"):
        raise FormFileError(f"{where}: x-people 'group' needs x-groupFrom (the group's field)")
    attendance_from = spec.get("x-attendanceFrom")
    if attendance_from is not None and kind != "vote_tally":
        raise FormFileError(f"{where}: x-attendanceFrom belongs on a vote tally")
    if spec.get("x-excusedFrom") is not None and (
        kind not in ("vote_tally", "attendance") or not rule
    ):
        raise FormFileError(
            f"{where}: x-excusedFrom belongs on a vote tally or attendance with x-people"
        )
    keys = ("x-dateFrom", "x-groupFrom", "x-attendanceFrom", "x-excusedFrom")
    names = {k: spec.get(k) for k in keys}
    if any(v is not None and not isinstance(v, str) for v in names.values()):
        raise FormFileError(f"{where}: {', '.join(keys)} name a field")
    return {
        "people": rule,
        "date_from": names["x-dateFrom"],
        "group_from": names["x-groupFrom"],
        "attendance_from": attendance_from,
        "excused_from": names["x-excusedFrom"],
    }


def _columns(where: str, spec: dict[str, Any]) -> tuple[FieldDef, ...]:
    item = spec.get("items", {})
    properties = item.get("properties") if isinstance(item, dict) else None
    if not isinstance(properties, dict) or not properties:
        raise FormFileError(f"{where}: an item list needs 'items.properties'")
    required = item.get("required", [])
    columns = tuple(
        _field(where, name, column, name in required, {}) for name, column in properties.items()
    )
    if any(c.options_from for c in columns):
        raise FormFileError(f"{where}: a column cannot take its options from the data")
    bad = [c for c in columns if c.kind not in ITEM_COLUMN_KINDS]
    if bad:
        raise FormFileError(f"{where}: column '{bad[0].name}' cannot be of kind '{bad[0].kind}'")
    return columns


def _visible_when(where: str, rule: Any) -> VisibleWhen | None:
    if rule is None:
        return None
    if not isinstance(rule, dict) or "field" not in rule or not ("equals" in rule or "in" in rule):
        raise FormFileError(f"{where}: visibleWhen needs 'field' and 'equals' or 'in'")
    values = tuple(rule["in"]) if "in" in rule else (rule["equals"],)
    return VisibleWhen(field=str(rule["field"]), values=values)


def _check_visibility(form: str, fields: dict[str, FieldDef]) -> None:
    for f in fields.values():
        if bool(f.measured_by) != bool(f.change_reason) or (
            f.change_reason and f.change_reason not in fields
        ):
            raise FormFileError(
                f"{form}.json: '{f.name}' needs x-measuredBy and x-changeReason (a field)"
            )
        rule = f.visible_when
        if rule and (rule.field not in fields or rule.field == f.name):
            raise FormFileError(
                f"{form}.json: visibleWhen of '{f.name}' refers to unknown field '{rule.field}'"
            )


def _sections(form: str, fields: dict[str, FieldDef], ui: dict[str, Any]) -> tuple[Section, ...]:
    declared = ui.get("sections") or [{"title": None, "fields": ui.get("order", [])}]
    placed: list[str] = []
    sections = []
    for section in declared:
        names = section.get("fields", []) if isinstance(section, dict) else None
        if not isinstance(names, list):
            raise FormFileError(f"{form}.json: each section needs a list of 'fields'")
        for name in names:
            if name not in fields:
                raise FormFileError(f"{form}.json: layout names unknown field '{name}'")
            if name in placed:
                raise FormFileError(f"{form}.json: field '{name}' is placed twice")
            placed.append(name)
        sections.append(
            Section(
                section.get("title"), tuple(fields[n] for n in names), section.get("x-title-en")
            )
        )
    rest = tuple(f for n, f in fields.items() if n not in placed)
    if rest:
        sections.append(Section(None, rest))
    return tuple(s for s in sections if s.fields)


def _notice_period(where: str, kind: str, text: Any) -> timedelta | None:
    """``x-noticeAtLeast`` on a date-time: a positive ISO duration (weeks, days, hours, minutes)."""
    if text is None:
        return None
    if kind != "datetime" or not isinstance(text, str):
        raise FormFileError(f"{where}: x-noticeAtLeast is an ISO duration on a date-time field")
    try:
        sign, parts = parse_duration(text)
    except ValueError as bad:
        raise FormFileError(f"{where}: x-noticeAtLeast: {bad}") from None
    if sign < 0 or set(parts) - {"weeks", "days", "hours", "minutes"}:
        raise FormFileError(f"{where}: x-noticeAtLeast counts weeks, days, hours or minutes ahead")
    return timedelta(**parts)
