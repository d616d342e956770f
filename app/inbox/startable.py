"""The start page's question: which processes may this person start by hand, and for which
organisations (the lanes of each process's start events, against the roles held today)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.identity import catalogue
from app.identity.models import OrgUnit
from app.identity.queries import list_holdings
from app.workflow import english
from app.workflow.queries import latest_definitions_query


@dataclass(frozen=True)
class Startable:
    process_key: str
    name: str
    version: int
    orgs: tuple[tuple[str, str], ...]  # (code, name) where the user may start it
    description: str = ""


def list_startable(session: Session, user_id: int, day: date) -> list[Startable]:
    """The processes the user may start by hand, each with the organisations to start it for."""
    holdings = list_holdings(session, user_id, day)
    startable = []
    for definition in session.scalars(latest_definitions_query()):
        starters = set(json.loads(definition.starter_roles_json))
        orgs: dict[str, str] = {}
        for holding in holdings:
            if holding.role_code not in starters:
                continue
            role = catalogue.get_role(holding.role_code)
            if role is not None and role.tier == "group":
                parent = session.get(OrgUnit, session.get(OrgUnit, holding.org_id).parent_id)
                orgs[parent.code] = parent.name
            else:
                orgs[holding.org_code] = holding.org_name
        if orgs:
            startable.append(
                Startable(
                    definition.process_key,
                    english.process_name(definition.process_key, definition.name),
                    definition.version,
                    tuple(sorted(orgs.items())),
                    english.process_description(definition.process_key, definition.description),
                )
            )
    return startable
