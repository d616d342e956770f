"""What the pickers of a form offer: the people of the instance's branch, the organisations the
user can see, earlier instances of a procedure, the options the instance's data lists. The same
queries decide what the server accepts."""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.formdefs.model import FormDef
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.policy import Scope
from app.workflow.engine_access import runtime
from app.workflow.engine_access import specs_for
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers

MAX_OPTIONS = 2000


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    detail: str = ""


def members_org(session: Session, org: OrgUnit) -> OrgUnit:
    """Whose members a picker offers: a party group's instance picks from its whole branch."""
    if org.kind is OrgKind.PARTY_GROUP and org.parent_id is not None:
        return session.get(OrgUnit, org.parent_id)
    return org


def people_of(session: Session, org: OrgUnit) -> list[Option]:
    """Everyone on the rolls of ``org``'s branch (or of the branches below a unit), by name."""
    within = members_org(session, org)
    rows = session.execute(
        select(Person.id, Person.name, Person.job_title, Person.party_status)
        .join(OrgUnit, OrgUnit.id == Person.branch_id)
        .where(OrgUnit.path.startswith(within.path, autoescape=True))
        .order_by(Person.name, Person.id)
        .limit(MAX_OPTIONS)
    )
    return [Option(r.id, r.name, r.job_title or "") for r in rows]


def orgs_for(session: Session, scope: Scope, kinds: tuple[str, ...]) -> list[Option]:
    """The organisations the user can see, optionally only some kinds, in tree order."""
    query = select(OrgUnit.id, OrgUnit.name, OrgUnit.code, OrgUnit.path).order_by(OrgUnit.path)
    if kinds:
        query = query.where(OrgUnit.kind.in_([OrgKind(k) for k in kinds]))
    rows = session.execute(query.limit(MAX_OPTIONS * 10))
    return [Option(r.id, r.name, r.code) for r in rows if scope.sees(r.path)][:MAX_OPTIONS]


def instances_of(session: Session, org_id: int, process_key: str) -> list[Option]:
    """Completed instances of a procedure at the same organisation, newest first."""
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.ended_at)
        .where(
            ProcessInstance.org_unit_id == org_id,
            ProcessInstance.process_key == process_key,
            ProcessInstance.status == InstanceStatus.COMPLETED,
        )
        .order_by(ProcessInstance.id.desc())
        .limit(200)
    )
    return [
        Option(r.id, f"#{r.id} {r.business_key or ''}".strip(), str(r.ended_at or "")) for r in rows
    ]


# -- options the instance's data lists (x-optionsFrom) --------------------------------------------


def instance_data(session: Session, instance_id: int) -> dict[str, Any]:
    """The data an ``x-optionsFrom`` field reads: the start data and the answers so far, overlaid
    with the data of the instance's open tasks — which holds what its scripts computed (a list of
    the options left after an earlier choice, say)."""
    data = earlier_answers(session, instance_id)
    open_tasks = list(
        session.scalars(
            select(HumanTask.task_uuid).where(
                HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
            )
        )
    )
    row = session.get(ProcessInstance, instance_id)
    if row is None or not open_tasks:
        return data
    definition = session.get(ProcessDefinition, row.definition_id)
    instance = runtime().load(
        specs_for(definition.process_key, definition.content_hash, lambda: definition.spec_json),
        row.state_json,
    )
    for task_uuid in open_tasks:
        try:
            data.update(instance.task_data(task_uuid))
        except KeyError:  # the engine no longer has it ready (a stale row): nothing to read
            continue
    return data


def is_option_value(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def data_options(
    data: dict[str, Any], name: str, english: bool = False
) -> tuple[tuple[Any, str], ...]:
    """(value, label) of each ``{"value", "label"}`` entry listed under ``name`` (``english``: its
    ``label_en`` where it has one); entries of any other shape are not offered (nor accepted)."""
    entries = data.get(name)
    if not isinstance(entries, list):
        return ()
    wanted = "label_en" if english else "label"
    return tuple(
        (e["value"], str(e.get(wanted) or e.get("label") or e["value"]))
        for e in entries[:MAX_OPTIONS]
        if isinstance(e, dict) and is_option_value(e.get("value"))
    )


def with_data_options(form: FormDef, data: dict[str, Any]) -> FormDef:
    """``form`` with each ``x-optionsFrom`` field's options taken from ``data``, and its schema
    naming them as ``enum`` (what the API shows); the form itself when it has no such field."""
    if not any(f.options_from for f in form.fields):
        return form
    schema = copy.deepcopy(form.schema)
    sections = []
    for section in form.sections:
        fields = []
        for f in section.fields:
            if f.options_from:
                f = dataclasses.replace(
                    f,
                    options=data_options(data, f.options_from),
                    options_en=data_options(data, f.options_from, english=True),
                )
                _name_enum(schema["properties"][f.name], f.kind, [v for v, _ in f.options])
            fields.append(f)
        sections.append(dataclasses.replace(section, fields=tuple(fields)))
    return dataclasses.replace(form, schema=schema, sections=tuple(sections))


def form_for_instance(session: Session, form: FormDef, instance_id: int) -> FormDef:
    """``form`` as a task of this instance shows it: data options filled in (read if needed)."""
    if not any(f.options_from for f in form.fields):
        return form
    return with_data_options(form, instance_data(session, instance_id))


def _name_enum(spec: dict[str, Any], kind: str, values: list[Any]) -> None:
    target = spec.setdefault("items", {}) if kind == "multi_enum" else spec
    # An empty list would make the schema invalid: nothing offered, nothing valid.
    target["enum"] = values or [None]
