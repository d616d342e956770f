"""What mobile-member management recorded, read back for C09 ("mobile members followed up"): the
mobile members a branch has let a monthly contact lapse for. Offered to the integrator beside
``overdue_transfers``; nothing calls it yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance

MOBILE_PROCESS = "mobile_member_management"


def lapsed_mobile_contacts(
    session: Session, branch_ids: list[int], now: datetime
) -> dict[int, int]:
    """Branch id → mobile members whose monthly contact (``periodic_contact``) is past its due time
    at ``now``, still not made."""
    counts = dict.fromkeys(branch_ids, 0)
    if not branch_ids:
        return counts
    rows = session.execute(
        select(ProcessInstance.org_unit_id, func.count(HumanTask.id))
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(
            ProcessInstance.process_key == MOBILE_PROCESS,
            ProcessInstance.org_unit_id.in_(branch_ids),
            ProcessInstance.status == InstanceStatus.RUNNING,
            HumanTask.element_id == "periodic_contact",
            HumanTask.state == HumanTaskState.READY,
            HumanTask.due_at < now,
        )
        .group_by(ProcessInstance.org_unit_id)
    ).all()
    counts.update(dict(rows))
    return counts
