"""Starting many instances in one command (a grading cycle for every branch of a unit).

``create_many`` makes the rows, ``write_created`` writes them and what their first steps held
back, in a few batched statements instead of several per instance (issue 12's cycle start).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from app.core.commands import CommandContext
from app.identity.models import OrgUnit
from app.workflow.action_runner import ActionRunner
from app.workflow.engine_access import runtime
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.steps import Loaded
from app.workflow.steps import announce_arrivals
from app.workflow.steps import new_row
from app.workflow.steps import specs_of

#: The state of a row ``create_many`` made, until its first steps are saved (never committed).
NOT_SAVED = ""


def create_many(
    ctx: CommandContext,
    definition: ProcessDefinition,
    starts: list[tuple[OrgUnit, str | None, dict[str, Any]]],
) -> list[Loaded]:
    """New instance rows, one per (organisation, business key, data), not advanced yet, for a
    command that starts many at once (then ``write_created``).

    Their ids are reserved first and the rows left pending, so that each is written once, with
    the state after its first steps, by one batched INSERT for all of them — not an INSERT and an
    UPDATE each. What the first steps write about them (tasks, step log) waits in ``held`` until
    ``write_created``: a flush meanwhile (an action, a query) writes the instance rows alone (their
    state then follows by UPDATE) and never a task before its instance (the unit of work knows no
    order between the two tables)."""
    specs, held = specs_of(ctx, definition), []
    ids = _reserve_ids(ctx, len(starts))
    loaded = []
    for (org, business_key, data), instance_id in zip(starts, ids, strict=True):
        instance = runtime().create(specs, data)
        # The state is stored after the first steps (or, should they fail, ``initial_state``):
        # serialising the initial one as well cost a sixth of a start.
        row = new_row(ctx, definition, org, business_key, NOT_SAVED, instance_id)
        ctx.session.add(row)
        instance.attach_services(ActionRunner(ctx, row))
        loaded.append(
            Loaded(row, definition, instance, {}, ctx.session, _org=org, new=True, held=held)
        )
    return loaded


def write_created(ctx: CommandContext, created: list[Loaded]) -> None:
    """Write the rows of ``create_many``'s instances, then what their first steps held back, and
    tell the people of the tasks they made ready."""
    if created:
        write_held(ctx, created[0])  # the batch holds back into one list
    for loaded in created:
        loaded.held = None
    announce_arrivals(ctx, created)


def write_held(ctx: CommandContext, loaded: Loaded) -> None:
    """Before a step writes what refers to the instance beyond its tasks and step log (messages,
    subscriptions, an incident, a finished instance's records) or another instance of the batch
    is acted on (a message): the batch's instance rows first, then everything held back."""
    if loaded.held is not None:
        ctx.session.flush()
        ctx.session.add_all(loaded.held)
        loaded.held.clear()


def initial_state(ctx: CommandContext, definition: ProcessDefinition, data: dict[str, Any]) -> str:
    """The state of a new instance of ``definition`` started with ``data``, nothing run yet."""
    return runtime().create(specs_of(ctx, definition), data).dump()


def _reserve_ids(ctx: CommandContext, count: int) -> list[int]:
    """``count`` ids for new instance rows, taken before the rows are written."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        return list(
            ctx.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('process_instances', 'id'))"
                    " FROM generate_series(1, :count)"
                ),
                {"count": count},
            )
        )
    # SQLite: this write transaction holds the database's one write lock (BEGIN IMMEDIATE), so
    # no one else takes an id meanwhile; rows of this transaction not written yet are written first.
    ctx.session.flush()
    last = ctx.session.scalar(select(func.max(ProcessInstance.id))) or 0
    return list(range(last + 1, last + 1 + count))
