"""Scenario tests of the shipped procedures: the demo enterprise, everything under processes/ and
forms/ deployed as `make run` deploys it."""

from __future__ import annotations

import atexit
import json
import shutil
import sqlite3
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from flask import g
from sqlalchemy import create_engine
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.db import build_engines
from app.demo.enterprise import load_demo_data
from app.demo.history import HistoryCounts
from app.demo.history import load_demo_history
from app.extensions import db
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.identity.queries import list_holdings
from app.levels.commands import write_level
from app.meetings.commands import check_meeting_schedule
from app.notify.models import Notification
from app.workflow import commands
from app.workflow import roster
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from tests.conftest import ROOT
from tests.conftest import TEST_NOW

DEMO_SEED = 20261123  # the seed `flask demo load` uses
DEMO_BRANCH = "HH01-01"  # 长流水采油站党支部, the README's demo branch
MEETING_DAY = date(2026, 11, 25)  # the day the meeting tests hold their meetings


@dataclass(frozen=True)
class Demo:
    branch: OrgUnit
    members: list[int]  # people on the branch's rolls

    def holder(self, role: str) -> Actor:
        """An actor holding ``role`` at the demo branch."""
        user = db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role_code == role, RoleAssignment.org_unit_id == self.branch.id)
            .order_by(User.id)
            .limit(1)
        ).one()
        return Actor(user_id=user.id, login=user.login, source="test")

    def people(self, rule: str, day: date = MEETING_DAY, group_id: int | None = None) -> list[int]:
        """The ids a roster rule (``x-people``: committee, full_members…) names at the branch."""
        question = roster.RosterQuestion(rule, self.branch, day, group_id)
        return [o.value for o in roster.roster_options(db.session, question)]


#: The first demo of this run, kept: on SQLite a copy of its database file, on PostgreSQL a
#: template database. Later tests start from a copy of it instead of loading the demo data and
#: deploying every process again (the clock is frozen, so every load is the same).
_DEMO_SNAPSHOT: list[Path] = []
_DEMO_TEMPLATE: list[str] = []


@pytest.fixture
def demo(app, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    app.config["FORMS_DIR"] = ROOT / "forms"
    copy = _demo_database(app, tmp_path_factory)
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == DEMO_BRANCH)).one()
    members = list(
        db.session.scalars(
            select(Person.id).where(Person.branch_id == branch.id).order_by(Person.id)
        )
    )
    yield Demo(branch, members)
    if copy is not None:
        _release_connections(app)
        _drop_database(copy)


def _demo_database(app, tmp_path_factory: pytest.TempPathFactory) -> str | None:
    """Give the app the demo enterprise; the URL of a PostgreSQL copy made for this test."""
    database = _sqlite_file(app)
    if database is not None and _DEMO_SNAPSHOT:
        _release_connections(app)
        shutil.copyfile(_DEMO_SNAPSHOT[0], database)
        return None
    if database is None and _DEMO_TEMPLATE:
        copy = _copy_database(_DEMO_TEMPLATE[0])
        _switch_database(app, copy)
        return copy
    run(load_demo_data, actor=SYSTEM, seed=DEMO_SEED)
    sources = read_model_files([ROOT / "processes"], root=ROOT / "processes")
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    _release_connections(app)
    if database is not None:
        snapshot = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copyfile(database, snapshot)
        _DEMO_SNAPSHOT.append(snapshot)
    else:
        template = _copy_database(app.config["DATABASE_URL"], "demo")
        _DEMO_TEMPLATE.append(template)
        atexit.register(_drop_database, template)  # also dropped with the run's test database
    return None


@dataclass(frozen=True)
class DemoYear(Demo):
    """The demo with its year of history, and what that history wrote."""

    counts: HistoryCounts


#: The demo year of this run, kept like the demo: its counts, and its database (a SQLite file or
#: a PostgreSQL template database).
_YEAR_COUNTS: list[HistoryCounts] = []
_YEAR_SNAPSHOT: list[Path] = []
_YEAR_TEMPLATE: list[str] = []
_YEAR_FILES: list[Path] = []


@pytest.fixture
def demo_year(demo, app, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoYear]:
    """The demo enterprise with its year of history, as ``flask demo load`` writes it: loaded by
    the first test of a run's process that asks for it, copied for the others."""
    copy = _demo_year_database(app, tmp_path_factory)
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == DEMO_BRANCH)).one()
    yield DemoYear(branch, demo.members, deepcopy(_YEAR_COUNTS[0]))
    if copy is not None:
        _release_connections(app)
        _drop_database(copy)


def _demo_year_database(app, tmp_path_factory: pytest.TempPathFactory) -> str | None:
    """Give the app the demo year; the URL of a PostgreSQL copy made for this test."""
    database = _sqlite_file(app)
    if _YEAR_COUNTS:
        # the stored files too: the year's sealed ledger archive is a bundle in the file store
        shutil.copytree(_YEAR_FILES[0], app.config["FILES_DIR"], dirs_exist_ok=True)
    if _YEAR_COUNTS and database is not None:
        _release_connections(app)
        shutil.copyfile(_YEAR_SNAPSHOT[0], database)
        return None
    if _YEAR_COUNTS:
        copy = _copy_database(_YEAR_TEMPLATE[0])
        _switch_database(app, copy)
        return copy
    _YEAR_COUNTS.append(load_demo_history(DEMO_SEED))
    _release_connections(app)
    files = tmp_path_factory.mktemp("demo-year-files")
    if Path(app.config["FILES_DIR"]).is_dir():
        shutil.copytree(app.config["FILES_DIR"], files, dirs_exist_ok=True)
    _YEAR_FILES.append(files)
    if database is not None:
        snapshot = tmp_path_factory.mktemp("demo-year") / "demo-year.db"
        shutil.copyfile(database, snapshot)
        _YEAR_SNAPSHOT.append(snapshot)
    else:  # named after the demo's template: a copy's name stays within PostgreSQL's 63 bytes
        name = f"{make_url(_DEMO_TEMPLATE[0]).database}_year"
        template = _copy_database(app.config["DATABASE_URL"], name=name)
        _YEAR_TEMPLATE.append(template)
        atexit.register(_drop_database, template)
    return None


def _sqlite_file(app) -> Path | None:
    url = app.config["DATABASE_URL"]
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _release_connections(app) -> None:
    """Close the app's connections to its database. A SQLite file gets its write-ahead log folded
    into it, so that the file alone holds the database and can be copied or replaced."""
    db.session.close()
    g.pop("db_read_session", None)
    app.extensions["branchflow.db"].dispose()
    database = _sqlite_file(app)
    if database is None:
        return
    connection = sqlite3.connect(database)  # outside SQLAlchemy: no transaction around it
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)


def _admin(url: str):
    """A connection to the server's maintenance database, outside any transaction."""
    server = make_url(url).set(database="postgres")
    return create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool).connect()


def _copy_database(url: str, suffix: str | None = None, name: str | None = None) -> str:
    """A new PostgreSQL database copied from the one at ``url`` (its template); its URL."""
    source = make_url(url)
    name = name or f"{source.database}_{suffix or uuid4().hex[:10]}"
    with _admin(url) as admin:
        # A template must have no other session: end the ones tests left behind.
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": source.database},
        )
        admin.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
    return source.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    with _admin(url) as admin:
        admin.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def _switch_database(app, url: str) -> None:
    _release_connections(app)
    app.config["DATABASE_URL"] = url
    app.extensions["branchflow.db"] = build_engines(url)


def holder_at(code: str, role: str) -> Actor:
    """An actor holding ``role`` at the node ``code`` (the unit HH01, the company HH) today."""
    user = db.session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == RoleAssignment.org_unit_id)
        .where(RoleAssignment.role_code == role, OrgUnit.code == code)
        .where(or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to >= TEST_NOW.date()))
        .order_by(User.id)
        .limit(1)
    ).one()
    return Actor(user_id=user.id, login=user.login, source="test")


def committee_size(code: str, day: date = MEETING_DAY) -> int:
    """How many sat on the branch committee of ``code`` on ``day`` (a vote's entitled count)."""
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
    question = roster.RosterQuestion("committee", branch, day)
    return len(roster.roster_options(db.session, question))


def set_level(branch_id: int, level: Level) -> None:
    """Give the branch ``level`` as a recorded decision, so that its history agrees."""
    db.session.rollback()
    branch = db.session.get(OrgUnit, branch_id)
    if branch.level is not level:
        run(
            write_level,
            actor=SYSTEM,
            branch_code=branch.code,
            level=level,
            decided_on=TEST_NOW.date(),
            decided_by="测试前提",
        )


def complete_step(actor: Actor, instance_id: int, expected_step: str, data: dict) -> None:
    """Complete the instance's open step ``expected_step`` (it must be open)."""
    task = open_task(instance_id, expected_step)
    run(commands.complete_task, actor=actor, task_id=task.id, data=data)


def open_task(instance_id: int, element_id: str | None = None) -> HumanTask:
    """The instance's one open task, or its open task at ``element_id`` when steps run in
    parallel."""
    db.session.rollback()
    query = select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
    )
    if element_id is not None:
        query = query.where(HumanTask.element_id == element_id)
    return db.session.scalars(query).one()


def open_tasks(instance_id: int, element_id: str) -> list[HumanTask]:
    """The instance's open tasks at ``element_id`` (a multi-instance step: one per person)."""
    db.session.rollback()
    query = select(HumanTask).where(
        HumanTask.instance_id == instance_id,
        HumanTask.element_id == element_id,
        HumanTask.state == HumanTaskState.READY,
    )
    return list(db.session.scalars(query.order_by(HumanTask.id)))


def form_card(page: str) -> str:
    """The task page's form card, from its heading to the end of the form."""
    start = page.index('<section class="card">\n    <h2>')
    return page[start : page.index("</form>", start)]


def without_branch_names(text: str, branch_id: int) -> str:
    """``text`` without the names of the branch's people (the Chinese an English page keeps)."""
    names = db.session.scalars(select(Person.name).where(Person.branch_id == branch_id))
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "")
    return text


def told_of_return(instance_id: int) -> list[int]:
    """Who was notified that a step of the instance was returned to them (correctionOf)."""
    db.session.rollback()
    return list(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.instance_id == instance_id, Notification.kind == "returned"
            )
        )
    )


def instance_data(instance_id: int) -> dict:
    """The instance's data as its step log records each step's change of it."""
    db.session.rollback()
    data: dict = {}
    for change in db.session.scalars(
        select(StepLogEntry.data_change_json)
        .where(StepLogEntry.instance_id == instance_id, StepLogEntry.data_change_json.is_not(None))
        .order_by(StepLogEntry.seq)
    ):
        step = json.loads(change)
        for name in step.get("removed", []):
            data.pop(name, None)
        data.update(step.get("set", {}))
    return data


def missed_procedures(branch_id: int) -> list[str]:
    """Run the compliance calendar's check to the end; the business keys of the branch's
    missed-procedure tasks ("主题党日 2026年12月")."""
    while run(check_meeting_schedule, actor=SYSTEM):
        pass
    return list(
        db.session.scalars(
            select(ProcessInstance.business_key).where(
                ProcessInstance.process_key == "missed_meeting",
                ProcessInstance.org_unit_id == branch_id,
            )
        )
    )


def status_roles(person_id: int, day: date) -> set[str]:
    """The roles of the member tiers the person's user account holds on ``day`` (the ones that
    follow the party status: development target, probationary member, member)."""
    db.session.rollback()
    user = db.session.scalars(select(User).where(User.person_id == person_id)).one()
    return {
        h.role_code
        for h in list_holdings(db.session, user.id, day)
        if h.role_code in ("development_target", "probationary_member", "member")
    }
