"""Ledger (台账) definitions: the JSON files of ``ledgers/``, read and checked once.

A ledger is declared as data (``ledgers/README.md`` gives the format) so that a new procedure
adds its ledgers without Python. A broken file is refused with its path and the place inside it,
as forms are; Chinese text without its English is a problem too (the same check as forms).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.formdefs.english import untranslated
from app.formdefs.model import is_english
from app.identity.kinds import OrgKind

#: How a column shows its value; a column without ``show`` takes its kind from the procedure's
#: form (a person's id becomes a name, an option its label), else shows the text.
SHOWS = frozenset(
    {
        "text",
        "date",
        "datetime",
        "person",
        "persons",
        "org",
        "attendance",
        "present",
        "absentees",
        "absent",
        "signature",
        "tally",
        "items",
        "bool",
        "money",
        "attendance_summary",  # the draft's name for "attendance"
    }
)
#: Fields every row has besides the instance's data.
INSTANCE_FIELDS = frozenset({"$procedure", "$status", "$id", "$started", "$ended"})
#: What a row of a ``"rows": "people"`` ledger (the member roster) can show: the identity
#: records of each person on the rolls, not a procedure's answers.
PERSON_FIELDS = frozenset(
    {
        "name",
        "gender",
        "birth_date",
        "ethnicity",
        "employee_no",
        "job_title",
        "party_status",
        "application_date",
        "activist_date",
        "development_target_date",
        "admission_date",
        "full_membership_date",
        "party_group",
        "roles",
    }
)
STATUSES = ("completed", "any")
ORG_KINDS = frozenset(kind.value for kind in OrgKind)
TOP_KEYS = frozenset(
    {
        "title",
        "x-title-en",
        "description",
        "x-description-en",
        "process_keys",
        "org_kinds",
        "date_field",
        "rows",
        "status",
        "columns",
    }
)
COLUMN_KEYS = frozenset({"field", "title", "x-title-en", "show", "match", "value"})


class LedgerFileError(ValueError):
    """A ledger file that cannot be used; the message names the file and the places."""


@dataclass(frozen=True)
class Column:
    #: Where the value is read, in order until one is there: a field of the instance's data,
    #: ``item.<key>`` of the row's item, or an instance field (``$procedure``).
    fields: tuple[str, ...]
    title: str
    title_en: str
    show: str | None = None
    #: Read a list field of the data: the entry whose ``match`` key equals the row item's, its
    #: ``value`` key (the follow-up of a decision, recorded at a later step).
    match: str | None = None
    value: str = "result"

    def title_for(self, locale: str) -> str:
        """The heading; empty where the file gives none (the form's label is used)."""
        return self.title_en if is_english(locale) else self.title


@dataclass(frozen=True)
class LedgerDef:
    key: str
    title: str
    title_en: str
    description: str
    description_en: str
    process_keys: tuple[str, ...]
    org_kinds: tuple[str, ...]
    date_fields: tuple[str, ...]
    #: One row per instance (empty), or per entry of the first of these list fields present.
    item_fields: tuple[str, ...]
    include_running: bool
    columns: tuple[Column, ...]
    #: A row per person on the rolls in the year (``"rows": "people"``), read from the
    #: identity records rather than from procedures' answers.
    people_rows: bool = False
    #: Rows a domain computes (``"rows": {"computed": "<source>"}``, ``computed.py``).
    computed: str | None = None

    def title_for(self, locale: str) -> str:
        return self.title_en if is_english(locale) else self.title

    def description_for(self, locale: str) -> str:
        return self.description_en if is_english(locale) else self.description


def load_ledgers(directory: Path) -> dict[str, LedgerDef]:
    """Every ledger of ``directory``, by key (the file's stem); refuses if any file is broken."""
    ledgers, problems = check_directory(directory)
    if problems:
        raise LedgerFileError("\n".join(problems))
    return ledgers


def check_directory(directory: Path) -> tuple[dict[str, LedgerDef], list[str]]:
    """The ledgers that load, and a line per problem (``ledgers/x.json: columns[2].title: …``)."""
    ledgers: dict[str, LedgerDef] = {}
    problems: list[str] = []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            ledgers[path.stem] = parse_ledger(path.stem, path.read_bytes())
        except LedgerFileError as error:
            problems += [f"{directory.name}/{path.name}: {line}" for line in str(error).split("\n")]
    return ledgers, problems


def parse_ledger(key: str, data: bytes) -> LedgerDef:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LedgerFileError(f"not JSON: {error}") from None
    if not isinstance(document, dict):
        raise LedgerFileError("the file must hold one JSON object")
    problems = _problems(document)
    problems += [f"{place}: Chinese text without its English" for place in untranslated(document)]
    if problems:
        raise LedgerFileError("\n".join(problems))
    rows = document.get("rows", "instance")
    return LedgerDef(
        key=key,
        title=document["title"],
        title_en=document["x-title-en"],
        description=document.get("description", ""),
        description_en=document.get("x-description-en", document.get("description", "")),
        process_keys=tuple(document.get("process_keys", ())),
        org_kinds=tuple(document.get("org_kinds", ["branch"])),
        date_fields=_names(document.get("date_field", ())),
        item_fields=_names(rows["items"]) if isinstance(rows, dict) and "items" in rows else (),
        include_running=document.get("status", "completed") == "any",
        columns=tuple(_column(c) for c in document["columns"]),
        people_rows=rows == "people",
        computed=rows.get("computed") if isinstance(rows, dict) else None,
    )


def _names(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _column(spec: dict[str, Any]) -> Column:
    return Column(
        fields=_names(spec["field"]),
        title=spec.get("title", ""),
        title_en=spec.get("x-title-en", spec.get("title", "")),
        show={"attendance_summary": "attendance"}.get(spec.get("show"), spec.get("show")),
        match=spec.get("match"),
        value=spec.get("value", "result"),
    )


def _problems(doc: dict[str, Any]) -> list[str]:
    if doc.get("rows") == "people":
        return _people_problems(doc)
    problems = [f"{k}: unknown key" for k in doc if k not in TOP_KEYS]
    problems += [
        f"{k}: required"
        for k in ("title", "x-title-en", "process_keys", "date_field")
        if not doc.get(k)
    ]
    problems += _text_problems(doc, "")
    if not _is_names(doc.get("process_keys")):
        problems.append("process_keys: a list of process keys")
    if not _is_names(doc.get("date_field"), single=True):
        problems.append("date_field: a field name or a list of them")
    kinds = doc.get("org_kinds", ["branch"])
    if not _is_names(kinds) or not set(kinds) <= ORG_KINDS:
        problems.append(f"org_kinds: a list of {', '.join(sorted(ORG_KINDS))}")
    if doc.get("status", "completed") not in STATUSES:
        problems.append(f"status: one of {', '.join(STATUSES)}")
    rows = doc.get("rows", "instance")
    items_ok = isinstance(rows, dict) and set(rows) == {"items"} and _is_names(rows["items"], True)
    computed = isinstance(rows, dict) and set(rows) == {"computed"}
    if rows != "instance" and not items_ok and not (computed and _is_names(rows["computed"], True)):
        problems.append(
            'rows: "instance", "people", {"items": <list field(s)>} or {"computed": <source>}'
        )
    columns = doc.get("columns")
    if not isinstance(columns, list) or not columns:
        return [*problems, "columns: a non-empty list"]
    for index, column in enumerate(columns):
        problems += [f"columns[{index}].{p}" for p in _column_problems(column, items_ok)]
    return problems


def _people_problems(doc: dict[str, Any]) -> list[str]:
    """A roster of people: no procedure, no date field; columns name the person's records."""
    problems = [f"{k}: unknown key" for k in doc if k not in TOP_KEYS]
    problems += [
        f"{k}: not for rows of people" for k in ("process_keys", "date_field", "status") if k in doc
    ]
    problems += [f"{k}: required" for k in ("title", "x-title-en") if not doc.get(k)]
    problems += _text_problems(doc, "")
    if doc.get("org_kinds", ["branch"]) != ["branch"]:
        problems.append("org_kinds: rolls are kept by branches only")
    columns = doc.get("columns")
    if not isinstance(columns, list) or not columns:
        return [*problems, "columns: a non-empty list"]
    for index, column in enumerate(columns):
        found = _column_problems(column, by_items=False)
        if not found and column["field"] not in PERSON_FIELDS:
            found = [f"field: one of {', '.join(sorted(PERSON_FIELDS))}"]
        problems += [f"columns[{index}].{p}" for p in found]
    return problems


def _column_problems(column: Any, by_items: bool) -> list[str]:
    if not isinstance(column, dict):
        return ["must be an object"]
    problems = [f"{k}: unknown key" for k in column if k not in COLUMN_KEYS]
    if "title" in column and not column.get("x-title-en"):
        problems.append("x-title-en: required beside title")
    problems += _text_problems(column, "")
    fields = column.get("field")
    if not _is_names(fields, single=True):
        problems.append("field: a field name or a list of them")
    else:
        for name in _names(fields):
            if name.startswith("$") and name not in INSTANCE_FIELDS:
                problems.append(f"field: {name} is none of {', '.join(sorted(INSTANCE_FIELDS))}")
            if name.startswith("item.") and not by_items:
                problems.append(f"field: {name} needs rows by items")
    if column.get("show") is not None and column["show"] not in SHOWS:
        problems.append(f"show: one of {', '.join(sorted(SHOWS))}")
    if column.get("match") is not None and not by_items:
        problems.append("match: needs rows by items")
    return problems


def _text_problems(node: dict[str, Any], where: str) -> list[str]:
    return [
        f"{where}{key}: a text"
        for key in ("title", "x-title-en", "description", "x-description-en")
        if key in node and not isinstance(node[key], str)
    ]


def _is_names(value: Any, single: bool = False) -> bool:
    if single and isinstance(value, str):
        return bool(value)
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value)
