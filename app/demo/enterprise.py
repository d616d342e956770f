"""Demo data: the fictional 瀚海油田 (Hanhai Oilfield) with its units, branches, people and roles.

``load_demo_data`` is a command (one transaction). It is deterministic for a given seed and "today",
so the demo logins listed in the README stay true. Everyone gets a user account with the demo
password; its hash is computed once and shared, because hashing 1,500 passwords one by one would
take minutes and these accounts protect nothing real.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from flask import current_app
from sqlalchemy import select

from app.core.commands import CommandContext
from app.demo import names
from app.demo.levels import write_level_history
from app.demo.people import PeopleFactory
from app.demo.roles import RoleBook
from app.identity.catalogue import get_role
from app.identity.kinds import BranchType
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import User
from app.identity.passwords import hash_password

LEVEL_WEIGHTS = [
    (Level.MODEL, 4),
    (Level.RED_FLAG, 18),
    (Level.STANDARDISED, 58),
    (Level.BASIC, 13),
    (Level.NOT_UP_TO_STANDARD, 4),
    (None, 3),  # newly set up, not yet graded
]


class DemoAlreadyLoaded(Exception):
    """Demo data goes only into an empty database."""


@dataclass
class DemoSummary:
    counts: dict[str, int]
    password: str
    #: (login, organisation) → role codes, for the demo logins worth showing.
    logins: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def describe(self) -> str:
        lines = ["demo data loaded:"]
        lines += [f"  {name}: {count}" for name, count in self.counts.items()]
        lines.append(f"demo logins (password for all: {self.password}):")
        width = max(len(login) for login, _ in self.logins)
        for (login, org), codes in self.logins.items():
            roles = "、".join(get_role(code).zh for code in codes)  # type: ignore[union-attr]
            lines.append(f"  {login:<{width}}  {org}: {roles}")
        return "\n".join(lines)


class TreeBuilder:
    """Adds organisation nodes level by level: one flush per level gives the ids for the paths."""

    def __init__(self, ctx: CommandContext, rng: random.Random) -> None:
        self.ctx, self.rng = ctx, rng
        self.places = list(names.PLACES)
        rng.shuffle(self.places)

    def add_level(self, specs: list[tuple[OrgUnit | None, dict]]) -> list[OrgUnit]:
        nodes = []
        for order, (parent, fields) in enumerate(specs):
            node = OrgUnit(
                parent_id=parent.id if parent else None,
                depth=parent.depth + 1 if parent else 0,
                path="",
                sort_order=order,
                created_at=self.ctx.now,
                **fields,
            )
            self.ctx.session.add(node)
            nodes.append((parent, node))
        self.ctx.session.flush()
        for parent, node in nodes:
            node.path = f"{parent.path if parent else '/'}{node.id}/"
        self.ctx.session.flush()
        return [node for _, node in nodes]

    def place(self) -> str:
        return self.places.pop() if self.places else f"新区{self.rng.randint(1, 99)}"

    def branch_fields(self, code: str, name: str, branch_type: str) -> dict:
        today = self.ctx.today
        # Terms are three years; about one branch in twelve is overdue for its election.
        overdue = self.rng.random() < 0.08
        start_ago = (
            self.rng.randint(3 * 365 + 20, 3 * 365 + 200)
            if overdue
            else self.rng.randint(30, 3 * 365 - 30)
        )
        start = date.fromordinal(today.toordinal() - start_ago)
        return {
            "code": code,
            "name": name,
            "kind": OrgKind.BRANCH,
            "branch_type": BranchType(branch_type),
            "term_start": start,
            "term_end": start.replace(year=start.year + 3)
            if (start.month, start.day) != (2, 29)
            else date(start.year + 3, 2, 28),
            "level": self.rng.choices(
                [lv for lv, _ in LEVEL_WEIGHTS], [w for _, w in LEVEL_WEIGHTS]
            )[0],
        }


def _expand(template: str, place: str, n: int) -> str:
    return template.format(place=place, n=names.ORDINALS[n % len(names.ORDINALS)])


def _unit_branch_specs(tree: TreeBuilder, unit: OrgUnit, profile: str, areas: list[OrgUnit]):
    """(parent, fields) for every branch of a unit: area templates under each general branch."""
    templates = names.BRANCH_TEMPLATES[profile]
    specs: list[tuple[OrgUnit, dict, str]] = []
    counter = 0
    for area in areas:
        for template, branch_type, count in templates.get("areas", []):
            for _ in range(count):
                counter += 1
                name = _expand(template, tree.place(), counter)
                specs.append(
                    (
                        area,
                        tree.branch_fields(f"{unit.code}-{counter:02d}", name, branch_type),
                        profile,
                    )
                )
    for template, branch_type, count in templates.get("direct", []):
        for index in range(count):
            counter += 1
            name = _expand(template, tree.place() if "{place}" in template else "", index)
            specs.append(
                (unit, tree.branch_fields(f"{unit.code}-{counter:02d}", name, branch_type), profile)
            )
    return specs


def build_tree(
    tree: TreeBuilder,
) -> tuple[OrgUnit, list[tuple[OrgUnit, str]], list[OrgUnit], list[tuple[OrgUnit, str]]]:
    """Company, units, general branches and branches; returns branches with their unit's profile."""
    (company,) = tree.add_level(
        [(None, {"code": names.COMPANY_CODE, "name": names.COMPANY_NAME, "kind": OrgKind.COMPANY})]
    )
    units = tree.add_level(
        [
            (company, {"code": code, "name": name, "kind": OrgKind.UNIT})
            for code, name, _ in names.UNITS
        ]
    )
    profiles = {code: profile for code, _, profile in names.UNITS}
    area_specs = []
    for unit in units:
        for index in range(names.GENERAL_BRANCHES.get(profiles[unit.code], 0)):
            place = tree.place()
            fields = {
                "code": f"{unit.code}-G{index + 1}",
                "name": f"{place}作业区党总支",
                "kind": OrgKind.GENERAL_BRANCH,
            }
            area_specs.append((unit, fields))
    general = tree.add_level(area_specs)
    branch_specs = []
    for unit in units:
        areas = [g for g in general if g.parent_id == unit.id]
        branch_specs += _unit_branch_specs(tree, unit, profiles[unit.code], areas)
    branches = tree.add_level([(parent, fields) for parent, fields, _ in branch_specs])
    unit_profiles = [(unit, profiles[unit.code]) for unit in units]
    return (
        company,
        unit_profiles,
        general,
        list(zip(branches, [p for _, _, p in branch_specs], strict=True)),
    )


def load_demo_data(ctx: CommandContext, *, seed: int) -> DemoSummary:
    """Fill an empty database with the demo enterprise. Records ``demo_data_loaded``."""
    if ctx.session.scalar(select(OrgUnit.id).limit(1)) is not None:
        raise DemoAlreadyLoaded()
    rng = random.Random(seed)
    tree = TreeBuilder(ctx, rng)
    company, units, general, branches = build_tree(tree)

    people = PeopleFactory(ctx, rng)
    rosters = {branch.id: people.populate_branch(branch, profile) for branch, profile in branches}
    groups = tree.add_level(
        [
            (
                branch,
                {
                    "code": f"{branch.code}-{n + 1}",
                    "name": f"第{names.ORDINALS[n]}党小组",
                    "kind": OrgKind.PARTY_GROUP,
                },
            )
            for branch, _ in branches
            for n in range(rosters[branch.id].group_count)
        ]
    )
    for branch, _ in branches:
        rosters[branch.id].place_in_groups([g for g in groups if g.parent_id == branch.id])
    ctx.session.flush()

    password = current_app.config["DEMO_PASSWORD"]
    users = _create_users(ctx, people, hash_password(password))
    book = RoleBook(ctx, rng, users)
    admin = _create_admin(ctx, hash_password(password))
    book.grant_company(company, admin, rosters, units)
    for unit, _ in units:
        book.grant_unit(unit, rosters)
    for area in general:
        book.grant_general_branch(area, rosters)
    for branch, _ in branches:
        book.grant_branch(branch, rosters[branch.id])
    book.grant_process_auditors(company, [u for u, _ in units], rosters)
    book.grant_process_designers(company, rosters)
    ctx.session.flush()

    counts = {
        "units": len(units),
        "general branches": len(general),
        "branches": len(branches),
        "party groups": len(groups),
        "people": len(people.everyone),
        "users": len(users) + 1,
        "role assignments": book.count,
    }
    ctx.record("demo_data_loaded", seed=seed, **{k.replace(" ", "_"): v for k, v in counts.items()})
    write_level_history(ctx, seed=seed)  # 等级历程 leading to each branch's current level
    return DemoSummary(counts, password, book.showcase)


def _create_users(
    ctx: CommandContext, people: PeopleFactory, password_hash: str
) -> dict[int, User]:
    taken: dict[str, int] = {"admin": 1}
    users = {}
    for person in people.everyone:
        base = people.login_stems[id(person)]
        taken[base] = taken.get(base, 0) + 1
        login = base if taken[base] == 1 else f"{base}{taken[base]}"
        users[person.id] = User(
            login=login,
            password_hash=password_hash,
            active=True,
            display_name=person.name,
            person_id=person.id,
            session_token=secrets.token_hex(16),
            created_at=ctx.now,
        )
    ctx.session.add_all(users.values())
    ctx.session.flush()
    return users


def _create_admin(ctx: CommandContext, password_hash: str) -> User:
    admin = User(
        login="admin",
        password_hash=password_hash,
        active=True,
        display_name="系统管理员",
        session_token=secrets.token_hex(16),
        created_at=ctx.now,
    )
    ctx.session.add(admin)
    ctx.session.flush()
    return admin
