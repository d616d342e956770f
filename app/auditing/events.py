"""The audit trail as an auditor reads it: administrative events (role grants and revocations,
account changes, organisation changes, rubric versions, process publications …) and every other
recorded event, filtered by kind, period, actor and organisation, newest first.

An event tied to an organisation is shown to auditors of that organisation's subtree; an event
tied to none (a process published, a rubric version) only to those who audit the whole tree."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit import AuditEvent
from app.identity.models import OrgUnit

#: The administrative events, by name (the rest are shown under their recorded type).
ADMINISTRATIVE = {
    "role_granted": _l("Role granted"),
    "role_revoked": _l("Role revoked"),
    "role_ended": _l("Role ended by an election"),
    "committee_term_set": _l("Committee term set by an election"),
    "user_created": _l("Account created"),
    "user_deactivated": _l("Account deactivated"),
    "user_reactivated": _l("Account reactivated"),
    "password_changed": _l("Password changed"),
    "api_token_created": _l("API token created"),
    "api_token_revoked": _l("API token revoked"),
    "org_unit_created": _l("Organisation created"),
    "org_unit_updated": _l("Organisation changed"),
    "party_status_changed": _l("Party status changed"),
    "member_transferred": _l("Membership transferred"),
    "rubric_published": _l("Rubric version published"),
    "definition_deployed": _l("Process version published"),
    "model_publish_requested": _l("Model publication requested"),
    "model_publish_rejected": _l("Model publication rejected"),
    "model_published": _l("Model published from the designer"),
    "audit_anchor_taken": _l("Chains anchored"),
}
PAGE_SIZE = 50


@dataclass(frozen=True)
class EventSearch:
    kind: str = "administrative"  # administrative | all | an event type
    since: date | None = None
    until: date | None = None
    actor: str = ""

    @classmethod
    def from_args(cls, args: Any) -> EventSearch:
        def day(name: str) -> date | None:
            try:
                return date.fromisoformat((args.get(name) or "").strip())
            except ValueError:
                return None

        return cls(
            kind=(args.get("kind") or "administrative").strip()[:64],
            since=day("from"),
            until=day("to"),
            actor=(args.get("actor") or "").strip()[:64],
        )

    def as_args(self) -> dict[str, str]:
        values = {
            "kind": self.kind,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "actor": self.actor,
        }
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class ShownEvent:
    seq: int
    occurred_at: datetime
    actor: str
    kind: str
    label: str
    subject: str
    org_name: str | None
    details: list[tuple[str, str]]


def find_events(
    session: Session, search: EventSearch, roots: list[str], zone: Any, offset: int = 0
) -> tuple[list[ShownEvent], int]:
    """One page of the events the search finds within the auditor's subtrees, and their number."""
    query = select(AuditEvent, OrgUnit.name).outerjoin(
        OrgUnit, OrgUnit.id == AuditEvent.org_unit_id
    )
    within = [OrgUnit.path.startswith(r, autoescape=True) for r in roots]
    whole_tree = any(r.count("/") <= 2 for r in roots)  # the company's own path
    query = query.where(
        or_(*within, AuditEvent.org_unit_id.is_(None)) if whole_tree else or_(*within)
    )
    if search.kind == "administrative":
        query = query.where(AuditEvent.event_type.in_(ADMINISTRATIVE))
    elif search.kind != "all":
        query = query.where(AuditEvent.event_type == search.kind)
    if search.since:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(search.since, time(), zone))
    if search.until:
        end = datetime.combine(search.until + timedelta(days=1), time(), zone)
        query = query.where(AuditEvent.occurred_at < end)
    if search.actor:
        query = query.where(AuditEvent.actor_login == search.actor)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(AuditEvent.seq.desc()).limit(PAGE_SIZE).offset(offset)
    ).all()
    return [_shown(event, org_name) for event, org_name in rows], total


def event_kinds(session: Session) -> list[str]:
    return list(
        session.scalars(select(AuditEvent.event_type).distinct().order_by(AuditEvent.event_type))
    )


def _shown(event: AuditEvent, org_name: str | None) -> ShownEvent:
    payload = json.loads(event.payload or "{}")
    details = [
        (str(key), value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in (payload.items() if isinstance(payload, dict) else [])
    ]
    subject = f"{event.subject_type or ''} {event.subject_id or ''}".strip()
    label = ADMINISTRATIVE.get(event.event_type)
    return ShownEvent(
        event.seq,
        event.occurred_at,
        event.actor_login,
        event.event_type,
        str(label) if label else event.event_type,
        subject,
        org_name,
        details,
    )
