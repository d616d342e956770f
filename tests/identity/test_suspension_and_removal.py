"""A full member lost for six months is suspended (停止党籍), restored when found or removed after
two years; a member persuaded to leave or struck off is removed (《党员教育管理工作条例》第二十四、
三十一条). The statuses are dated like the others (identity commands/members.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.commands.members import change_party_status
from app.identity.kinds import PartyStatus
from app.identity.models import PartyStatusChange
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.queries.members import party_status_on
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_tree
from tests.factories import make_user


@pytest.fixture
def tree(app):
    return make_tree()


def _change(person_id: int, to: str, day: date) -> int:
    return run(
        change_party_status,
        actor=SYSTEM,
        person_id=person_id,
        to_status=to,
        effective_on=day,
        reason="上级党委批复",
        instance_id=1,
    )


def test_a_suspended_member_restored_keeps_the_day_they_became_full(tree):
    person_id = make_person("孙失联", tree.branch1, PartyStatus.FULL)
    full_since = db.session.get(Person, person_id).full_membership_date
    _change(person_id, "suspended", date(2026, 3, 1))
    _change(person_id, "full", date(2026, 9, 1))
    person = db.session.get(Person, person_id)
    assert person.party_status is PartyStatus.FULL
    assert person.full_membership_date == full_since
    assert party_status_on(db.session, person, date(2026, 5, 1)) is PartyStatus.SUSPENDED
    assert party_status_on(db.session, person, date(2026, 9, 1)) is PartyStatus.FULL


def test_a_suspended_member_may_be_removed_and_a_removed_one_changes_no_more(tree):
    person_id = make_person("周脱党", tree.branch1, PartyStatus.FULL)
    _change(person_id, "suspended", date(2024, 3, 1))
    _change(person_id, "removed", date(2026, 3, 1))
    assert db.session.get(Person, person_id).party_status is PartyStatus.REMOVED
    before = db.session.scalars(select(PartyStatusChange)).all()
    with pytest.raises(ValidationFailed) as refused:
        _change(person_id, "full", date(2026, 4, 1))
    assert "to_status" in refused.value.field_errors
    assert db.session.scalars(select(PartyStatusChange)).all() == before


def test_a_removed_member_s_roles_at_the_branch_end_the_day_before(tree):
    person_id = make_person("郑除名", tree.branch1, PartyStatus.FULL)
    make_user("zheng", person_id=person_id)
    grant("zheng", "member", tree.branch1, valid_from=date(2025, 1, 1))
    _change(person_id, "removed", date(2026, 11, 1))
    (held,) = db.session.scalars(select(RoleAssignment)).all()
    assert held.valid_to == date(2026, 10, 31)


def test_a_suspended_member_keeps_their_roles_for_a_restoration(tree):
    person_id = make_person("冯停止", tree.branch1, PartyStatus.FULL)
    make_user("feng", person_id=person_id)
    grant("feng", "member", tree.branch1, valid_from=date(2025, 1, 1))
    _change(person_id, "suspended", date(2026, 11, 1))
    (held,) = db.session.scalars(select(RoleAssignment)).all()
    assert held.valid_to is None


@pytest.mark.parametrize("status", [PartyStatus.ACTIVIST, PartyStatus.PROBATIONARY])
def test_only_a_full_member_can_be_suspended(tree, status):
    person_id = make_person("吴预备", tree.branch1, status)
    with pytest.raises(ValidationFailed):
        _change(person_id, "suspended", date(2026, 3, 1))
    assert db.session.get(Person, person_id).party_status is status
