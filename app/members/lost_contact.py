"""Lost-contact members (失联党员, procedures.yaml ``lost_contact_member_handling``) as criterion
C09 reads them: a branch that reported a member lost and did not search for them in time.

A case is an instance of the procedure at the branch; its search (``search``, 多渠道查找) is due a
month after it opens. A case counts against ``year`` when, at some time in that year (up to now),
its search was past its deadline and not completed: no search recorded in time. Cases cancelled
by a manager do not count."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import clock
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import answers_of

PROCESS_KEY = "lost_contact_member_handling"
SEARCH_STEP = "search"


def unsought_lost_contacts(session: Session, branch_ids: list[int], year: int) -> dict[int, int]:
    """Branch id → number of members reported lost whose search was not done by its deadline in
    ``year`` (every branch asked for is in the answer, 0 when none)."""
    counts = dict.fromkeys(branch_ids, 0)
    if not branch_ids:
        return counts
    zone = clock.local_zone()
    year_start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    year_end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    cutoff = min(year_end, clock.now())
    late = (
        select(ProcessInstance.org_unit_id, ProcessInstance.id)
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(
            ProcessInstance.process_key == PROCESS_KEY,
            ProcessInstance.org_unit_id.in_(branch_ids),
            ProcessInstance.status != InstanceStatus.CANCELLED,
            HumanTask.element_id == SEARCH_STEP,
            HumanTask.state != HumanTaskState.CANCELLED,
            HumanTask.due_at < cutoff,
            or_(
                HumanTask.completed_at.is_(None),
                and_(
                    HumanTask.completed_at > HumanTask.due_at,
                    HumanTask.completed_at > year_start,
                ),
            ),
        )
        .distinct()
    )
    cases = session.execute(late).all()
    answers = answers_of(session, [instance_id for _branch, instance_id in cases])
    members: dict[int, set[object]] = {}
    for branch_id, instance_id in cases:  # a member reported twice is one member
        members.setdefault(branch_id, set()).add(answers[instance_id].get("member", instance_id))
    return counts | {branch_id: len(found) for branch_id, found in members.items()}
