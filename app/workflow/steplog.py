"""The hash chain of a step log: each entry's hash covers its fields and the previous hash."""

from __future__ import annotations

import hashlib

from app.core.audit import canonical_json
from app.workflow.models import StepLogEntry

GENESIS = "0" * 64


def step_hash(entry: StepLogEntry) -> str:
    material = canonical_json(
        [
            entry.instance_id,
            entry.seq,
            entry.occurred_at.isoformat(),
            entry.actor_user_id,
            entry.actor_login,
            entry.action,
            entry.task_uuid,
            entry.element_id,
            entry.submitted_json,
            entry.data_change_json,
            entry.detail,
            entry.definition_id,
            entry.prev_hash,
            # Steps logged before states were hashed have none: their hash stays as it was.
            *([entry.state_hash] if entry.state_hash is not None else []),
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()
