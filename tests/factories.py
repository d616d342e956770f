"""Builders for test data. Each runs through the real command runner, like every app write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import CommandContext
from app.core.commands import run
from app.identity.commands import create_user
from app.identity.commands import grant_role
from app.identity.kinds import BranchType
from app.identity.kinds import Gender
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import Person
from tests.conftest import TEST_PASSWORD


def _add_org(
    ctx: CommandContext, code: str, name: str, kind: OrgKind, parent: OrgUnit | None, **extra
) -> OrgUnit:
    node = OrgUnit(
        code=code,
        name=name,
        kind=kind,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        path="",
        sort_order=0,
        created_at=ctx.now,
        **extra,
    )
    ctx.session.add(node)
    ctx.session.flush()
    node.path = f"{parent.path if parent else '/'}{node.id}/"
    ctx.session.flush()
    return node


@dataclass(frozen=True)
class Tree:
    """Codes of a small organisation tree.

    C (company)
    ├─ U1 (unit)
    │  ├─ U1-G1 (general branch)
    │  │  └─ U1-B1 (branch, production)  ── U1-B1-1, U1-B1-2 (party groups)
    │  └─ U1-B2 (branch, joint business)
    └─ U2 (unit)
       └─ U2-B1 (branch, territorial)    ── U2-B1-1 (party group)
    """

    company: str = "C"
    unit1: str = "U1"
    general: str = "U1-G1"
    branch1: str = "U1-B1"
    branch1_group1: str = "U1-B1-1"
    branch1_group2: str = "U1-B1-2"
    branch2: str = "U1-B2"
    unit2: str = "U2"
    branch3: str = "U2-B1"
    branch3_group: str = "U2-B1-1"


def _build_tree(ctx: CommandContext) -> Tree:
    t = Tree()
    company = _add_org(ctx, t.company, "测试公司党委", OrgKind.COMPANY, None)
    unit1 = _add_org(ctx, t.unit1, "第一厂党委", OrgKind.UNIT, company)
    unit2 = _add_org(ctx, t.unit2, "第二厂党委", OrgKind.UNIT, company)
    general = _add_org(ctx, t.general, "东区作业区党总支", OrgKind.GENERAL_BRANCH, unit1)
    branch = {
        "term_start": date(2025, 1, 1),
        "term_end": date(2028, 1, 1),
        "level": Level.STANDARDISED,
    }
    b1 = _add_org(
        ctx,
        t.branch1,
        "东一采油站党支部",
        OrgKind.BRANCH,
        general,
        branch_type=BranchType.PRODUCTION_FLOW,
        **branch,
    )
    _add_org(
        ctx,
        t.branch2,
        "机关党支部",
        OrgKind.BRANCH,
        unit1,
        branch_type=BranchType.JOINT_BUSINESS,
        **branch,
    )
    b3 = _add_org(
        ctx,
        t.branch3,
        "基地社区党支部",
        OrgKind.BRANCH,
        unit2,
        branch_type=BranchType.TERRITORIAL,
        **branch,
    )
    _add_org(ctx, t.branch1_group1, "第一党小组", OrgKind.PARTY_GROUP, b1)
    _add_org(ctx, t.branch1_group2, "第二党小组", OrgKind.PARTY_GROUP, b1)
    _add_org(ctx, t.branch3_group, "第一党小组", OrgKind.PARTY_GROUP, b3)
    return t


def make_tree() -> Tree:
    return run(_build_tree, actor=SYSTEM)


def _add_person(ctx: CommandContext, *, name: str, branch_code: str, status: PartyStatus) -> int:
    branch = ctx.session.scalars(select(OrgUnit).where(OrgUnit.code == branch_code)).one()
    serial = ctx.session.scalar(select(func.count()).select_from(Person)) + 1
    person = Person(
        name=name,
        gender=Gender.MALE,
        birth_date=date(1985, 5, 1),
        ethnicity="汉族",
        employee_no=f"T{serial:06d}",
        party_status=status,
        admission_date=date(2010, 7, 1) if status is PartyStatus.FULL else None,
        branch_id=branch.id,
        created_at=ctx.now,
    )
    ctx.session.add(person)
    ctx.session.flush()
    return person.id


def make_person(name: str, branch_code: str, status: PartyStatus = PartyStatus.FULL) -> int:
    return run(_add_person, actor=SYSTEM, name=name, branch_code=branch_code, status=status)


def make_user(login: str, *, person_id: int | None = None, name: str | None = None) -> int:
    return run(
        create_user,
        actor=SYSTEM,
        login=login,
        password=TEST_PASSWORD,
        display_name=name or login,
        person_id=person_id,
    )


def grant(
    login: str,
    role: str,
    org_code: str,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> int:
    """A fixture's grant: a second holder of a single post is part of the state it sets up."""
    return run(
        grant_role,
        actor=SYSTEM,
        org_code=org_code,
        login=login,
        role_code=role,
        valid_from=valid_from,
        valid_to=valid_to,
        confirm_other_holder=True,
    )
