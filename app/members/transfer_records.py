"""What the transfer procedures recorded, read back: the in process an out process opened, the day
the receiving branch confirmed the 报到, and C09's count of transfers overdue.

``overdue_transfers(session, branch_ids, year)`` (the contract the integrator wires into C09, −1 per
transfer overdue): a transfer out of a branch is overdue when the member did not report within the
validity of the *first* letter issued — reported later, or not yet while that validity has ended;
it counts in the year that validity ends. A reissued letter does not make it timely again.
Read in a few queries whatever the number of branches (a company-wide grading cycle asks for all).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import local_today
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.queries import earlier_answers

OUT_PROCESS = "membership_transfer_out"
IN_PROCESS = "membership_transfer_in"
CHUNK = 500  # ids per IN (…) list


def transfer_key(out_instance_id: int) -> str:
    """The business key of the in process an out process opened."""
    return f"transfer-{out_instance_id}"


def reported_on(session: Session, out_instance_id: int) -> str | None:
    """The 报到 day the receiving branch confirmed for this out process, or None."""
    row = session.scalars(
        select(ProcessInstance).where(
            ProcessInstance.process_key == IN_PROCESS,
            ProcessInstance.business_key == transfer_key(out_instance_id),
            ProcessInstance.status != InstanceStatus.CANCELLED,
        )
    ).first()
    if row is None:
        return None
    return earlier_answers(session, row.id).get("reported_at")


def overdue_transfers(session: Session, branch_ids: list[int], year: int) -> dict[int, int]:
    """Branch id → transfers out of it overdue in ``year`` (see the module's docstring)."""
    counts = dict.fromkeys(branch_ids, 0)
    outs: dict[int, int] = {}  # out instance → its branch
    for chunk in _chunks(branch_ids):
        outs.update(
            session.execute(
                select(ProcessInstance.id, ProcessInstance.org_unit_id).where(
                    ProcessInstance.process_key == OUT_PROCESS,
                    ProcessInstance.org_unit_id.in_(chunk),
                    ProcessInstance.status != InstanceStatus.CANCELLED,
                )
            ).all()
        )
    validity = _first_answer(session, list(outs), "issue_letter", "valid_until")
    due_in_year = {i: v for i, v in validity.items() if v is not None and v.year == year}
    reported = _reported_days(session, list(due_in_year))
    today = local_today()
    for instance_id, valid in due_in_year.items():
        if (reported.get(instance_id) or today) > valid:
            counts[outs[instance_id]] += 1
    return counts


def _reported_days(session: Session, out_ids: list[int]) -> dict[int, date | None]:
    """Out instance → the 报到 day its in process recorded (its last report_in submission)."""
    in_to_out: dict[int, int] = {}
    keys = {transfer_key(i): i for i in out_ids}
    for chunk in _chunks(list(keys)):
        for in_id, key in session.execute(
            select(ProcessInstance.id, ProcessInstance.business_key).where(
                ProcessInstance.process_key == IN_PROCESS,
                ProcessInstance.business_key.in_(chunk),
                ProcessInstance.status != InstanceStatus.CANCELLED,
            )
        ):
            in_to_out[in_id] = keys[key]
    days = _first_answer(session, list(in_to_out), "report_in", "reported_at", last=True)
    return {in_to_out[i]: day for i, day in days.items()}


def _first_answer(
    session: Session, instance_ids: list[int], element_id: str, name: str, *, last: bool = False
) -> dict[int, date | None]:
    """Instance → the date answer ``name`` of its first (or last) completion of ``element_id``."""
    found: dict[int, date | None] = {}
    for chunk in _chunks(instance_ids):
        for instance_id, submitted in session.execute(
            select(StepLogEntry.instance_id, StepLogEntry.submitted_json)
            .where(
                StepLogEntry.instance_id.in_(chunk),
                StepLogEntry.action == "task_completed",
                StepLogEntry.element_id == element_id,
            )
            .order_by(StepLogEntry.instance_id, StepLogEntry.seq)
        ):
            if last or instance_id not in found:
                found[instance_id] = as_day(json.loads(submitted or "{}").get(name))
    return found


def _chunks(values: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


def as_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
