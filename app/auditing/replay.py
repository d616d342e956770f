"""Deterministic replay: re-run an instance's pinned definition version from the start with the
inputs its step log holds, and check that every stored state is what the model makes of them.

Each logged step is driven as its command drove it (workflow/instances.py, tasks.py,
messages.py): the start data, each submission, each timer firing, message and retried incident,
on an engine whose clock reads the step's own time. Domain actions do not run: the service task
gets the result the stored state recorded (``RecordedActions``), so nothing is written. After
every step that stored a state, two things must hold:

- the stored state is the one its step chained (its SHA-256 is the step's ``state_hash``), and
- the re-derived state is that stored state (``state_match.py``: up to task names and
  wall-clock stamps, which no replay can reproduce).

Nothing here writes: the caller's session is only read (the CLI rolls it back).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.auditing.recorded_actions import RecordedActions
from app.auditing.replay_inputs import Inputs
from app.auditing.state_match import Pairing
from app.auditing.state_match import first_difference
from app.engine.migration import migrate
from app.engine.runtime import EngineFailure
from app.engine.runtime import Instance
from app.engine.runtime import Runtime
from app.workflow.engine_access import runtime as app_runtime
from app.workflow.engine_access import specs_for
from app.workflow.history import snapshot_rows_of
from app.workflow.history import state_hash
from app.workflow.history import states_of
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry

#: Steps whose command always stores the state it reached (older logs may lack it).
_ALWAYS_STORED = frozenset(
    {"task_completed", "timer_fired", "message_received", "cancelled", "incident_retried"}
    | {"migrated"}
)
#: Steps that change no engine state (claims, hand-overs, assignment notes, a pause, a failure).
_STATELESS = frozenset(
    {"claimed", "unclaimed", "reassigned", "assigned", "assigned_to_role", "suspended"}
    | {"incident", "retry_failed"}
)


@dataclass
class ReplayResult:
    instance_id: int
    process_key: str
    steps: int
    states_checked: int = 0
    diverged_at: int | None = None
    problem: str | None = None
    not_replayable: str | None = None

    @property
    def identical(self) -> bool:
        return self.diverged_at is None and self.not_replayable is None

    def describe(self) -> str:
        head = f"instance {self.instance_id} ({self.process_key})"
        if self.not_replayable:
            return f"{head}: not replayable: {self.not_replayable}"
        if self.diverged_at is not None:
            return f"{head}: DIVERGES at step {self.diverged_at}: {self.problem}"
        return f"{head}: replayed identically ({self.states_checked} states, {self.steps} steps)"


class Diverged(Exception):
    def __init__(self, seq: int, problem: str) -> None:
        super().__init__(problem)
        self.seq, self.problem = seq, problem


class NotReplayable(Exception):
    pass


class _Clock:
    """The engine's clock during a replay: the time of the step being replayed."""

    at = datetime(1970, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


def replay_instance(session: Session, instance_id: int) -> ReplayResult:
    row = session.get(ProcessInstance, instance_id)
    if row is None:
        raise LookupError(f"no instance {instance_id}")
    return _Replay(session, row, _read_logs(session, [row.id])[row.id]).run()


def replay_all(
    session: Session, batch: int = 200, id_range: tuple[int, int] | None = None
) -> Iterator[ReplayResult]:
    """Every instance in id order (or those with ids in ``id_range``, both ends included), read
    in batches — the rows, step logs and stored states of ``batch`` instances at a time, the
    session cleared between them, so memory stays bounded however long the history."""
    last, high = (0, None) if id_range is None else (id_range[0] - 1, id_range[1])
    specs: dict[int, Any] = {}
    while True:
        query = select(ProcessInstance).where(ProcessInstance.id > last)
        if high is not None:
            query = query.where(ProcessInstance.id <= high)
        rows = session.scalars(query.order_by(ProcessInstance.id).limit(batch)).all()
        if not rows:
            return
        logs = _read_logs(session, [row.id for row in rows])
        for row in rows:
            yield _Replay(session, row, logs[row.id], specs).run()
        last = rows[-1].id
        session.expunge_all()


@dataclass
class _Logged:
    """What a replay reads of one instance besides its row: its step log and stored states."""

    entries: list[StepLogEntry]
    snapshots: list[tuple[int, int | None, bytes]]


def _read_logs(session: Session, instance_ids: list[int]) -> dict[int, _Logged]:
    """The logs of several instances in two queries (one per instance and table cost more than
    the replay of a short instance)."""
    snapshots = snapshot_rows_of(session, instance_ids)
    logs = {i: _Logged([], snapshots[i]) for i in instance_ids}
    for entry in session.scalars(
        select(StepLogEntry)
        .where(StepLogEntry.instance_id.in_(instance_ids))
        .order_by(StepLogEntry.instance_id, StepLogEntry.seq)
    ):
        logs[entry.instance_id].entries.append(entry)
    return logs


class _StoredStates:
    """The stored states of an instance, read forward in step order as the replay goes: each is
    rebuilt once from the change before it, and only the current one is held."""

    def __init__(self, snapshots: list[tuple[int, int | None, bytes]]) -> None:
        # one state per row, in the rows' order: the rows tell each one's step without decoding
        self._seqs = [seq for seq, _base, _payload in snapshots]
        self._states = states_of(snapshots)
        self._taken = 0
        self._current: tuple[int, str, dict[str, Any] | None] | None = None

    def at(self, seq: int) -> tuple[str, dict[str, Any] | None] | None:
        """(text, state) stored at step ``seq``, None when it stored none; the state object is
        read-only and valid until a later step is asked for (the next change is applied to it)."""
        while self._taken < len(self._seqs) and self._seqs[self._taken] <= seq:
            self._current = next(self._states)
            self._taken += 1
        if self._current is None or self._current[0] != seq:
            return None
        return self._current[1], self._current[2]


class _Replay:
    def __init__(
        self,
        session: Session,
        row: ProcessInstance,
        logged: _Logged,
        specs: dict[int, Any] | None = None,
    ) -> None:
        self.session, self.row, self.logged = session, row, logged
        #: Parsed specs by definition id, shared by the instances of one run (versions never
        #: change: reading the definition row again for each instance cost more than its replay).
        self.specs_by_definition = {} if specs is None else specs
        self.result = ReplayResult(row.id, row.process_key, row.step_count)
        self.clock = _Clock()
        self.actions = RecordedActions()
        self.pairing = Pairing()
        self.instance: Instance | None = None
        self.fresh = False  # created by a message, not advanced yet
        self.inputs = Inputs(session, row.id)
        self.stored = _StoredStates(logged.snapshots)
        self.stored_now: tuple[str, dict[str, Any] | None] | None = None
        self.last_stored_text: str | None = None

    def run(self) -> ReplayResult:
        try:
            entries = self.logged.entries
            self._start_engine(entries[0].definition_id if entries else self.row.definition_id)
            last_state = None
            for entry in self.logged.entries:
                self._step(entry)
                if entry.state_hash is not None:
                    last_state = entry.seq
            self._check_row(last_state)
        except Diverged as diverged:
            self.result.diverged_at, self.result.problem = diverged.seq, diverged.problem
        except NotReplayable as reason:
            self.result.not_replayable = str(reason)
        except SQLAlchemyError:
            raise
        except Exception as crash:  # noqa: BLE001 - one unreadable history must not stop --all
            self.result.not_replayable = f"the replay stopped: {crash!r}"[:500]
        return self.result

    def _start_engine(self, definition_id: int) -> None:
        """The engine, on the version the instance started on (a migration step switches)."""
        self.definition_id, self.specs = definition_id, self._specs_of(definition_id)
        shared = app_runtime()
        self.runtime = Runtime(
            now=self.clock.now,
            limits=shared.limits,
            run_budget=shared.run_budget,
            bounds=shared.bounds,
            multi_instance_bound=shared.multi_instance_bound,
        )

    def _specs_of(self, definition_id: int) -> Any:
        known = self.specs_by_definition.get(definition_id)
        if known is None:
            definition = self.session.get(ProcessDefinition, definition_id)
            if definition is None:
                raise NotReplayable(f"the version {definition_id} of the process is not stored")
            known = self.specs_by_definition[definition_id] = specs_for(
                definition.process_key, definition.content_hash, lambda: definition.spec_json
            )
        return known

    def _step(self, entry: StepLogEntry) -> None:
        self.clock.at = _aware(entry.occurred_at)
        self.stored_now = self.stored.at(entry.seq)
        self.actions.stored_after = self.stored_now[1] if self.stored_now else None
        try:
            self._drive(entry)
        except EngineFailure as failure:
            if _unlogged_correction(entry):
                raise NotReplayable(_UNLOGGED.format(seq=entry.seq, where="the engine")) from None
            raise Diverged(entry.seq, f"the engine failed on replay: {failure.message}") from None
        except KeyError:
            raise Diverged(entry.seq, "the task it completed is not open on replay") from None
        if entry.state_hash is not None:
            self._compare(entry)
            self.instance.outgoing_messages()  # routed after the save (messages.settle)

    def _drive(self, entry: StepLogEntry) -> None:
        action = entry.action
        if action == "migrated" and self.instance is not None:
            return self._migrate(entry)
        if entry.definition_id != self.definition_id:
            raise NotReplayable(f"step {entry.seq} ran another version of the process")
        if entry.state_hash is None and action in _ALWAYS_STORED:
            raise NotReplayable(f"step {entry.seq} stored no state (logged before states were)")
        if action == "started":
            return self._started(entry)
        if self.instance is None:
            raise Diverged(entry.seq, f"'{action}' before the instance started")
        if action == "task_completed":
            submitted = json.loads(entry.submitted_json or "{}")
            return self.instance.complete(self.pairing.replay_id(entry.task_uuid or ""), submitted)
        if action == "message_received":
            return self._deliver(self.inputs.message(entry))
        if action in ("timer_fired", "resumed"):
            return self._advance() if entry.state_hash is not None else None
        if action == "cancelled":
            return self.instance.cancel()
        if action == "incident_retried":
            return self._retry(entry)
        if action in _STATELESS and entry.state_hash is None:
            return None
        raise NotReplayable(f"step {entry.seq}: the action '{action}' cannot be replayed yet")

    def _started(self, entry: StepLogEntry) -> None:
        data = json.loads(entry.submitted_json or "{}")
        self.instance = self.runtime.create(self.specs, data)
        self.actions.instance = self.instance
        self.instance.attach_services(self.actions)
        before = self.instance.dump()  # as steps.create stores it (dumping prunes: not skipped)
        if entry.state_hash is None:  # started by a message: the delivery step advances it
            if not (entry.detail or "").startswith("message "):
                raise NotReplayable(f"step {entry.seq} stored no state (logged before states were)")
            self.fresh = True
            return
        try:
            self.instance.advance()
        except EngineFailure:
            # the start failed: the state stored is the initial one, and an incident follows
            self._reload(before)

    def _migrate(self, entry: StepLogEntry) -> None:
        """The instance moved to the step's version: move the replayed one as the command did
        (workflow/migration.py), and run on from there."""
        specs = self._specs_of(entry.definition_id)
        moved = migrate(self.instance, specs)
        if moved.obstacles:
            raise Diverged(entry.seq, f"the migration is refused on replay: {moved.obstacles[0]}")
        self.definition_id, self.specs = entry.definition_id, specs
        self._advance()

    def _advance(self) -> None:
        self.instance.advance()

    def _deliver(self, event_json: str | None) -> None:
        if event_json is None:
            raise NotReplayable("a received message is no longer among the stored messages")
        if self.fresh:
            self.fresh = False
            self.instance.advance()
        self.instance.deliver(event_json)

    def _retry(self, entry: StepLogEntry) -> None:
        match = re.fullmatch(r"incident (\d+)", entry.detail or "")
        retried = self.inputs.retried(int(match.group(1))) if match else None
        if retried is None:
            raise NotReplayable(f"step {entry.seq}: the retried incident is not stored")
        if retried.task_uuid is not None:
            replay_id = self.pairing.replay_id(retried.task_uuid)
            corrected = json.loads(entry.submitted_json) if entry.submitted_json else None
            return self.instance.complete(replay_id, corrected or retried.data)
        if retried.event_json is not None:
            return self._deliver(retried.event_json)
        return self._advance()

    def _reload(self, state_json: str) -> None:
        self.instance = self.runtime.load(self.specs, state_json)
        self.actions.instance = self.instance
        self.instance.attach_services(self.actions)

    def _compare(self, entry: StepLogEntry) -> None:
        if self.stored_now is None:
            raise Diverged(entry.seq, "the state this step chained is not stored")
        stored_text, stored_state = self.stored_now
        if state_hash(stored_text) != entry.state_hash:
            raise Diverged(entry.seq, "the stored state is not the one its step chained")
        self.last_stored_text = stored_text
        difference = first_difference(self.instance.dump(), stored_text, self.pairing, stored_state)
        if difference is not None:
            if _unlogged_correction(entry):
                raise NotReplayable(_UNLOGGED.format(seq=entry.seq, where=difference))
            raise Diverged(entry.seq, f"the re-derived state differs at {difference}")
        self.result.states_checked += 1

    def _check_row(self, last_state: int | None) -> None:
        """The instance row holds the state of the last step that stored one."""
        if last_state is not None and self.row.state_json != self.last_stored_text:
            raise Diverged(last_state, "the instance row's state is not the state of this step")


#: Before steps logged it, a retry's corrected submission was kept nowhere but in the state.
_UNLOGGED = (
    "step {seq} retried an incident (differs at {where}), and the log of that time does not"
    " hold data corrected on a retry"
)


def _unlogged_correction(entry: StepLogEntry) -> bool:
    return entry.action == "incident_retried" and entry.submitted_json is None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
