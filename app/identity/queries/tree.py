"""The organisation tree: nodes, ancestors, subtrees, the admin forest."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import Person


def subtree_of(node: OrgUnit, *, include_self: bool = True) -> ColumnElement[bool]:
    below = OrgUnit.path.like(escape_like(node.path) + "%", escape="\\")
    return below if include_self else and_(below, OrgUnit.id != node.id)


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- organisation tree ---------------------------------------------------------------------------


def get_org_by_code(session: Session, code: str) -> OrgUnit | None:
    return session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one_or_none()


def get_root(session: Session) -> OrgUnit | None:
    return session.scalars(select(OrgUnit).where(OrgUnit.parent_id.is_(None))).first()


def list_children(session: Session, node_id: int) -> list[OrgUnit]:
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.parent_id == node_id)
            .order_by(OrgUnit.sort_order, OrgUnit.code)
        )
    )


def list_ancestors(session: Session, node: OrgUnit) -> list[OrgUnit]:
    """The node's ancestors, root first (the breadcrumb)."""
    ids = node.ancestor_ids
    if not ids:
        return []
    by_id = {n.id: n for n in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [by_id[i] for i in ids]


def list_branches_under(session: Session, node: OrgUnit) -> list[OrgUnit]:
    """Every branch (党支部) in the node's subtree, including through general branches."""
    return list(
        session.scalars(
            select(OrgUnit)
            .where(subtree_of(node), OrgUnit.kind == OrgKind.BRANCH)
            .order_by(OrgUnit.path)
        )
    )


def list_subtree(session: Session, node: OrgUnit, max_depth: int | None = None) -> list[OrgUnit]:
    query = select(OrgUnit).where(subtree_of(node))
    if max_depth is not None:
        query = query.where(OrgUnit.depth <= node.depth + max_depth)
    return list(session.scalars(query.order_by(OrgUnit.depth, OrgUnit.sort_order, OrgUnit.code)))


def count_members_by_org(session: Session, org_ids: list[int]) -> dict[int, int]:
    """Party members and pipeline people per branch or party group."""
    if not org_ids:
        return {}
    by_branch = session.execute(
        select(Person.branch_id, func.count())
        .where(Person.branch_id.in_(org_ids))
        .group_by(Person.branch_id)
    ).all()
    by_group = session.execute(
        select(Person.party_group_id, func.count())
        .where(Person.party_group_id.in_(org_ids))
        .group_by(Person.party_group_id)
    ).all()
    return dict([*by_branch, *by_group])


@dataclass
class TreeNode:
    org: OrgUnit
    children: list[TreeNode]


def org_forest(session: Session, root_paths: list[str], *, max_depth: int) -> list[TreeNode]:
    """The subtrees under ``root_paths`` down to ``max_depth`` (0 = company), as nested nodes."""
    if not root_paths:
        return []
    nodes = session.scalars(
        select(OrgUnit)
        .where(
            or_(*(OrgUnit.path.like(escape_like(p) + "%", escape="\\") for p in root_paths)),
            OrgUnit.depth <= max_depth,
        )
        .order_by(OrgUnit.depth, OrgUnit.sort_order, OrgUnit.code)
    ).all()
    by_id = {node.id: TreeNode(node, []) for node in nodes}
    forest = []
    for node in nodes:
        parent = by_id.get(node.parent_id) if node.parent_id else None
        (parent.children if parent else forest).append(by_id[node.id])
    return forest


# Built once: this check runs on every task command, and building the statement costs more than
# running it.


def get_org(session: Session, org_id: int) -> OrgUnit | None:
    return session.get(OrgUnit, org_id)
