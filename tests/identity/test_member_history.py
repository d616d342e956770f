"""A person's party status and branch change by dated record (identity commands/members.py), and
the roster and status can be read for any day (queries/members.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.commands.members import change_party_status
from app.identity.commands.members import transfer_member
from app.identity.kinds import PartyStatus
from app.identity.models import BranchTransfer
from app.identity.models import OrgUnit
from app.identity.models import PartyStatusChange
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.queries.members import branch_on
from app.identity.queries.members import members_of
from app.identity.queries.members import party_status_on
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_tree
from tests.factories import make_user


@pytest.fixture
def tree(app):
    return make_tree()


def _branch(code: str) -> OrgUnit:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def _change(person_id: int, to: str, day: date, reason: str = "支部大会决议") -> int:
    return run(
        change_party_status,
        actor=SYSTEM,
        person_id=person_id,
        to_status=to,
        effective_on=day,
        reason=reason,
        instance_id=1,
    )


def test_a_probationary_member_becomes_full_and_the_earlier_day_still_reads_probationary(tree):
    person_id = make_person("赵预备", tree.branch1, PartyStatus.PROBATIONARY)
    _change(person_id, "full", date(2026, 10, 1))
    person = db.session.get(Person, person_id)
    assert person.party_status is PartyStatus.FULL
    assert person.full_membership_date == date(2026, 10, 1)
    assert party_status_on(db.session, person, date(2026, 9, 30)) is PartyStatus.PROBATIONARY
    assert party_status_on(db.session, person, date(2026, 10, 1)) is PartyStatus.FULL


@pytest.mark.parametrize(
    ("status", "to", "day", "field"),
    [
        (PartyStatus.ACTIVIST, "full", date(2026, 10, 1), "to_status"),  # skips three steps
        (PartyStatus.FULL, "probationary", date(2026, 10, 1), "to_status"),  # backwards
        (PartyStatus.ACTIVIST, "member", date(2026, 10, 1), "to_status"),  # no such status
        (PartyStatus.ACTIVIST, "development_target", date(2027, 1, 1), "effective_on"),  # future
    ],
)
def test_a_change_the_rules_do_not_allow_is_refused_and_changes_nothing(
    tree, status, to, day, field
):
    person_id = make_person("钱积极", tree.branch1, status)
    with pytest.raises(ValidationFailed) as refused:
        _change(person_id, to, day)
    assert field in refused.value.field_errors
    assert db.session.get(Person, person_id).party_status is status
    assert db.session.scalars(select(PartyStatusChange)).all() == []


def test_history_is_added_at_its_end_never_before_the_last_change(tree):
    person_id = make_person("孙预备", tree.branch1, PartyStatus.PROBATIONARY)
    _change(person_id, "probationary", date(2026, 9, 1), "延长预备期一年")  # extension
    with pytest.raises(ValidationFailed) as refused:
        _change(person_id, "full", date(2026, 8, 1))
    assert "effective_on" in refused.value.field_errors


def test_a_transfer_moves_the_member_and_ends_the_old_branchs_roles_the_day_before(tree):
    person_id = make_person("李转出", tree.branch1)
    make_user("li", person_id=person_id)
    grant("li", "branch_committee", tree.branch1, valid_from=date(2025, 1, 1))
    grant("li", "org_member", tree.branch1)  # from today, after the transfer took effect
    run(
        transfer_member,
        actor=SYSTEM,
        person_id=person_id,
        to_branch_code=tree.branch2,
        effective_on=date(2026, 11, 1),
        reason="工作调动",
        instance_id=1,
    )
    person = db.session.get(Person, person_id)
    b1, b2 = _branch(tree.branch1), _branch(tree.branch2)
    assert person.branch_id == b2.id
    assert branch_on(db.session, person, date(2026, 10, 31)) == b1.id
    assert person_id in [p.id for p in members_of(db.session, b1.id, date(2026, 10, 31))]
    assert person_id not in [p.id for p in members_of(db.session, b1.id, date(2026, 11, 1))]
    assert person_id in [p.id for p in members_of(db.session, b2.id, date(2026, 11, 1))]
    roles = {r.role_code: r for r in db.session.scalars(select(RoleAssignment))}
    assert roles["branch_committee"].valid_to == date(2026, 10, 31)
    assert roles["org_member"].revoked_at is not None


@pytest.mark.parametrize("target", ["U1-B1", "U1", "NOPE"])
def test_a_transfer_to_the_same_branch_or_to_no_branch_is_refused(tree, target):
    person_id = make_person("周留下", tree.branch1)
    with pytest.raises(ValidationFailed) as refused:
        run(
            transfer_member,
            actor=SYSTEM,
            person_id=person_id,
            to_branch_code=target,
            effective_on=date(2026, 11, 1),
            reason="工作调动",
        )
    assert "to_branch" in refused.value.field_errors
    assert db.session.scalars(select(BranchTransfer)).all() == []
    assert db.session.get(Person, person_id).branch_id == _branch(tree.branch1).id


def test_by_hand_only_an_administrator_of_the_branch_may_record_a_change(tree):
    person_id = make_person("吴党员", tree.branch1, PartyStatus.PROBATIONARY)
    user_id = make_user("nobody")
    with pytest.raises(NotFound):
        run(
            change_party_status,
            actor=Actor(user_id=user_id, login="nobody", source="test"),
            person_id=person_id,
            to_status="full",
            effective_on=date(2026, 10, 1),
            reason="支部大会决议",
        )
    assert db.session.get(Person, person_id).party_status is PartyStatus.PROBATIONARY
