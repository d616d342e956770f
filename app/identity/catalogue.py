"""The role catalogue (``roles.toml``), loaded once into immutable records.

Pure Python: no Flask, no database. A malformed catalogue stops start-up with a message naming the
problem, because every lane, assignment and policy check depends on it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.identity.kinds import OrgKind

CATALOGUE_PATH = Path(__file__).with_name("roles.toml")


@dataclass(frozen=True)
class Role:
    code: str
    zh: str
    en: str
    tier: str
    applies_at: frozenset[OrgKind]
    collective: bool = False
    grantable: bool = True
    #: Holders may browse and administer the organisation subtree below where they hold it.
    administers: bool = False

    def label(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


class CatalogueError(ValueError):
    pass


def parse_catalogue(data: dict[str, Any]) -> MappingProxyType[str, Role]:
    roles: dict[str, Role] = {}
    for index, entry in enumerate(data.get("role", []), start=1):
        try:
            role = Role(
                code=str(entry["code"]),
                zh=str(entry["zh"]),
                en=str(entry["en"]),
                tier=str(entry["tier"]),
                applies_at=frozenset(OrgKind(kind) for kind in entry.get("applies_at", [])),
                collective=bool(entry.get("collective", False)),
                grantable=bool(entry.get("grantable", True)),
                administers=bool(entry.get("administers", False)),
            )
        except (KeyError, ValueError) as exc:
            raise CatalogueError(f"role #{index}: {exc!r}") from exc
        if role.code in roles:
            raise CatalogueError(f"role #{index}: duplicate code {role.code!r}")
        if role.grantable and not role.applies_at:
            raise CatalogueError(f"role {role.code!r}: grantable but applies at no kind of node")
        roles[role.code] = role
    if not roles:
        raise CatalogueError("the catalogue defines no roles")
    return MappingProxyType(roles)


@cache
def roles() -> MappingProxyType[str, Role]:
    with CATALOGUE_PATH.open("rb") as handle:
        return parse_catalogue(tomllib.load(handle))


def get_role(code: str) -> Role | None:
    return roles().get(code)


def roles_applicable_at(kind: OrgKind) -> list[Role]:
    return [role for role in roles().values() if role.grantable and kind in role.applies_at]


def catalogue_order(code: str) -> int:
    """Position in the catalogue (company roles first, members last): the order of role lists."""
    order = _order()
    return order.get(code, len(order))


@cache
def _order() -> dict[str, int]:
    return {code: index for index, code in enumerate(roles())}


def administering_roles() -> frozenset[str]:
    return frozenset(code for code, role in roles().items() if role.administers)
