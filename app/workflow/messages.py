"""Messages between instances: subscriptions, routing, and pending messages that wait for a
receiver.

A thrown message is first kept as a pending message, then delivered in the same transaction to the
instance whose subscription matches its name and correlation values, or used to start an instance of
a process with a message start event of that name. When neither exists it stays pending and is tried
again whenever an instance subscribes to its name, and by the worker: never silently dropped.

Matching is strict: a message that carries correlation values only reaches an instance that holds
the same values (SpiffWorkflow itself would let a waiting instance without correlations accept any).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select

from app.core.commands import CommandContext
from app.engine.runtime import EngineFailure
from app.engine.runtime import MessageWait
from app.engine.runtime import OutgoingMessage
from app.identity.models import OrgUnit
from app.workflow import batch_start
from app.workflow import steps
from app.workflow.models import InstanceStatus
from app.workflow.models import MessageSubscription
from app.workflow.models import PendingMessage
from app.workflow.models import ProcessInstance

MAX_ROUTING_DEPTH = 8


def refresh_subscriptions(
    ctx: CommandContext, row: ProcessInstance, waits: list[MessageWait], depth: int = 0
) -> None:
    ctx.session.execute(
        delete(MessageSubscription).where(MessageSubscription.instance_id == row.id)
    )
    names = set()
    for wait in waits:
        ctx.session.add(
            MessageSubscription(
                instance_id=row.id,
                message_name=wait.name,
                correlations_json=json.dumps(wait.correlations, sort_keys=True, ensure_ascii=False),
            )
        )
        names.add(wait.name)
    ctx.session.flush()
    if depth < MAX_ROUTING_DEPTH:
        for name in sorted(names):
            deliver_pending(ctx, name, exclude_instance=row.id, depth=depth + 1)


def route(
    ctx: CommandContext, row: ProcessInstance, outgoing: list[OutgoingMessage], *, depth: int
) -> None:
    for message in outgoing:
        pending = PendingMessage(
            message_name=message.name,
            correlations_json=json.dumps(message.correlations, sort_keys=True, ensure_ascii=False),
            event_json=message.event_json,
            source_instance_id=row.id,
            org_unit_id=row.org_unit_id,
            created_at=ctx.now,
            open=True,
        )
        ctx.session.add(pending)
        ctx.session.flush()
        ctx.record("message_sent", ("process_instance", row.id), message=message.name)
        if depth < MAX_ROUTING_DEPTH:
            _deliver(ctx, pending, depth=depth + 1)


def matches(
    message_correlations: dict[str, Any], subscription_correlations: dict[str, Any]
) -> bool:
    return all(
        subscription_correlations.get(key) == value for key, value in message_correlations.items()
    )


def deliver_pending(
    ctx: CommandContext, name: str, *, exclude_instance: int | None, depth: int = 0
) -> int:
    """Try every open message of ``name``; returns how many were delivered."""
    delivered = 0
    for pending in ctx.session.scalars(
        select(PendingMessage)
        .where(PendingMessage.open.is_(True), PendingMessage.message_name == name)
        .order_by(PendingMessage.id)
    ).all():
        if pending.source_instance_id != exclude_instance and _deliver(
            ctx, pending, depth=depth + 1
        ):
            delivered += 1
    return delivered


def _deliver(ctx: CommandContext, pending: PendingMessage, *, depth: int) -> bool:
    pending.attempts += 1
    correlations = json.loads(pending.correlations_json)
    for subscription in ctx.session.scalars(
        select(MessageSubscription)
        .where(MessageSubscription.message_name == pending.message_name)
        .order_by(MessageSubscription.id)
    ).all():
        if subscription.instance_id == pending.source_instance_id:
            continue
        if not matches(correlations, json.loads(subscription.correlations_json)):
            continue
        if _receive(ctx, subscription.instance_id, pending, depth=depth):
            return True
    return _start_by_message(ctx, pending, depth=depth)


def _mark_delivered(ctx: CommandContext, pending: PendingMessage, instance_id: int) -> None:
    pending.open, pending.delivered_at = False, ctx.now
    pending.delivered_to_instance_id = instance_id


def _receive(ctx: CommandContext, instance_id: int, pending: PendingMessage, *, depth: int) -> bool:
    row = steps.lock(ctx, instance_id)
    if row is None or row.status is not InstanceStatus.RUNNING:
        return False
    loaded = steps.load(ctx, row)
    try:
        if not loaded.instance.deliver(pending.event_json):
            return False
    except EngineFailure as failure:
        steps.record_incident(
            ctx, row, failure, action="message", payload={"pending_message_id": pending.id}
        )
        _mark_delivered(ctx, pending, row.id)
        return True
    _mark_delivered(ctx, pending, row.id)
    settle(ctx, loaded, action="message_received", detail=pending.message_name, depth=depth)
    return True


def _start_by_message(ctx: CommandContext, pending: PendingMessage, *, depth: int) -> bool:
    """A process whose start event catches this message starts, in the sender's organisation."""
    if pending.org_unit_id is None:
        return False
    for definition in steps.latest_definitions(ctx):
        if pending.message_name not in json.loads(definition.message_starts_json):
            continue
        org = ctx.session.get(OrgUnit, pending.org_unit_id)
        loaded = steps.create(ctx, definition, org, business_key=None, data={})
        steps.append_step(
            ctx, loaded.row, action="started", detail=f"message {pending.message_name}"
        )
        try:
            loaded.instance.advance()
            delivered = loaded.instance.deliver(pending.event_json)
        except EngineFailure as failure:
            steps.record_incident(
                ctx,
                loaded.row,
                failure,
                action="advance",
                payload={"pending_message_id": pending.id},
            )
            _mark_delivered(ctx, pending, loaded.row.id)
            return True
        if delivered:
            _mark_delivered(ctx, pending, loaded.row.id)
            settle(ctx, loaded, action="message_received", detail=pending.message_name, depth=depth)
            ctx.record(
                "process_instance_started",
                ("process_instance", loaded.row.id),
                org_unit_id=org.id,
                process_key=definition.process_key,
                by_message=pending.message_name,
            )
            return True
    return False


def settle(ctx: CommandContext, loaded: steps.Loaded, *, depth: int = 0, **step: Any) -> None:
    """Save the instance (``steps.save``), refresh its subscriptions, route what it threw."""
    steps.save(ctx, loaded, **step)
    running = loaded.row.status is InstanceStatus.RUNNING
    waits = loaded.instance.message_waits() if running else []
    outgoing = loaded.instance.outgoing_messages()
    if waits or loaded.had_waits or outgoing:
        batch_start.write_held(ctx, loaded)  # a new instance's row before what refers to it
    if waits or loaded.had_waits:
        refresh_subscriptions(ctx, loaded.row, waits, depth)
    route(ctx, loaded.row, outgoing, depth=depth)
