"""The inputs of a replay kept outside the step log: the messages an instance received (a
``message_received`` step names only the message) and what a retried incident ran again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.workflow.models import HumanTask
from app.workflow.models import Incident
from app.workflow.models import PendingMessage
from app.workflow.models import StepLogEntry


@dataclass(frozen=True)
class Retried:
    """What a retry repeated: a task completion, a message delivery, or (neither) an advance."""

    task_uuid: str | None = None
    data: dict[str, Any] | None = None
    event_json: str | None = None


class Inputs:
    def __init__(self, session: Session, instance_id: int) -> None:
        self.session, self.instance_id = session, instance_id
        self._queue: list[PendingMessage] | None = None

    def message(self, entry: StepLogEntry) -> str | None:
        """The event of the next message of the step's name delivered to the instance (in the
        order delivered; one whose delivery failed is retried through its incident instead)."""
        if self._queue is None:
            self._queue = self._delivered()
        for index, pending in enumerate(self._queue):
            if pending.message_name == entry.detail:
                return self._queue.pop(index).event_json
        return None

    def _delivered(self) -> list[PendingMessage]:
        failed = set()
        for payload in self.session.scalars(
            select(Incident.payload_json).where(
                Incident.instance_id == self.instance_id, Incident.action == "message"
            )
        ):
            failed.add(json.loads(payload).get("pending_message_id"))
        return [
            pending
            for pending in self.session.scalars(
                select(PendingMessage)
                .where(PendingMessage.delivered_to_instance_id == self.instance_id)
                .order_by(PendingMessage.delivered_at, PendingMessage.id)
            )
            if pending.id not in failed
        ]

    def retried(self, incident_id: int) -> Retried | None:
        incident = self.session.get(Incident, incident_id)
        if incident is None or incident.instance_id != self.instance_id:
            return None
        payload = json.loads(incident.payload_json)
        if incident.action == "complete":
            task = self.session.get(HumanTask, payload.get("task_id"))
            if task is None:
                return None
            return Retried(task_uuid=task.task_uuid, data=payload.get("data") or {})
        if incident.action == "message" and payload.get("pending_message_id"):
            pending = self.session.get(PendingMessage, payload["pending_message_id"])
            if pending is not None:
                return Retried(event_json=pending.event_json)
        return Retried()
