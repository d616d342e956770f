"""The command runner: one transaction per command, nothing left behind on failure."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

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

    assert db.session.scalar(select(User).where(User.login == "half_way")) is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    assert verify_chain(db.session).ok


def test_after_a_refused_command_the_next_read_sees_what_others_committed_meanwhile(app):
    """A page that re-renders after a refusal (a Conflict: someone else was quicker) shows the
    other person's change without ending its read transaction by hand."""
    make_user("first")

    def logins() -> set[str]:
        return set(db.session.scalars(select(User.login)))

    assert "meanwhile" not in logins()  # the read transaction has begun (a snapshot on SQLite)
    created_at = db.session.scalar(select(User.created_at).limit(1))
    elsewhere = db.write_session()  # another request's command, committed meanwhile
    elsewhere.add(
        User(
            login="meanwhile",
            password_hash="x",
            display_name="同时",
            session_token="t",
            created_at=created_at,
        )
    )
    elsewhere.commit()
    elsewhere.close()

    def _refused(ctx: CommandContext) -> None:
        raise Conflict(None, command="refused")

    with pytest.raises(Conflict):
        run(_refused, actor=SYSTEM)
    assert "meanwhile" in logins()


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


def _lose_connection(ctx: CommandContext) -> None:
    """The database drops this command's connection (a restart, a network cut)."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        ctx.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    ctx.session.connection().connection.driver_connection.close()
    ctx.session.execute(text("SELECT 1"))


def test_a_command_whose_connection_died_before_commit_runs_again_once(app):
    """Pooled connections are not tested before each command (that cost round trips on every
    submission): a dead one shows when the command uses it, before anything was committed, and
    the command runs again on a new connection — the user sees nothing of it."""
    attempts: list[int] = []

    def create_user_losing_the_first_connection(ctx: CommandContext) -> None:
        attempts.append(len(attempts) + 1)
        make_user("survivor")
        ctx.record("survived", ("user", "survivor"))
        if len(attempts) == 1:
            _lose_connection(ctx)

    run(create_user_losing_the_first_connection, actor=SYSTEM)

    assert attempts == [1, 2]
    assert db.session.scalars(select(User.login).where(User.login == "survivor")).all() == [
        "survivor"
    ]
    assert verify_chain(db.session).ok
    make_user("after")  # the pool serves working connections again
