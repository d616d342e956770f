"""Demo data: the size asked for, a holder for every role, sane dates, the README's logins."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from app import create_app
from app.core.audit import verify_chain
from app.core.clock import FrozenClock
from app.extensions import db
from app.identity import catalogue
from app.identity.kinds import BranchType
from app.identity.kinds import OrgKind
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries import active_on
from tests.conftest import ROOT
from tests.conftest import TEST_NOW
from tests.conftest import IsolatedClient
from tests.conftest import empty_postgresql
from tests.conftest import log_in
from tests.conftest import make_settings

TODAY = TEST_NOW.date()


@pytest.fixture(scope="module")
def demo(
    migrated_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, str]]:
    """One demo load for the whole module (it takes a couple of seconds)."""
    tmp = tmp_path_factory.mktemp("demo")
    url = migrated_database
    if url.startswith("sqlite"):
        shutil.copyfile(url.removeprefix("sqlite:///"), tmp / "demo.db")
        url = f"sqlite:///{tmp / 'demo.db'}"
    app = create_app(make_settings(tmp, url), clock=FrozenClock(TEST_NOW))
    app.test_client_class = IsolatedClient
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        yield app, result.output
    app.extensions["branchflow.db"].dispose()
    if not url.startswith("sqlite"):
        empty_postgresql(url)


@pytest.fixture
def session(demo):
    return db.session


def _count(session, kind: OrgKind) -> int:
    return session.scalar(select(func.count()).select_from(OrgUnit).where(OrgUnit.kind == kind))


def test_the_enterprise_has_the_size_the_mission_needs(session):
    assert _count(session, OrgKind.COMPANY) == 1
    assert _count(session, OrgKind.UNIT) >= 6
    assert _count(session, OrgKind.BRANCH) >= 80
    assert 1400 <= session.scalar(select(func.count()).select_from(Person)) <= 1700
    types = set(session.scalars(select(OrgUnit.branch_type).where(OrgUnit.kind == OrgKind.BRANCH)))
    assert types == set(BranchType)
    statuses = Counter(session.scalars(select(Person.party_status)))
    # suspension and removal happen only through their procedures (the demo history's cases)
    ended = {PartyStatus.SUSPENDED, PartyStatus.REMOVED}
    assert set(statuses) == set(PartyStatus) - ended
    assert statuses[PartyStatus.FULL] > sum(statuses.values()) * 0.6


def test_every_branch_has_party_groups_and_a_committee_term(session):
    branches = session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH)).all()
    groups = Counter(
        session.scalars(select(OrgUnit.parent_id).where(OrgUnit.kind == OrgKind.PARTY_GROUP))
    )
    for branch in branches:
        assert groups[branch.id] >= 2, branch.code
        assert branch.term_end > branch.term_start


def test_every_role_has_a_holder_at_every_node_where_it_applies(session):
    held = {
        (role, org_id)
        for role, org_id in session.execute(
            select(RoleAssignment.role_code, RoleAssignment.org_unit_id).where(active_on(TODAY))
        )
    }
    nodes = session.execute(select(OrgUnit.id, OrgUnit.code, OrgUnit.kind)).all()
    missing = [
        (role.code, code)
        for role in catalogue.roles().values()
        if role.grantable
        for node_id, code, kind in nodes
        if kind in role.applies_at and (role.code, node_id) not in held
    ]
    assert missing == []


def test_membership_dates_follow_the_regulation(session):
    for person in session.scalars(select(Person)):
        steps = [
            person.application_date,
            person.activist_date,
            person.development_target_date,
            person.admission_date,
            person.full_membership_date,
        ]
        known = [d for d in steps if d is not None]
        assert known == sorted(known), person.employee_no
        assert all(d <= TODAY for d in known), person.employee_no
        if person.development_target_date and person.activist_date:
            # at least a year as an activist before becoming a development target
            assert person.development_target_date - person.activist_date >= timedelta(days=365)
        if person.admission_date:
            assert (person.admission_date - person.birth_date).days >= 18 * 365


def test_audit_trail_records_the_load(session):
    report = verify_chain(session)
    assert report.ok
    assert report.checked == 1


def test_loading_twice_is_refused_unless_asked_to_skip(demo):
    app, _ = demo
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code == 1
    skip = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert skip.exit_code == 0
    assert "nothing loaded" in skip.output


def _readme_logins() -> list[tuple[str, str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- demo-logins")[1].split("<!-- /demo-logins -->")[0]
    rows = re.findall(r"^\| ([a-z0-9]+) \| ([^|]+) \| (\S+) [^|]*\|$", table, re.MULTILINE)
    assert len(rows) >= 10
    return [(login, role.strip(), code) for login, role, code in rows]


def test_readme_demo_logins_hold_the_roles_listed(session, demo):
    by_zh = {role.zh: role.code for role in catalogue.roles().values()}
    _, output = demo
    for login, role_zh, org_code in _readme_logins():
        holds = session.scalar(
            select(RoleAssignment.id)
            .join(User, User.id == RoleAssignment.user_id)
            .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
            .where(
                User.login == login,
                RoleAssignment.role_code == by_zh[role_zh],
                OrgUnit.code == org_code,
                active_on(TODAY),
            )
        )
        assert holds is not None, (login, role_zh, org_code)
        assert login in output  # the loader prints it too


def test_demo_branch_secretary_logs_in_and_sees_the_branch(demo):
    app, _ = demo
    client = app.test_client()
    assert log_in(client, "chenjinpeng", app.config["DEMO_PASSWORD"]).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "长流水采油站党支部" in home
    assert "支部书记" in home
    branch = client.get("/orgs/HH01-01").get_data(as_text=True)
    assert "第一党小组" in branch
    assert "预备党员" in branch  # the roster
    assert client.get("/orgs/HH02-01").status_code == 404  # another unit's branch


def test_unit_reviewer_sees_all_branches_of_the_unit_and_none_elsewhere(demo):
    app, _ = demo
    client = app.test_client()
    log_in(client, "yangzhizhen", app.config["DEMO_PASSWORD"])
    unit = client.get("/orgs/HH01").get_data(as_text=True)
    assert "作业区党总支" in unit
    tree = client.get("/admin/").get_data(as_text=True)
    assert "HH01-01" in tree
    assert "HH02-01" not in tree
