"""Fixtures for engine tests: the test models and forms, a small tree with people in each role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.extensions import db
from app.identity.queries import get_user_by_login
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from tests.factories import Tree
from tests.factories import grant
from tests.factories import make_person
from tests.factories import make_tree
from tests.factories import make_user

FIXTURES = Path(__file__).resolve().parents[1] / "engine"


@dataclass(frozen=True)
class People:
    tree: Tree
    sec1: str = "sec1"  # secretary of U1-B1
    sec3: str = "sec3"  # secretary of U2-B1
    rev1: str = "rev1"  # organisation reviewer of unit U1
    root: str = "root"  # system administrator


@pytest.fixture
def people(app) -> People:
    app.config["FORMS_DIR"] = FIXTURES / "forms"
    tree = make_tree()
    for login, role, org in (
        ("sec1", "branch_secretary", tree.branch1),
        ("sec3", "branch_secretary", tree.branch3),
        ("rev1", "unit_org_reviewer", tree.unit1),
        ("root", "system_admin", tree.company),
    ):
        make_user(login)
        grant(login, role, org)
    return People(tree)


def actor(login: str) -> Actor:
    db.session.rollback()
    user = get_user_by_login(db.session, login)
    return Actor(user_id=user.id, login=login, source="test")


def deploy(*names: str):
    sources = read_model_files([FIXTURES / "bpmn" / name for name in names])
    return run(deploy_definitions, actor=SYSTEM, sources=sources)


def open_tasks(instance_id: int) -> list[HumanTask]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY)
            .order_by(HumanTask.id)
        )
    )


@pytest.fixture
def committee(people) -> list[int]:
    """Three committee members of U1-B1, each with an account (logins m1, m2, m3)."""
    members = []
    for login, name in (("m1", "王一"), ("m2", "李二"), ("m3", "张三")):
        person_id = make_person(name, people.tree.branch1)
        make_user(login, person_id=person_id, name=name)
        members.append(person_id)
    return members
