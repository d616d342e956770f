"""What the pickers of a form offer: the people of the instance's branch, the organisations the
user can see, earlier instances of a procedure. The same queries decide what the server accepts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.policy import Scope
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance

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
