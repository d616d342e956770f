"""Anchors: the heads of the hash chains, printed for safekeeping outside the database.

A hash chain proves that nothing was changed only to someone who knows its head: a person with
database access can rewrite a step and recompute every hash after it, and the chain verifies
again. An anchor fixes the heads at a moment — the audit trail's last event (sequence number and
hash) and, for the step logs, a digest over every instance's last step among the steps written
so far — and is printed (a monthly report, a notice). ``check_anchor`` later recomputes both from
the database: a history rewritten before the anchor no longer passes through its heads, however
its hashes were recomputed; what was appended after it does not matter.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.auditing.models import AuditAnchor
from app.core.audit import AuditChainHead
from app.core.audit import AuditEvent
from app.core.clock import local_zone
from app.core.commands import CommandContext
from app.workflow.models import StepLogEntry

_HEADER = "BranchFlow chain anchor"
_PATTERN = re.compile(
    _HEADER + r"\s+"
    r"taken at: (?P<taken_at>\S+).*?\s+"
    r"audit trail head: seq (?P<audit_seq>\d+) hash (?P<audit_hash>[0-9a-f]{64})\s+"
    r"step logs: (?P<instances>\d+) instances, steps up to id (?P<step_max_id>\d+),"
    r" digest (?P<steps_digest>[0-9a-f]{64})"
)


@dataclass(frozen=True)
class Anchor:
    taken_at: datetime
    audit_seq: int
    audit_hash: str
    step_max_id: int
    instances: int
    steps_digest: str


def take_anchor(ctx: CommandContext) -> str:
    """Record the chains' heads now (append-only) and return the text to keep. Records
    ``audit_anchor_taken``."""
    _hold_writers(ctx.session)
    head = ctx.session.get(AuditChainHead, 1)
    step_max_id = ctx.session.scalar(select(func.max(StepLogEntry.id))) or 0
    instances, digest = steps_digest(ctx.session, step_max_id)
    anchor = Anchor(
        taken_at=ctx.now,
        audit_seq=head.seq if head else 0,
        audit_hash=head.hash if head else "0" * 64,
        step_max_id=step_max_id,
        instances=instances,
        steps_digest=digest,
    )
    printed = anchor_text(anchor)
    row = AuditAnchor(taken_by=ctx.actor.login, text=printed, **asdict(anchor))
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record("audit_anchor_taken", ("audit_anchor", row.id), audit_seq=anchor.audit_seq)
    return printed


def _hold_writers(session: Session) -> None:
    """On PostgreSQL, wait for commands writing steps or events to commit and hold new ones
    back until the anchor is taken: a step numbered before the anchor's last one must not
    commit after it (it would change the digest later). SQLite has one writer at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE step_log IN SHARE MODE"))
        session.scalars(select(AuditChainHead).with_for_update()).all()


def steps_digest(session: Session, step_max_id: int) -> tuple[int, str]:
    """(instances, SHA-256 over "instance:seq:hash" of each instance's last step with an id up
    to ``step_max_id``, in instance order)."""
    last = (
        select(StepLogEntry.instance_id, func.max(StepLogEntry.seq).label("seq"))
        .where(StepLogEntry.id <= step_max_id)
        .group_by(StepLogEntry.instance_id)
        .subquery()
    )
    heads = session.execute(
        select(StepLogEntry.instance_id, StepLogEntry.seq, StepLogEntry.hash)
        .join(
            last,
            (StepLogEntry.instance_id == last.c.instance_id) & (StepLogEntry.seq == last.c.seq),
        )
        .order_by(StepLogEntry.instance_id)
        .execution_options(yield_per=5000)
    )
    digest, count = hashlib.sha256(), 0
    for instance_id, seq, step_hash in heads:
        digest.update(f"{instance_id}:{seq}:{step_hash}\n".encode())
        count += 1
    return count, digest.hexdigest()


def anchor_text(anchor: Anchor) -> str:
    local = anchor.taken_at.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M:%S")
    return (
        f"{_HEADER}\n"
        f"taken at: {anchor.taken_at.isoformat()} ({local} Beijing time)\n"
        f"audit trail head: seq {anchor.audit_seq} hash {anchor.audit_hash}\n"
        f"step logs: {anchor.instances} instances, steps up to id {anchor.step_max_id},"
        f" digest {anchor.steps_digest}\n"
    )


def parse_anchors(printed: str) -> list[Anchor]:
    """Every anchor in a text (a report may carry several); lines around them are ignored."""
    return [
        Anchor(
            taken_at=datetime.fromisoformat(m["taken_at"]),
            audit_seq=int(m["audit_seq"]),
            audit_hash=m["audit_hash"],
            step_max_id=int(m["step_max_id"]),
            instances=int(m["instances"]),
            steps_digest=m["steps_digest"],
        )
        for m in _PATTERN.finditer(printed)
    ]


def check_anchor(session: Session, anchor: Anchor) -> list[str]:
    """What no longer passes through the anchor's heads (empty: both chains do)."""
    problems = []
    if anchor.audit_seq > 0:
        event_hash = session.scalar(
            select(AuditEvent.hash).where(AuditEvent.seq == anchor.audit_seq)
        )
        if event_hash is None:
            problems.append(f"the audit trail has no event #{anchor.audit_seq} any more")
        elif event_hash != anchor.audit_hash:
            problems.append(
                f"the audit trail no longer passes through its head: event #{anchor.audit_seq}"
                " has another hash"
            )
    instances, digest = steps_digest(session, anchor.step_max_id)
    if (instances, digest) != (anchor.instances, anchor.steps_digest):
        problems.append(
            "the step logs no longer pass through their heads: the digest of the instances'"
            f" heads differs ({instances} instances now, {anchor.instances} anchored);"
            " `flask audit replay --all` names an instance whose inputs were rewritten"
        )
    return problems


def recorded_anchors(session: Session) -> list[Anchor]:
    """The anchor list as the database keeps it, oldest first (for pages and evidence; what
    proves history is the printed copy, checked with ``check_anchor``)."""
    rows = session.scalars(select(AuditAnchor).order_by(AuditAnchor.id))
    return [anchor for row in rows for anchor in parse_anchors(row.text)]


def head_at(session: Session, instance_id: int, anchor: Anchor) -> tuple[int, str] | None:
    """The instance's step-log head the anchor digested: (seq, hash) of its last step up to the
    anchor, or None when the instance had no step yet."""
    found = session.execute(
        select(StepLogEntry.seq, StepLogEntry.hash)
        .where(StepLogEntry.instance_id == instance_id, StepLogEntry.id <= anchor.step_max_id)
        .order_by(StepLogEntry.seq.desc())
        .limit(1)
    ).first()
    return (found.seq, found.hash) if found else None
