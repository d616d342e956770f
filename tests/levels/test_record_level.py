"""record_level: closing and opening rows, plaque numbers, the audit event, refusals."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import DatabaseError

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.commands.orgs import OrgDetails
from app.identity.kinds import BranchType
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import User
from app.levels.commands import LEVEL_ON_PAPER
from app.levels.commands import create_org_unit_with_level
from app.levels.commands import plaque_number
from app.levels.commands import write_level
from app.levels.models import BranchLevel
from app.levels.queries import branch_history
from app.levels.queries import red_flag_cycles
from tests.conftest import last_audit_event
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user
from tests.levels.helpers import all_rows
from tests.levels.helpers import rec


@pytest.fixture
def tree(app):
    return make_tree()


def _branch(code: str) -> OrgUnit:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


def test_a_decision_closes_the_current_row_and_opens_a_new_one(tree):
    rec(tree.branch1, Level.BASIC, date(2023, 12, 20))
    rec(tree.branch1, Level.STANDARDISED, date(2024, 3, 10), cycle=2023)
    first, second = all_rows()
    assert (first.level, first.held_from, first.held_to) == (
        Level.BASIC,
        date(2023, 12, 20),
        date(2024, 3, 10),
    )
    assert (second.level, second.held_from, second.held_to) == (
        Level.STANDARDISED,
        date(2024, 3, 10),
        None,
    )
    assert second.cycle == "2023"
    assert _branch(tree.branch1).level is Level.STANDARDISED
    history = branch_history(db.session, _branch(tree.branch1).id)
    assert [h.level for h in history] == [Level.STANDARDISED, Level.BASIC]  # newest first


def test_upgrades_to_standardised_and_above_get_sequential_plaques_per_year_and_level(tree):
    for code in (tree.branch1, tree.branch2, tree.branch3):
        rec(code, Level.BASIC, date(2023, 12, 20))
    rec(tree.branch1, Level.STANDARDISED, date(2024, 3, 10))
    rec(tree.branch2, Level.STANDARDISED, date(2024, 3, 10))
    rec(tree.branch3, Level.STANDARDISED, date(2024, 3, 10), plaque_no="手工-7")
    rec(tree.branch1, Level.RED_FLAG, date(2025, 3, 12))
    rec(tree.branch2, Level.RED_FLAG, date(2025, 3, 12))
    rec(tree.branch3, Level.BASIC, date(2025, 3, 12))  # a downgrade: no plaque
    plaques = [(r.branch.code, r.level, r.plaque_no) for r in all_rows() if r.plaque_no]
    assert plaques == [
        (tree.branch1, Level.STANDARDISED, "C-2024-标准化-001"),
        (tree.branch2, Level.STANDARDISED, "C-2024-标准化-002"),
        (tree.branch3, Level.STANDARDISED, "手工-7"),
        (tree.branch1, Level.RED_FLAG, "C-2025-红旗-001"),
        (tree.branch2, Level.RED_FLAG, "C-2025-红旗-002"),
    ]
    assert plaque_number("HH", 2027, Level.MODEL, 1) == "HH-2027-示范-001"
    # the basic rows got no plaque either
    assert all(r.plaque_no is None for r in all_rows() if r.level is Level.BASIC)


def test_the_audit_trail_records_old_and_new_level(tree):
    rec(tree.branch1, Level.RED_FLAG, date(2024, 3, 10), cycle="2023", reason="验收合格")
    event = last_audit_event()
    data = json.loads(event.payload)
    assert event.event_type == "branch_level_recorded"
    assert event.org_unit_id == _branch(tree.branch1).id
    assert data["old_level"] == "standardised"  # the level the branch carried before any history
    assert data["new_level"] == "red_flag"
    assert data["plaque_no"] == "C-2024-红旗-001"
    assert data["decided_on"] == "2024-03-10"


def test_a_delisting_withdraws_the_plaque_of_the_closed_row(tree):
    rec(tree.branch1, Level.BASIC, date(2023, 12, 20))
    rec(tree.branch1, Level.STANDARDISED, date(2024, 3, 10))
    rec(tree.branch1, Level.BASIC, date(2024, 10, 15), delisted=True, reason="整改不到位")
    _, plaque_row, now = all_rows()
    assert plaque_row.delisted_on == date(2024, 10, 15)
    assert plaque_row.plaque_no == "C-2024-标准化-001"
    assert now.level is Level.BASIC
    assert now.delisted_on is None
    assert json.loads(last_audit_event().payload)["withdrawn_plaque"] == "C-2024-标准化-001"


def _refused(**values) -> ValidationFailed:
    before = len(all_rows())
    with pytest.raises(ValidationFailed) as refused:
        rec(**values)
    assert len(all_rows()) == before
    return refused.value


def test_a_date_before_the_current_level_started_is_refused(tree):
    rec(tree.branch1, Level.RED_FLAG, date(2024, 3, 10))
    refused = _refused(code=tree.branch1, level=Level.MODEL, day=date(2024, 3, 9))
    assert set(refused.field_errors) == {"decided_on"}
    assert _branch(tree.branch1).level is Level.RED_FLAG


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"level": Level.BASIC}, "level"),  # already held
        ({"day": date(2026, 11, 24)}, "decided_on"),  # tomorrow (the tests' today is 2026-11-23)
        ({"decided_by": "  "}, "decided_by"),
        ({"level": Level.NOT_UP_TO_STANDARD, "delisted": True}, "delisted"),  # no plaque held
        ({"level": Level.NOT_UP_TO_STANDARD, "plaque_no": "X-1"}, "plaque_no"),  # not an upgrade
        ({"code": "U1-G1"}, "branch_code"),  # a general branch is not a branch
    ],
)
def test_inconsistent_decisions_are_refused(tree, values, field):
    rec(tree.branch1, Level.BASIC, date(2024, 3, 10))
    asked = {"code": tree.branch1, "level": Level.STANDARDISED, "day": date(2025, 3, 1), **values}
    refused = _refused(**asked)
    assert field in refused.field_errors
    assert _branch(tree.branch1).level is Level.BASIC


def test_only_the_company_records_levels(tree):
    for login, role, org in (
        ("secretary", "branch_secretary", tree.branch1),
        ("reviewer", "unit_org_reviewer", tree.unit1),
        ("orgdept", "company_org_dept", tree.company),
        ("committee", "company_party_committee", tree.company),
    ):
        make_user(login)
        grant(login, role, org)
    users = dict(db.session.execute(select(User.login, User.id)).all())

    def actor(login: str) -> Actor:
        return Actor(user_id=users[login], login=login)

    for login in ("secretary", "reviewer"):
        with pytest.raises(Forbidden):
            rec(tree.branch1, Level.MODEL, date(2024, 3, 10), actor=actor(login))
    assert all_rows() == []
    rec(tree.branch1, Level.RED_FLAG, date(2024, 3, 10), actor=actor("orgdept"))
    rec(tree.branch1, Level.MODEL, date(2025, 3, 10), actor=actor("committee"))
    assert [r.recorded_by_login for r in all_rows()] == ["orgdept", "committee"]


def test_the_database_allows_only_closing_a_row(tree, app):
    rec(tree.branch1, Level.BASIC, date(2023, 12, 20))
    rec(tree.branch1, Level.STANDARDISED, date(2024, 3, 10))
    closed, _ = all_rows()
    engine = app.extensions["branchflow.db"].write
    for statement in (
        update(BranchLevel).where(BranchLevel.id == closed.id).values(level=Level.MODEL),
        update(BranchLevel).where(BranchLevel.id == closed.id).values(held_to=date(2025, 1, 1)),
        BranchLevel.__table__.delete().where(BranchLevel.id == closed.id),
    ):
        with pytest.raises(DatabaseError), engine.begin() as connection:
            connection.execute(statement)
    assert [(r.level, r.held_to) for r in all_rows()] == [
        (Level.BASIC, date(2024, 3, 10)),
        (Level.STANDARDISED, None),
    ]


def test_red_flag_cycles_count_from_the_acceptance_that_decided_them(tree):
    """What the grading cycle tells the level decision about a 示范 candidate: 红旗 decided in
    March 2024 (cycle 2023's acceptance) was held through cycles 2024 and 2025 by cycle 2026."""
    for day, level in ((date(2023, 3, 1), "standardised"), (date(2024, 3, 1), "red_flag")):
        run(
            write_level,
            actor=SYSTEM,
            branch_code=tree.branch1,
            level=level,
            decided_on=day,
            decided_by="公司党委决定",
        )
    branch_id = _branch(tree.branch1).id
    assert red_flag_cycles(db.session, branch_id, 2026) == 3  # cycles 2023, 2024 and 2025
    assert red_flag_cycles(db.session, branch_id, 2025) == 2
    assert red_flag_cycles(db.session, branch_id, 2024) == 1  # awarded in 2024's window
    assert red_flag_cycles(db.session, branch_id, 2023) == 0


def test_a_branch_created_with_a_level_starts_its_history_with_it(tree):
    """An installation that starts mid-way: the level held on paper counts on the dashboard."""
    run(
        create_org_unit_with_level,
        actor=SYSTEM,
        parent_code=tree.unit2,
        code="U2-B9",
        kind=OrgKind.BRANCH,
        details=OrgDetails(name="新建党支部", branch_type=BranchType.TERRITORIAL),
        level=Level.RED_FLAG,
    )
    (row,) = branch_history(db.session, _branch("U2-B9").id)
    assert (row.level, row.held_to, row.decided_by) == (Level.RED_FLAG, None, LEVEL_ON_PAPER)
