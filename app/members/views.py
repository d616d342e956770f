"""The development dossiers: the people in development at the branches a user reads (applicants,
activists, development targets, probationary members), each person's dossier of the 25 steps and
its A4 print view. Scope is checked on every request (``dossier.readable_person``): a person of
another branch is "not found"."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask_babel import get_locale
from sqlalchemy import select

from app.core import clock
from app.core.errors import NotFound
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.session import current_scope
from app.members.development_defects import person_defects
from app.members.dossier import DOSSIER_READERS
from app.members.dossier import dossier_rows
from app.members.dossier import key_dates
from app.members.dossier import readable_person

bp = Blueprint("members", __name__, url_prefix="/members")

IN_DEVELOPMENT = (
    PartyStatus.APPLICANT,
    PartyStatus.ACTIVIST,
    PartyStatus.DEVELOPMENT_TARGET,
    PartyStatus.PROBATIONARY,
)


@bp.get("/development")
def development() -> str:
    """The people in development at the branches whose dossiers the user reads, by branch."""
    roots = sorted({h.org_path for h in current_scope().holdings if h.role_code in DOSSIER_READERS})
    if not roots:
        raise NotFound()
    people = [
        (person, branch)
        for person, branch in db.session.execute(
            select(Person, OrgUnit)
            .join(OrgUnit, OrgUnit.id == Person.branch_id)
            .where(Person.party_status.in_(IN_DEVELOPMENT))
            .order_by(OrgUnit.path, Person.name)
            .limit(500)
        )
        if any(branch.path.startswith(root) for root in roots)
    ]
    return render_template("members/development.html", people=people)


def _dossier(person_id: int) -> dict:
    person = readable_person(db.session, current_scope(), person_id)
    return {
        "person": person,
        "rows": dossier_rows(db.session, person),
        "defects": person_defects(db.session, person),
        "key_dates": key_dates(person),
        "locale": str(get_locale() or "zh"),
    }


@bp.get("/<int:person_id>/dossier")
def dossier(person_id: int) -> str:
    return render_template("members/dossier.html", **_dossier(person_id))


@bp.get("/<int:person_id>/dossier/print")
def dossier_print(person_id: int) -> str:
    return render_template(
        "members/dossier_print.html", printed_at=clock.now(), **_dossier(person_id)
    )
