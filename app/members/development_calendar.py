"""The development calendar of a branch: the talks due within a month of an application and the
activists' half-yearly assessments (and the one-year summary), read from the open steps of the
development procedures — each with the person, the deadline and, where a regulation makes it
wait, the first day it may be done (the step's own timing rule, ``workflow.timing_rules``).

Shown on the branch page beside the 三会一课 calendar, and the worker's round reminds the branch
secretary once per step when it falls due within ``REMIND_DAYS`` (a notification about the task,
so that the reminder leads to it; ``remind_development_due``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import local_zone
from app.core.commands import CommandContext
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.queries import list_role_holders
from app.notify.commands import notify
from app.notify.models import Notification
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from app.workflow.timing_rules import waiting_for

INTAKE = "membership_application_intake"
ACTIVIST = "activist_selection_and_cultivation"
#: (procedure, step) → what is due, in Chinese and English.
DUE_STEPS = {
    (INTAKE, "assign_talker"): ("指派谈话人", "Assign someone to talk with the applicant"),
    (INTAKE, "interview"): (
        "同入党申请人谈话（收到申请书后一个月内）",
        "Talk with the applicant (within a month of the application)",
    ),
    (ACTIVIST, "first_review"): ("第一次半年考察", "First half-yearly assessment"),
    (ACTIVIST, "second_review"): ("第二次半年考察", "Second half-yearly assessment"),
    (ACTIVIST, "further_review"): ("继续培养的半年考察", "Further half-yearly assessment"),
    (ACTIVIST, "year_gate"): ("满一年培养考察总结", "Summary after a year of cultivation"),
}
#: The secretary is reminded when a step falls due within this many days.
REMIND_DAYS = 7
#: At most this many reminders per round; the rest follow on the next round.
BATCH = 200


@dataclass(frozen=True)
class DueItem:
    task_id: int
    instance_id: int
    person: str
    zh: str
    en: str
    due: date | None
    #: The regulation's "not yet" with its first day, when the step may not be done today.
    waiting: str | None
    overdue: bool
    soon: bool


def _open_due_steps(session: Session, branch_ids: list[int]):
    keys = {key for key, _ in DUE_STEPS}
    elements = {element for _, element in DUE_STEPS}
    return session.execute(
        select(HumanTask, ProcessInstance)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(
            HumanTask.state == HumanTaskState.READY,
            HumanTask.element_id.in_(elements),
            ProcessInstance.process_key.in_(keys),
            ProcessInstance.org_unit_id.in_(branch_ids),
        )
        .order_by(HumanTask.due_at, HumanTask.id)
    ).all()


def development_due(session: Session, branch: OrgUnit, now: datetime) -> list[DueItem]:
    """The branch's open development steps of the calendar, by deadline."""
    today = now.astimezone(local_zone()).date()
    items = []
    for task, row in _open_due_steps(session, [branch.id]):
        what = DUE_STEPS.get((row.process_key, task.element_id))
        if what is None:
            continue
        due = _local_day(task.due_at)
        items.append(
            DueItem(
                task_id=task.id,
                instance_id=row.id,
                person=_person_name(session, row.id),
                zh=what[0],
                en=what[1],
                due=due,
                waiting=waiting_for(session, task.id, now),
                overdue=due is not None and due < today,
                soon=due is not None and today <= due <= today + timedelta(days=REMIND_DAYS),
            )
        )
    return items


def remind_development_due(ctx: CommandContext) -> int:
    """Tell each branch's secretary of every development step due within ``REMIND_DAYS`` (once per
    step); returns how many steps were reminded."""
    branches = {
        b.id: b for b in ctx.session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.BRANCH))
    }
    horizon = ctx.today + timedelta(days=REMIND_DAYS)
    steps = _open_due_steps(ctx.session, list(branches))
    reminded = set(
        ctx.session.scalars(
            select(Notification.task_id).where(
                Notification.kind == "reminder",
                Notification.task_id.in_([task.id for task, _ in steps]),
            )
        )
    )
    issued = 0
    for task, row in steps:
        due = _local_day(task.due_at)
        what = DUE_STEPS.get((row.process_key, task.element_id))
        if what is None or due is None or due > horizon or task.id in reminded:
            continue
        if issued >= BATCH:
            break
        secretaries = list_role_holders(
            ctx.session, "branch_secretary", branches[row.org_unit_id], ctx.today
        )
        person = _person_name(ctx.session, row.id)
        notify(
            ctx,
            [u.id for u in secretaries],
            kind="reminder",
            title=f"发展党员：{person}{what[0]}（{due} 截止）",
            title_en=f"Member development: {what[1]} for {person} (due {due})",
            task_id=task.id,
            instance_id=row.id,
        )
        reminded.add(task.id)
        issued += 1
    return issued


def _person_name(session: Session, instance_id: int) -> str:
    """The person a development step is about: the candidate named, else the applicant."""
    answers = earlier_answers(session, instance_id)
    candidate = answers.get("candidate")
    if isinstance(candidate, int) and not isinstance(candidate, bool):
        person = session.get(Person, candidate)
        if person is not None:
            return person.name
    return str(answers.get("applicant_name") or "")


def _local_day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone()).date()
