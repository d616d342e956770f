"""Slowing down password guessing, per account name and per client address.

After ``threshold`` failures inside ``window`` the key is locked for ``base`` seconds, doubling
with each further failure up to ``maximum``. A locked key is refused without the password being
checked, so a guesser learns nothing while it waits. Counters live in the database, so every worker
process and every machine behind a load balancer sees the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from app.identity.models import LoginThrottle

ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class ThrottlePolicy:
    threshold: int
    window: timedelta
    base: timedelta
    maximum: timedelta

    def lock_for(self, failures: int) -> timedelta | None:
        if failures < self.threshold:
            return None
        factor = 2 ** min(failures - self.threshold, 20)
        return min(self.base * factor, self.maximum)


def load_rows(session: Session, keys: list[tuple[str, str]], now: datetime) -> list[LoginThrottle]:
    """The throttle rows of ``keys``, created when missing and locked for this transaction."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for scope, key in keys:
        session.execute(
            insert(LoginThrottle)
            .values(scope=scope, key=key, failures=0, window_started_at=now)
            .on_conflict_do_nothing(index_elements=["scope", "key"])
        )
    rows = []
    for scope, key in keys:
        rows.append(
            session.scalars(
                select(LoginThrottle)
                .where(LoginThrottle.scope == scope, LoginThrottle.key == key)
                .with_for_update()
            ).one()
        )
    return rows


def seconds_locked(rows: list[LoginThrottle], now: datetime) -> int:
    remaining = [
        (row.locked_until - now).total_seconds()
        for row in rows
        if row.locked_until is not None and row.locked_until > now
    ]
    return int(max(remaining) + 0.999) if remaining else 0


def register_failure(row: LoginThrottle, policy: ThrottlePolicy, now: datetime) -> None:
    if now - row.window_started_at > policy.window:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    lock = policy.lock_for(row.failures)
    row.locked_until = now + lock if lock else None


def clear(session: Session, scope: str, key: str) -> None:
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key)
    )
