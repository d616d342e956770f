"""Steps of a committee election shared by the election's scenario tests: a demo branch whose
term ends within two months, and each step completed through the commands."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.branches.election_alert import start_due_elections
from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries import active_on
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.plugins.demo import open_task

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = date(2026, 11, 23)
ASSEMBLY_AT = "2026-11-23T15:00:00+08:00"


def term_ends(branch_id: int, term_end: date) -> None:
    """A precondition: the branch's committee term ends on ``term_end``."""
    db.session.rollback()
    branch = db.session.get(OrgUnit, branch_id)
    branch.term_start = date(term_end.year - 3, term_end.month, term_end.day)
    branch.term_end = term_end
    db.session.commit()


def alerted(branch_id: int) -> list[int]:
    """Run the expiry alert; the branch's election instances."""
    run(start_due_elections, actor=SYSTEM)
    db.session.rollback()
    return list(
        db.session.scalars(
            select(ProcessInstance.id).where(
                ProcessInstance.process_key == "branch_committee_election",
                ProcessInstance.org_unit_id == branch_id,
            )
        )
    )


def document(actor, instance_id: int, field: str) -> dict:
    """An uploaded PDF for the open task's file field ``field``."""
    return run(
        store_uploads,
        actor=actor,
        task_id=open_task(instance_id).id,
        uploads=[Upload(field, "材料.pdf", PDF)],
    )[field][0]


def logins(role: str, branch: OrgUnit, day: date = TODAY) -> list[str]:
    """Who holds ``role`` at the branch itself on ``day``."""
    db.session.rollback()
    return sorted(
        db.session.scalars(
            select(User.login)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role_code == role,
                RoleAssignment.org_unit_id == branch.id,
                active_on(day),
            )
        )
    )


def user_of(person_id: int) -> User:
    return db.session.scalars(select(User).where(User.person_id == person_id)).one()


def ballots(votes: dict[int, int]) -> list[dict]:
    return [{"candidate": c, "votes": v} for c, v in votes.items()]
