"""The audit trail: hash-chained, append-only; `flask audit verify` names the first broken link."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core.audit import AuditEvent
from app.core.audit import event_hash
from app.core.audit import verify_chain
from app.extensions import db
from tests.factories import make_user


@pytest.fixture
def trail(app):
    """Five events: users a…e created, one command each."""
    for login in "abcde":
        make_user(login)


def tamper(statement: str, **params: object) -> None:
    """Change audit rows the way an intruder with database rights would: around the guards."""
    with db.engines.write.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")
        connection.execute(text(statement), params)


def verify(app) -> tuple[int, str]:
    db.session.rollback()  # the CLI shares the test's app context: start a fresh read
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_intact_trail_verifies(app, trail):
    code, output = verify(app)
    assert code == 0
    assert "5 events verified" in output


def test_changed_payload_is_detected(app, trail):
    tamper("UPDATE audit_events SET payload = :p WHERE seq = 3", p='{"login":"mallory"}')
    code, output = verify(app)
    assert code == 1
    assert "#3" in output
    assert "changed" in output


def test_rewritten_row_with_a_recomputed_hash_breaks_the_next_link(app, trail):
    """An intruder who also recomputes the row's own hash is caught by the row after it."""
    row = db.session.get(AuditEvent, 2)
    db.session.expunge(row)
    row.payload = '{"login":"mallory"}'
    tamper(
        "UPDATE audit_events SET payload = :p, hash = :h WHERE seq = 2",
        p=row.payload,
        h=event_hash(row),
    )
    code, output = verify(app)
    assert code == 1
    assert "#2 → #3 is broken" in output


def test_deleted_row_in_the_middle_is_detected(app, trail):
    tamper("DELETE FROM audit_events WHERE seq = 2")
    code, output = verify(app)
    assert code == 1
    assert "#2 is missing" in output


def test_deleted_rows_at_the_end_are_detected(app, trail):
    tamper("DELETE FROM audit_events WHERE seq >= 4")
    code, output = verify(app)
    assert code == 1
    assert "head records #5" in output


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET payload = '{}'", "DELETE FROM audit_events"]
)
def test_database_refuses_to_change_audit_events(app, trail, statement):
    with pytest.raises(DBAPIError, match="append-only"), db.engines.write.begin() as connection:
        connection.execute(text(statement))
    assert verify_chain(db.session).ok
