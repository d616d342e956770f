"""Finding process instances for an auditor: by procedure, organisation subtree, state, period,
actor, business key, incident and overdue task, within the subtrees where the auditor holds the
``process_auditor`` role on the day. One statement builds the page, one the counts by procedure."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy import exists
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from app.identity.policy import Scope
from app.workflow import english
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry

AUDITOR_ROLE = "process_auditor"
PAGE_SIZE = 50
MAX_EXPORT_ROWS = 50_000
SORTS = {
    "started": ProcessInstance.started_at,
    "ended": ProcessInstance.ended_at,
    "procedure": ProcessInstance.process_key,
    "steps": ProcessInstance.step_count,
    "id": ProcessInstance.id,
}


def audit_roots(scope: Scope) -> list[str]:
    """The organisation paths under which the user audits (empty: not an auditor)."""
    return sorted({h.org_path for h in scope.holdings if h.role_code == AUDITOR_ROLE})


@dataclass(frozen=True)
class InstanceSearch:
    """What the search form asks; every field optional. Dates are Beijing calendar days."""

    process_key: str = ""
    org_code: str = ""
    status: str = ""
    started_from: date | None = None
    started_to: date | None = None
    actor: str = ""
    business_key: str = ""
    incident: bool = False
    overdue: bool = False
    #: Instances in which a user task of this element came up (analytics links here).
    element: str = ""
    sort: str = "started"
    descending: bool = True
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_args(cls, args: Any) -> InstanceSearch:
        errors: dict[str, str] = {}

        def day(name: str) -> date | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                errors[name] = "date"
                return None

        status = (args.get("status") or "").strip()
        if status and status not in {s.value for s in InstanceStatus}:
            errors["status"] = "status"
            status = ""
        sort = args.get("sort") or "started"
        return cls(
            process_key=(args.get("process") or "").strip()[:100],
            org_code=(args.get("org") or "").strip()[:50],
            status=status,
            started_from=day("from"),
            started_to=day("to"),
            actor=(args.get("actor") or "").strip()[:100],
            business_key=(args.get("key") or "").strip()[:200],
            incident=args.get("incident") == "1",
            overdue=args.get("overdue") == "1",
            element=(args.get("element") or "").strip()[:100],
            sort=sort if sort in SORTS else "started",
            descending=args.get("order", "desc") != "asc",
            errors=errors,
        )

    def as_args(self) -> dict[str, str]:
        """The query-string form of this search (for links to other pages and the export)."""
        values = {
            "process": self.process_key,
            "org": self.org_code,
            "status": self.status,
            "from": self.started_from.isoformat() if self.started_from else "",
            "to": self.started_to.isoformat() if self.started_to else "",
            "actor": self.actor,
            "key": self.business_key,
            "incident": "1" if self.incident else "",
            "overdue": "1" if self.overdue else "",
            "element": self.element,
            "sort": self.sort,
            "order": "desc" if self.descending else "asc",
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class FoundInstance:
    id: int
    process_key: str
    procedure: str
    version: int
    business_key: str | None
    org_name: str
    org_code: str
    status: InstanceStatus
    initiator: str | None
    started_at: datetime
    ended_at: datetime | None
    step_count: int
    open_incidents: int
    overdue_tasks: int


def _overdue(now: datetime) -> Any:
    return (
        select(func.count(HumanTask.id))
        .where(
            HumanTask.instance_id == ProcessInstance.id,
            HumanTask.state == HumanTaskState.READY,
            HumanTask.due_at.is_not(None),
            HumanTask.due_at < now,
        )
        .correlate(ProcessInstance)
        .scalar_subquery()
    )


def _filtered(
    query: Select[Any], search: InstanceSearch, roots: list[str], now: datetime, zone: Any
) -> Select[Any]:
    """``query`` (over instances joined to their organisation) narrowed to the search."""
    if not roots:
        return query.where(false())
    query = query.where(or_(*(OrgUnit.path.startswith(r, autoescape=True) for r in roots)))
    if search.org_code:
        below = select(OrgUnit.path).where(OrgUnit.code == search.org_code).scalar_subquery()
        query = query.where(OrgUnit.path.startswith(below))
    if search.status:
        query = query.where(ProcessInstance.status == InstanceStatus(search.status))
    if search.started_from:
        start = datetime.combine(search.started_from, time(), zone)
        query = query.where(ProcessInstance.started_at >= start)
    if search.started_to:
        end = datetime.combine(search.started_to + timedelta(days=1), time(), zone)
        query = query.where(ProcessInstance.started_at < end)
    if search.business_key:
        query = query.where(
            ProcessInstance.business_key.contains(search.business_key, autoescape=True)
        )
    if search.incident:
        query = query.where(ProcessInstance.open_incidents > 0)
    if search.overdue:
        query = query.where(_overdue(now) > 0)
    if search.element:
        came_up = select(HumanTask.id).where(
            HumanTask.instance_id == ProcessInstance.id, HumanTask.element_id == search.element
        )
        query = query.where(exists(came_up))
    if search.actor:
        acted = (
            select(StepLogEntry.id)
            .join(User, User.id == StepLogEntry.actor_user_id)
            .where(
                StepLogEntry.instance_id == ProcessInstance.id,
                or_(User.login == search.actor, User.display_name == search.actor),
            )
        )
        query = query.where(exists(acted))
    return query


def filtered_instances(
    search: InstanceSearch,
    scope: Scope | None,
    now: datetime,
    zone: Any,
) -> Select[Any]:
    """The ids of the instances the search finds, as a statement to select from or filter by;
    without a scope (the command line, run by whoever runs the server) over the whole tree."""
    roots = audit_roots(scope) if scope is not None else [""]
    base = select(ProcessInstance.id).join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
    base = _filtered(base, search, roots, now, zone)
    if search.process_key:
        base = base.where(ProcessInstance.process_key == search.process_key)
    return base


def search_instances(
    session: Session,
    search: InstanceSearch,
    scope: Scope,
    now: datetime,
    zone: Any,
    *,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> tuple[list[FoundInstance], int]:
    """One page of the instances the search finds (newest first by default) and their number."""
    initiator = select(User.display_name).where(User.id == ProcessInstance.initiator_user_id)
    base = filtered_instances(search, scope, now, zone)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    order = SORTS[search.sort]
    ordering = order.desc() if search.descending else order.asc()
    rows = session.execute(
        select(
            ProcessInstance,
            ProcessDefinition.name,
            ProcessDefinition.version,
            OrgUnit.name,
            OrgUnit.code,
            initiator.scalar_subquery(),
            _overdue(now),
        )
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessInstance.id.in_(base))
        .order_by(ordering, ProcessInstance.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        FoundInstance(
            id=i.id,
            process_key=i.process_key,
            procedure=english.process_name(i.process_key, name),
            version=version,
            business_key=i.business_key,
            org_name=org_name,
            org_code=org_code,
            status=i.status,
            initiator=initiator_name,
            started_at=i.started_at,
            ended_at=i.ended_at,
            step_count=i.step_count,
            open_incidents=i.open_incidents,
            overdue_tasks=overdue or 0,
        )
        for i, name, version, org_name, org_code, initiator_name, overdue in rows
    ], total


def counts_by_procedure(
    session: Session, search: InstanceSearch, scope: Scope, now: datetime, zone: Any
) -> list[tuple[str, str, int]]:
    """(process key, name, number found) for every procedure, the search's own one left open;
    names are the latest version's (later versions overwrite earlier ones in the dict)."""
    query = (
        select(ProcessInstance.process_key, func.count(ProcessInstance.id))
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .group_by(ProcessInstance.process_key)
    )
    counted = session.execute(_filtered(query, search, audit_roots(scope), now, zone)).all()
    keys = [key for key, _n in counted]
    latest = dict(
        session.execute(
            select(ProcessDefinition.process_key, ProcessDefinition.name)
            .where(ProcessDefinition.process_key.in_(keys))
            .order_by(ProcessDefinition.version)
        ).all()
    )
    return sorted(
        ((key, english.process_name(key, latest.get(key, key)), n) for key, n in counted),
        key=lambda row: (-row[2], row[1]),
    )


def auditable_orgs(session: Session, scope: Scope) -> list[tuple[str, str, int]]:
    """(code, name, depth) of the units and branches an auditor may narrow the search to."""
    roots = audit_roots(scope)
    if not roots:
        return []
    rows = session.execute(
        select(OrgUnit.code, OrgUnit.name, OrgUnit.depth, OrgUnit.path)
        .where(or_(*(OrgUnit.path.startswith(r, autoescape=True) for r in roots)))
        .where(OrgUnit.depth <= 3)
        .order_by(OrgUnit.path)
        .limit(2000)
    ).all()
    return [(r.code, r.name, r.depth) for r in rows]


def person_names(session: Session, user_ids: list[int]) -> dict[int, str]:
    """Display names of users (the people's names where the account has a person)."""
    rows = session.execute(
        select(User.id, func.coalesce(Person.name, User.display_name))
        .outerjoin(Person, Person.id == User.person_id)
        .where(User.id.in_(user_ids))
    ).all()
    return dict(rows)
