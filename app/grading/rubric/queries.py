"""Reads of the grading rubric: the current version, a pinned version, the history.

Until the company organisation department publishes a first version, the current rubric is the
shipped default (``default_rubric.json``), read from the package and *not* stored: nothing has to
run at installation, and the demo loader and ``make run`` need not know about rubrics. A grading
cycle pins a stored row, so it calls ``commands.ensure_default_rubric``, which stores the default as
version 1 in the cycle's own transaction when nothing was published yet.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.grading.rubric.document import Rubric
from app.grading.rubric.document import changed_paths
from app.grading.rubric.document import content_hash
from app.grading.rubric.document import default_document
from app.grading.rubric.document import parse
from app.grading.rubric.models import RubricVersion
from app.grading.rubric.paths import where_and_what
from app.identity.models import User


@dataclass(frozen=True)
class RubricRecord:
    """A rubric and where it comes from: a stored version, or the shipped default (version 0)."""

    id: int | None
    version: int
    rubric: Rubric
    content_hash: str
    created_at: datetime | None = None
    created_by: str | None = None
    reason: str = ""

    @property
    def is_shipped_default(self) -> bool:
        return self.id is None


@dataclass(frozen=True)
class Change:
    path: str
    #: Where the value sits, by entry ids (``["A1", "C02"]``), and which value it is (``points``).
    where: tuple[str, ...]
    key: str
    old: Any
    new: Any


@dataclass(frozen=True)
class VersionRow:
    id: int
    version: int
    created_at: datetime
    created_by: str
    reason: str
    #: Against the version before (version 1: against the shipped default).
    changes: tuple[Change, ...]


@functools.lru_cache(maxsize=32)
def _parsed(content_json: str) -> Rubric:
    return parse(json.loads(content_json))


def shipped_default() -> RubricRecord:
    document = default_document()
    return RubricRecord(
        id=None,
        version=0,
        rubric=_parsed(json.dumps(document)),
        content_hash=content_hash(document),
    )


def _record(row: RubricVersion, who: str | None) -> RubricRecord:
    return RubricRecord(
        id=row.id,
        version=row.version,
        rubric=_parsed(row.content_json),
        content_hash=row.content_hash,
        created_at=row.created_at,
        created_by=who or row.created_by_login,
        reason=row.reason,
    )


def _with_publisher():
    return select(RubricVersion, User.display_name).outerjoin(
        User, User.id == RubricVersion.created_by_user_id
    )


def current_rubric(session: Session) -> RubricRecord:
    """The newest published version, or the shipped default while none was published."""
    found = session.execute(_with_publisher().order_by(RubricVersion.version.desc()).limit(1))
    row = found.first()
    return _record(*row) if row else shipped_default()


def rubric_version(session: Session, version_id: int) -> RubricRecord | None:
    """A stored version by its id (what a grading cycle pins)."""
    row = session.execute(_with_publisher().where(RubricVersion.id == version_id)).first()
    return _record(*row) if row else None


def rubric_by_number(session: Session, number: int) -> RubricRecord | None:
    row = session.execute(_with_publisher().where(RubricVersion.version == number)).first()
    return _record(*row) if row else None


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[Change, ...]:
    changes = []
    for path, (old, new) in changed_paths(before, after).items():
        where, key = where_and_what(path, after, before)
        changes.append(Change(path, tuple(where), key, old, new))
    return tuple(changes)


def list_versions(session: Session) -> list[VersionRow]:
    """Every published version, newest first, with what it changed."""
    rows = session.execute(_with_publisher().order_by(RubricVersion.version)).all()
    history: list[VersionRow] = []
    before = default_document()
    for row, who in rows:
        document = json.loads(row.content_json)
        history.append(
            VersionRow(
                id=row.id,
                version=row.version,
                created_at=row.created_at,
                created_by=who or row.created_by_login,
                reason=row.reason,
                changes=_changes(before, document),
            )
        )
        before = document
    return history[::-1]
