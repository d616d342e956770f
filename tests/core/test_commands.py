"""The command runner: one transaction per command, nothing left behind on failure."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.audit import verify_chain
from app.core.commands import SYSTEM
from app.core.commands import CommandContext
from app.core.commands import run
from app.core.errors import Conflict
from app.extensions import db
from app.identity.models import User
from tests.factories import make_user


class Boom(Exception):
    pass


def _create_then_fail(ctx: CommandContext) -> None:
    make_user("half_way")  # a nested command: same transaction
    ctx.record("something_happened", ("user", "half_way"))
    ctx.after_commit(lambda: pytest.fail("after-commit effect ran for a failed command"))
    raise Boom


def test_failed_command_leaves_no_rows_and_no_audit_events(app):
    make_user("before")
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    with pytest.raises(Boom):
        run(_create_then_fail, actor=SYSTEM)

    db.session.rollback()
    assert db.session.scalar(select(User).where(User.login == "half_way")) is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    assert verify_chain(db.session).ok


def test_command_commits_its_audit_events_with_its_changes(app):
    user_id = make_user("wang")
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.event_type, event.subject_id, event.actor_login) == (
        "user_created",
        str(user_id),
        "system",
    )
    assert event.command == "create_user"


def test_after_commit_effects_run_once_committed(app):
    seen: list[int] = []

    def _command(ctx: CommandContext) -> None:
        ctx.after_commit(
            lambda: seen.append(db.session.scalar(select(func.count()).select_from(User)))
        )
        make_user("li")

    run(_command, actor=SYSTEM)
    assert seen == [1]  # a fresh read session already sees the committed user


def test_unique_violation_becomes_a_conflict(app):
    def _duplicate(ctx: CommandContext) -> None:
        ctx.session.add_all(
            [
                User(
                    login="dup",
                    password_hash="x",
                    display_name="a",
                    session_token="a" * 32,
                    created_at=ctx.now,
                ),
                User(
                    login="dup",
                    password_hash="x",
                    display_name="b",
                    session_token="b" * 32,
                    created_at=ctx.now,
                ),
            ]
        )

    with pytest.raises(Conflict):
        run(_duplicate, actor=SYSTEM)


def test_concurrent_commands_keep_the_audit_chain_gap_free(app):
    """Eight threads append at once; every event lands once, in one unbroken chain."""
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        with app.app_context():
            try:
                for round_ in range(3):
                    make_user(f"user{index}_{round_}")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    report = verify_chain(db.session)
    assert report.ok, report.problem
    assert report.checked == 24
