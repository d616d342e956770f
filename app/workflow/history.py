"""The state of an instance after every step, stored small: the change from the state before, with
the whole state every ``CHECKPOINT_EVERY`` steps, so reading any step's state applies at most that
many changes to one full state.

A state is the JSON the engine dumps (serializer.py): an object whose ``tasks`` hold one entry per
task. A change lists the top-level keys set or removed, the tasks added or removed, and the fields
of each task that changed. Applying it keeps the order of the keys, so the state read back is
the very text that was stored, and its SHA-256, chained in the step log, proves it.

``state_at`` is the one way to read a stored state (the auditor's pages read through it).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.workflow.models import InstanceSnapshot
from app.workflow.models import ProcessInstance

#: At most this many changes are applied to read a state (a full state is stored this often).
CHECKPOINT_EVERY = 20
_LEVEL = 6  # written once per step, read rarely: small matters more than the last 50 µs

#: A preset dictionary for zlib: the keys every state and change repeat, so a change of a few
#: hundred bytes compresses as well as a large state. Never edit it: stored rows name it by its
#: checksum (zlib's DICTID); a better one would be added beside it.
_ZDICT = (
    b'"del":[],"tasks_del":[],"visited_add":[],"tasks_new":{},"success":true,"correlations":{},'
    b'"bpmn_events":[],"subprocesses":{},"completed":false,"typename":"BpmnWorkflow",'
    b'"internal_data":{},"data":{},"triggered":false,"typename":"Task"},'
    b'"delta":{"updates":{},"deletions":[]},"state":4,"state":2,"state":1,"state":16,"state":64,'
    b'"task_spec":"","last_state_change":17,"children":["","parent":"{"id":"'
    b'"tasks_fields":{"last_task":"{"set":{'
)


def state_hash(state_json: str) -> str:
    return hashlib.sha256(state_json.encode()).hexdigest()


def snapshot_for(row: ProcessInstance, seq: int, state_json: str, previous: str | None) -> Any:
    """The snapshot row for ``state_json`` at step ``seq``; ``previous`` is the state stored at
    the instance's last snapshot (None when unknown: the state is then stored in full)."""
    full = (
        previous is None
        or row.snapshot_seq is None
        or row.full_snapshot_seq is None
        or seq - row.full_snapshot_seq >= CHECKPOINT_EVERY
    )
    if full:
        payload, base = state_json, None
        row.full_snapshot_seq = seq
    else:
        payload = json.dumps(
            state_change(json.loads(previous), json.loads(state_json)),
            ensure_ascii=False,
            separators=(",", ":"),
        )
        base = row.snapshot_seq
    row.snapshot_seq = seq
    return InstanceSnapshot(
        instance_id=row.id,
        seq=seq,
        state_zlib=compress_state(payload),
        base_seq=base,
    )


def state_change(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What turns ``before`` into ``after``: top-level keys set or removed, tasks added whole,
    and of a task that changed only the fields that did (its state, its children …)."""
    tasks_before, tasks_after = before.get("tasks", {}), after.get("tasks", {})
    changed = {}
    for key, task in tasks_after.items():
        old = tasks_before.get(key)
        if old is not None and old != task and old.keys() == task.keys():
            changed[key] = {field: value for field, value in task.items() if old[field] != value}
    grown = _grown_visited(before, after)
    return {
        "set": {
            k: v
            for k, v in after.items()
            if k != "tasks" and before.get(k, _NONE) != v and not (k == "visited" and grown)
        },
        "visited_add": grown,
        "del": [k for k in before if k not in after],
        "tasks_new": {
            k: v for k, v in tasks_after.items() if k not in changed and tasks_before.get(k) != v
        },
        "tasks_fields": changed,
        "tasks_del": [k for k in tasks_before if k not in tasks_after],
    }


def apply_change(state: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    for key in change["del"]:
        del state[key]
    tasks = state.get("tasks", {})
    for key in change["tasks_del"]:
        del tasks[key]
    for key, fields in change["tasks_fields"].items():
        tasks[key].update(fields)
    tasks.update(change["tasks_new"])  # a new task goes last, as the engine adds it
    state.update(change["set"])
    if change.get("visited_add"):
        state["visited"] = sorted({*state["visited"], *change["visited_add"]})
    return state


def _grown_visited(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The elements newly marked as run (pruning.py keeps them as a sorted list that only grows):
    stored as the additions, not the whole list again at every step."""
    old, new = before.get("visited"), after.get("visited")
    if not old or not new or old == new or not set(old) <= set(new):
        return []
    return sorted(set(new) - set(old))


def state_at(session: Session, instance_id: int, seq: int) -> str | None:
    """The state stored at step ``seq`` or, for a step that stored none, the latest before it."""
    rows = _rows_back_to_full(session, instance_id, seq)
    if not rows:
        return None
    state: dict[str, Any] | None = None
    for row in rows:
        payload = decompress_state(row.state_zlib)
        if row.base_seq is None:
            state = json.loads(payload)
            last = payload
        else:
            state = apply_change(state or {}, json.loads(payload))
            last = None
    return (
        last if last is not None else json.dumps(state, ensure_ascii=False, separators=(",", ":"))
    )


def stored_states(session: Session, instance_id: int) -> Iterator[tuple[int, str]]:
    """Every stored state of the instance in step order, as (step, state): one pass, each change
    applied once (for checking the whole history, where ``state_at`` per step would repeat work)."""
    rows = session.execute(
        select(InstanceSnapshot.seq, InstanceSnapshot.base_seq, InstanceSnapshot.state_zlib)
        .where(InstanceSnapshot.instance_id == instance_id)
        .order_by(InstanceSnapshot.seq)
    )
    for seq, text, _state in states_of(rows):
        yield seq, text


def snapshot_rows_of(
    session: Session, instance_ids: list[int]
) -> dict[int, list[tuple[int, int | None, bytes]]]:
    """The snapshot rows (seq, base_seq, compressed payload) of several instances in one query,
    by instance, each in step order: for ``states_of`` over a batch of instances."""
    found: dict[int, list[tuple[int, int | None, bytes]]] = {i: [] for i in instance_ids}
    for instance_id, seq, base_seq, payload in session.execute(
        select(
            InstanceSnapshot.instance_id,
            InstanceSnapshot.seq,
            InstanceSnapshot.base_seq,
            InstanceSnapshot.state_zlib,
        )
        .where(InstanceSnapshot.instance_id.in_(instance_ids))
        .order_by(InstanceSnapshot.instance_id, InstanceSnapshot.seq)
    ):
        found[instance_id].append((seq, base_seq, payload))
    return found


def states_of(rows: Any) -> Iterator[tuple[int, str, dict[str, Any] | None]]:
    """(step, state text, state) for snapshot rows (seq, base_seq, payload) in step order. The
    state object is the one the next change is applied to: valid, and read-only, until the next
    item is taken (None when the history is broken)."""
    state: dict[str, Any] | None = None
    for seq, base_seq, blob in rows:
        payload = decompress_state(blob)
        if base_seq is None:
            state = json.loads(payload)
            yield seq, payload, state
            continue
        if state is None:  # a change with nothing to apply it to: the history is broken
            yield seq, "", None
            continue
        state = apply_change(state, json.loads(payload))
        yield seq, json.dumps(state, ensure_ascii=False, separators=(",", ":")), state


def _rows_back_to_full(session: Session, instance_id: int, seq: int) -> list[InstanceSnapshot]:
    full_seq = session.scalar(
        select(InstanceSnapshot.seq)
        .where(
            InstanceSnapshot.instance_id == instance_id,
            InstanceSnapshot.seq <= seq,
            InstanceSnapshot.base_seq.is_(None),
        )
        .order_by(InstanceSnapshot.seq.desc())
        .limit(1)
    )
    if full_seq is None:
        return []
    return list(
        session.scalars(
            select(InstanceSnapshot)
            .where(
                InstanceSnapshot.instance_id == instance_id,
                InstanceSnapshot.seq >= full_seq,
                InstanceSnapshot.seq <= seq,
            )
            .order_by(InstanceSnapshot.seq)
        )
    )


def compress_state(text: str) -> bytes:
    packer = zlib.compressobj(_LEVEL, zdict=_ZDICT)
    return packer.compress(text.encode()) + packer.flush()


def decompress_state(blob: bytes) -> str:
    if blob[1] & 0x20:  # FDICT: written with the preset dictionary
        unpacker = zlib.decompressobj(zdict=_ZDICT)
        return (unpacker.decompress(blob) + unpacker.flush()).decode()
    return zlib.decompress(blob).decode()  # rows stored before the dictionary


class _Missing:
    pass


_NONE = _Missing()
