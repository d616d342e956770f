"""Minimal valid answers to a form, for a dry run (``dry_run.py``) that has no person to type them.

Only required fields are answered (a dry run should not invent what nobody must say), each with
the smallest value its schema accepts: the first option, the minimum number, today's date, a
meeting a week ahead, the people the field's roster rule offers at the organisation on that day,
a placeholder upload (when the caller can make one). What cannot be made up — a signature when
nobody signs, an instance to refer to — is left out and named, so that the designer gives it in
the sample data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.core.clock import local_zone
from app.formdefs.model import UPLOAD_KINDS
from app.formdefs.model import FieldDef
from app.formdefs.model import FormDef
from app.identity.models import OrgUnit
from app.workflow import form_options
from app.workflow import roster

FILLER = "试运行示例内容（dry run sample）"
#: Kinds nobody can answer without a record made elsewhere (an upload, a signature, an instance).
UNINVENTABLE = frozenset({"file", "files", "photos", "signature", "process_ref"})


@dataclass
class SampleAnswers:
    data: dict[str, Any] = field(default_factory=dict)
    #: Required fields left unanswered (the designer gives them in the sample data).
    missing: list[str] = field(default_factory=list)


def sample_answers(
    session: Session,
    form: FormDef,
    org: OrgUnit,
    answers: dict[str, Any],
    now: datetime,
    *,
    signer: bool = False,
    sample_file: Callable[[FieldDef], int] | None = None,
) -> SampleAnswers:
    """Answers to the required fields of ``form`` for an instance at ``org`` whose data so far
    is ``answers``, as if submitted at ``now`` — by a person (``signer``: a signature is theirs,
    stamped by the server) or by nobody in particular. ``sample_file`` makes a placeholder upload
    for a file field and gives its id (a dry run's, rolled back with it)."""
    result = SampleAnswers()
    required = set(form.schema.get("required", ()))
    maker = _Maker(session, org, answers, now)
    for f in form.fields:
        if f.name not in required:
            continue
        if f.kind == "signature" and signer:
            result.data[f.name] = True
            continue
        if f.kind in UPLOAD_KINDS and sample_file is not None:
            upload = {"id": sample_file(f)}
            result.data[f.name] = upload if f.kind == "file" else [upload]
            continue
        if f.kind in UNINVENTABLE:
            result.missing.append(f.name)
            continue
        spec = form.schema.get("properties", {}).get(f.name, {})
        result.data[f.name] = maker.value(f, spec)
    return result


class _Maker:
    def __init__(
        self, session: Session, org: OrgUnit, answers: dict[str, Any], now: datetime
    ) -> None:
        self.session, self.org, self.answers, self.now = session, org, answers, now

    def value(self, f: FieldDef, spec: dict[str, Any]) -> Any:
        kind = f.kind
        if f.options and kind in ("enum", "string", "int"):
            return f.options[0][0]
        if kind == "multi_enum":
            return [f.options[0][0]] if f.options else []
        if kind in ("person", "persons", "attendance", "vote_tally"):
            return self._people_value(f)
        if kind == "items":
            return [self._item(f, spec)]
        if kind == "org":
            return self.org.id
        return _scalar(kind, f, spec, self.now)

    def _people(self, f: FieldDef) -> list[int]:
        question = roster.question_for(f, self.org, self.answers, self.now)
        if question is not None:
            options = roster.roster_options(self.session, question)
        else:
            options = form_options.people_of(self.session, self.org)
        return [o.value for o in options]

    def _people_value(self, f: FieldDef) -> Any:
        people = self._people(f)
        if f.kind == "person":
            return people[0] if people else None
        if f.kind == "persons":
            return people[:1]
        count = max(len(people), 1)
        if f.kind == "attendance":
            return {"entitled": count, "present": people, "quorum_met": True}
        return {
            "eligible": count,
            "present": count,
            "for": count,
            "against": 0,
            "abstain": 0,
            "invalid": 0,
            "passed": True,
        }

    def _item(self, f: FieldDef, spec: dict[str, Any]) -> dict[str, Any]:
        item_spec = spec.get("items", {})
        required = set(item_spec.get("required", ()))
        columns = item_spec.get("properties", {})
        return {
            column.name: self.value(column, columns.get(column.name, {}))
            for column in f.columns
            if column.name in required
        }


def _scalar(kind: str, f: FieldDef, spec: dict[str, Any], now: datetime) -> Any:
    local = now.astimezone(local_zone())
    if kind == "bool":
        return True
    if kind in ("int", "decimal", "money"):
        low = spec.get("minimum", spec.get("exclusiveMinimum", 0))
        number = max(low, 1) if "exclusiveMinimum" not in spec else low + 1
        return min(number, spec.get("maximum", number))
    if kind == "date" or spec.get("format") == "date":
        return local.date().isoformat()
    if kind == "datetime" or spec.get("format") == "date-time":
        # A week ahead, at nine: later than any notice period a meeting form asks for.
        ahead = (local + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
        return ahead.isoformat()
    if kind == "duration":
        return "P1D"
    if f.widget == "month":
        return local.strftime("%Y-%m")
    text = FILLER
    while len(text) < spec.get("minLength", 0):
        text += FILLER
    return text[: spec.get("maxLength", len(text))]
