"""The command runner: every write in BranchFlow is a command run here, in one transaction.

A command is a plain function ``command(ctx, **values)``. It authorises the actor (its package's
policy), reads and writes through ``ctx.session``, records audit events with ``ctx.record`` and
registers after-commit effects with ``ctx.after_commit``. It flushes; it never commits.

``run`` opens the write session, calls the command, appends the recorded audit events to the chain,
commits once, and only then runs the after-commit effects. Any exception rolls everything back, so
nothing a failed command did is left behind. A command that runs another command through ``run``
shares the outer transaction (like Camunda's CommandContext reuse).
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.core import clock
from app.core.audit import EventOrigin
from app.core.audit import PendingEvent
from app.core.audit import append_events
from app.core.db import db
from app.core.errors import Conflict

log = logging.getLogger(__name__)

R = TypeVar("R")


@dataclass(frozen=True)
class Actor:
    """Who runs a command. ``user_id`` is None for the system itself (timers, demo loader)."""

    user_id: int | None
    login: str
    source: str = "web"
    address: str | None = None
    request_id: str | None = None


SYSTEM = Actor(user_id=None, login="system", source="system")


def cli_actor() -> Actor:
    """The operator at the terminal: recorded by their operating-system account name."""
    return Actor(user_id=None, login=f"cli:{getpass.getuser()}", source="cli")


class CommandContext:
    def __init__(self, session: Session, actor: Actor, now: datetime, command: str) -> None:
        self.session = session
        self.actor = actor
        #: One instant for the whole command, so that all it writes carries the same time.
        self.now = now
        self.command = command
        #: The enterprise's local date at ``now`` (role validity and deadlines are local dates).
        self.today = now.astimezone(clock.local_zone()).date()
        self.events: list[PendingEvent] = []
        self.effects: list[Callable[[], None]] = []

    def record(
        self,
        event_type: str,
        subject: tuple[str, object] | None = None,
        *,
        org_unit_id: int | None = None,
        **data: Any,
    ) -> None:
        """Add an audit event (``<subject>_<past_tense_verb>``) to this command's transaction."""
        subject_type, subject_id = subject if subject else (None, None)
        self.events.append(
            PendingEvent(
                event_type=event_type,
                subject_type=subject_type,
                subject_id=None if subject_id is None else str(subject_id),
                org_unit_id=org_unit_id,
                data=data,
            )
        )

    def after_commit(self, effect: Callable[[], None]) -> None:
        self.effects.append(effect)

    def savepoint(self) -> Savepoint:
        """A part of this command that can be undone alone, with what it recorded and scheduled
        (the transaction itself is still committed by ``run`` only)."""
        return Savepoint(self)


class Savepoint:
    def __init__(self, ctx: CommandContext) -> None:
        self._ctx = ctx
        self._nested = ctx.session.begin_nested()
        self._events, self._effects = len(ctx.events), len(ctx.effects)

    def keep(self) -> None:
        """What was written since belongs to the command (the savepoint is released)."""
        if self._nested.is_active:
            self._nested.commit()

    def undo(self) -> None:
        """Roll back what was written since, and drop the events and effects recorded since."""
        if self._nested.is_active:
            self._nested.rollback()
        del self._ctx.events[self._events :]
        del self._ctx.effects[self._effects :]


_active: ContextVar[CommandContext | None] = ContextVar("branchflow_command", default=None)


def command_time() -> datetime | None:
    """The time of the command running in this context (None outside one). The engine reads it,
    so that every time a step used is the time its step-log entry records, and a replay of the
    step (app/auditing/replay.py) can give the engine that very time again."""
    ctx = _active.get()
    return ctx.now if ctx is not None else None


def run(command: Callable[..., R], /, *, actor: Actor, **values: Any) -> R:
    """Run ``command(ctx, **values)`` in one transaction and return what it returns.

    A pooled connection found dead (the database restarted) before the commit was sent has
    written nothing: the command runs once more on a fresh connection. After the commit was
    sent, whether it landed is unknown, so the error goes to the caller.
    """
    outer = _active.get()
    if outer is not None:
        return command(outer, **values)
    try:
        return _run_once(command, actor, values)
    except _DeadBeforeCommit as dead:
        log.warning("command %s: connection lost before commit, running it again", dead.command)
        return _run_once(command, actor, values)


def rehearse(
    command: Callable[..., R], /, *, actor: Actor, now: datetime | None = None, **values: Any
) -> tuple[R, CommandContext]:
    """Run ``command(ctx, **values)`` as ``run`` would, then roll everything back: nothing it
    wrote, recorded or scheduled is kept (a dry run). Commands it runs through ``run`` share the
    rehearsal's transaction, so they are undone with it. ``now`` plays the command at another
    moment (the roles held and the deadlines counted are those of that day).

    Returns what the command returned and its context (the audit events it would have recorded
    are in ``ctx.events``); the after-commit effects never run.
    """
    if _active.get() is not None:
        raise RuntimeError("a rehearsal cannot run inside another command")
    session = db.write_session()
    ctx = CommandContext(session, actor, now or clock.now(), command.__name__)
    token = _active.set(ctx)
    try:
        result = command(ctx, **values)
        session.flush()
        return result, ctx
    finally:
        _active.reset(token)
        session.rollback()
        session.close()
        db.end_read_transaction()


class _DeadBeforeCommit(Exception):
    def __init__(self, command: str) -> None:
        super().__init__(command)
        self.command = command


def _run_once(command: Callable[..., R], actor: Actor, values: dict[str, Any]) -> R:
    session = db.write_session()
    ctx = CommandContext(session, actor, clock.now(), command.__name__)
    token = _active.set(ctx)
    committing = False
    try:
        result = command(ctx, **values)
        session.flush()
        append_events(session, _origin(ctx), ctx.events)
        committing = True
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        if exc.connection_invalidated and not committing:
            raise _DeadBeforeCommit(ctx.command) from exc
        if isinstance(exc, IntegrityError):
            log.info("command %s refused by the database: %s", ctx.command, exc)
            raise Conflict(None, command=ctx.command) from exc
        raise
    except StaleDataError as exc:
        session.rollback()
        log.info("command %s refused by the database: %s", ctx.command, exc)
        raise Conflict(None, command=ctx.command) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        _active.reset(token)
        session.close()
        # Committed or refused, the caller's next read starts afresh: it sees this command's
        # writes, or what others committed meanwhile (the cause of a Conflict).
        db.end_read_transaction()
    for effect in ctx.effects:
        try:
            effect()
        except Exception:
            # The command is committed; a failed notification must not turn it into an error page.
            log.exception("after-commit effect of %s failed", ctx.command)
    return result


def _origin(ctx: CommandContext) -> EventOrigin:
    return EventOrigin(
        occurred_at=ctx.now,
        actor_user_id=ctx.actor.user_id,
        actor_login=ctx.actor.login,
        source=ctx.actor.source,
        request_id=ctx.actor.request_id,
        command=ctx.command,
    )
