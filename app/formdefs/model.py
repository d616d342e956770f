"""What a parsed form definition is: its fields, their kinds, sections and visibility rules.

A form file (``forms/<key>.json``) is JSON Schema plus layout hints; ``registry.parse_form`` turns
it into a ``FormDef``. Each field has a *kind* — one of ``KINDS``, the field types of
procedures.yaml — either named by ``x-type`` or read off the schema (string, integer, enum…).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import timedelta
from typing import Any

#: Kinds whose data is a scalar typed into one input.
SCALAR_KINDS = frozenset(
    {
        "string",
        "text",
        "int",
        "decimal",
        "money",
        "bool",
        "date",
        "datetime",
        "duration",
        "enum",
        "multi_enum",
    }
)
#: Kinds that refer to records: people, organisations, uploaded files, other instances.
REFERENCE_KINDS = frozenset({"person", "persons", "org", "file", "files", "photos", "process_ref"})
#: Kinds made of several values with rules of their own.
COMPOSITE_KINDS = frozenset({"signature", "attendance", "vote_tally", "items"})
KINDS = SCALAR_KINDS | REFERENCE_KINDS | COMPOSITE_KINDS
UPLOAD_KINDS = frozenset({"file", "files", "photos"})
#: Whom a people field may name (``x-people``), on the meeting's date: party members of the
#: branch, its full members (who vote), its probationary members, everyone on its rolls who is
#: not a full member (attending without a vote), its committee (holders of the collective
#: ``branch_committee`` role), the party members of one party group; the applicants and the
#: activists and the development targets on its rolls (member development).
PEOPLE_RULES = frozenset(
    {
        "members",
        "full_members",
        "probationary",
        "non_voting",
        "committee",
        "group",
        "applicants",
        "activists",
        "targets",
    }
)
#: A vote tally under a rule counts those entitled to vote from the same roster.
PEOPLE_KINDS = frozenset({"person", "persons", "attendance", "vote_tally"})
#: Kinds an item list's columns may have.
ITEM_COLUMN_KINDS = frozenset(
    {"string", "text", "int", "decimal", "money", "date", "enum", "person"}
)


def is_english(locale: str | None) -> bool:
    """Whether a locale code (``en``, ``en_GB``, ``zh_CN``…) asks for the forms' English."""
    return str(locale or "").split("_")[0].lower() == "en"


@dataclass(frozen=True)
class VisibleWhen:
    """Show a field only while another field has one of some values (``equals`` or ``in``)."""

    field: str
    values: tuple[Any, ...]

    def holds(self, data: dict[str, Any]) -> bool:
        return data.get(self.field) in self.values


@dataclass(frozen=True)
class FieldDef:
    name: str
    kind: str
    label: str
    label_en: str | None
    help: str | None
    required: bool
    options: tuple[tuple[Any, str], ...] = ()
    #: The English of ``help`` (``x-description-en``) and of the options' labels
    #: (``x-labels-en``, by the same values; a label not given stays as it is).
    help_en: str | None = None
    options_en: tuple[tuple[Any, str], ...] = ()
    visible_when: VisibleWhen | None = None
    #: Item lists: the columns of one item.
    columns: tuple[FieldDef, ...] = ()
    #: Uploads: accepted media types and the largest size in bytes.
    accept: tuple[str, ...] = ()
    max_bytes: int = 0
    #: Process references: the process key the reference must point at.
    process_key: str | None = None
    #: Organisation pickers: the kinds of organisation offered.
    org_kinds: tuple[str, ...] = ()
    #: Attendance: whether a meeting without a quorum is refused (else only shown).
    require_quorum: bool = False
    multiline: bool = False
    #: Start from this earlier answer (or start data) of the same instance (an item list: matching
    #: columns).
    prefill: str | None = None
    #: A value the system measured (a name in the instance's data): answering otherwise needs the
    #: reason given in the field ``change_reason``.
    measured_by: str | None = None
    #: Date-times: the answer must be at least this long after the submission (a notice period,
    #: ``x-noticeAtLeast``, e.g. the committee is told of a meeting at least a day before).
    notice_at_least: timedelta | None = None
    change_reason: str | None = None
    #: Enums whose options the instance's data holds (``x-optionsFrom``): a list of
    #: ``{"value", "label"}`` under this name; ``options`` stays empty until
    #: ``options.with_data_options`` fills it in for an instance.
    options_from: str | None = None
    #: People fields: whom the picker offers and the server accepts, read from the records on
    #: the meeting's date (``x-people``, one of ``PEOPLE_RULES``; None: anyone on the rolls).
    people: str | None = None
    #: The earlier answer holding the meeting's date or time (``x-dateFrom``); else today. A
    #: month field starts at that date's month (or this form's own field of that name, as typed).
    date_from: str | None = None
    #: The earlier answer naming the party group, for ``x-people: group`` (``x-groupFrom``).
    group_from: str | None = None
    #: Vote tallies: the attendance answer whose entitled and present counts the tally takes
    #: (``x-attendanceFrom``), instead of counts typed beside it.
    attendance_from: str | None = None
    #: Vote tallies and attendance under a rule: the answer (this form's or an earlier one) naming
    #: the members excused with the upper committee's approval (``x-excusedFrom``), who leave the
    #: count of those entitled (``app.workflow.voting``).
    excused_from: str | None = None
    #: How the field is typed when its kind allows several ways (``ui.widgets``): ``month`` is a
    #: month picker for a ``YYYY-MM`` text.
    widget: str | None = None
    #: Shown but not typed (JSON Schema ``readOnly``): a value the system prepared, such as the
    #: dues a member owes from the published sheet. The page shows it read-only; the procedure's
    #: own check refuses a changed value (a browser is never trusted to keep it).
    read_only: bool = False

    @property
    def multiple(self) -> bool:
        return self.kind in ("persons", "files", "photos", "multi_enum")

    def label_for(self, locale: str) -> str:
        return self.label_en if is_english(locale) and self.label_en else self.label

    def in_language(self, locale: str) -> FieldDef:
        """This field as a reader in ``locale`` sees it: label, help, option labels and columns
        in English where the form gives them, else as written (Chinese)."""
        if not is_english(locale):
            return self
        return replace(
            self,
            label=self.label_for(locale),
            help=self.help_en or self.help,
            options=self.options_en or self.options,
            columns=tuple(c.in_language(locale) for c in self.columns),
        )


@dataclass(frozen=True)
class Section:
    title: str | None
    fields: tuple[FieldDef, ...]
    title_en: str | None = None

    def in_language(self, locale: str) -> Section:
        if not is_english(locale):
            return self
        return replace(
            self,
            title=self.title_en or self.title,
            fields=tuple(f.in_language(locale) for f in self.fields),
        )


@dataclass(frozen=True)
class FormDef:
    key: str
    title: str
    #: The JSON Schema the server validates against, with every ``x-type`` expanded.
    schema: dict[str, Any] = field(repr=False, hash=False, compare=False)
    sections: tuple[Section, ...]
    description: str | None = None
    title_en: str | None = None
    description_en: str | None = None
    #: The English copy, made once per form (forms never change; a page asks on every request).
    _english: list[FormDef] = field(
        default_factory=list, init=False, repr=False, compare=False, hash=False
    )

    def in_language(self, locale: str) -> FormDef:
        """The form in the reader's language: English texts (``x-*-en``) when ``locale`` is
        English, the form itself otherwise. The schema, names and values stay the same."""
        if not is_english(locale):
            return self
        if not self._english:
            self._english.append(
                replace(
                    self,
                    title=self.title_en or self.title,
                    description=self.description_en or self.description,
                    sections=tuple(s.in_language(locale) for s in self.sections),
                )
            )
        return self._english[0]

    @property
    def fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def find(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def has_uploads(self) -> bool:
        return any(f.kind in UPLOAD_KINDS for f in self.fields)

    def hidden_fields(self, data: dict[str, Any]) -> set[str]:
        """Fields whose visibility rule does not hold for ``data`` (not shown, not kept)."""
        return {f.name for f in self.fields if f.visible_when and not f.visible_when.holds(data)}


def people_in(fields: Iterable[FieldDef], data: dict[str, Any]) -> set[int]:
    """The ids of the people ``data`` names in these fields (pickers, attendance, item columns):
    what a page reading the data looks up to show names."""
    found: set[int] = set()
    for f in fields:
        value = data.get(f.name)
        if f.kind == "person" and isinstance(value, int):
            found.add(value)
        elif f.kind == "persons" and isinstance(value, list):
            found |= {v for v in value if isinstance(v, int)}
        elif f.kind == "attendance" and isinstance(value, dict):
            found |= {v for v in value.get("present", []) if isinstance(v, int)}
        elif f.kind == "items" and isinstance(value, list):
            columns = [c.name for c in f.columns if c.kind == "person"]
            found |= {
                item[c]
                for item in value
                if isinstance(item, dict)
                for c in columns
                if isinstance(item.get(c), int)
            }
    return found
