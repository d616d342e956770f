"""A dry run of a draft model at a real organisation: every step as it would happen, nothing kept.

The draft's files are deployed, an instance started at the organisation and every task it makes
completed with sample answers — through the very commands the application runs (deployment,
start, completion: the inbox's assignment, the real deadlines, the domain actions) — inside one
transaction that is rolled back at the end (``core.commands.rehearse``). On the way it notes, in
order: who would get each task (the people holding the lane's role there on the day), its
deadline, the answers given, the path each gateway took, what each step set and what each domain
action would have written. A refusal (a check, a form answer, an incident) ends the walk and is
reported as a problem.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy import select

from app.core.clock import local_zone
from app.core.commands import Actor
from app.core.commands import CommandContext
from app.core.commands import rehearse
from app.core.commands import run
from app.core.errors import DomainError
from app.core.errors import ValidationFailed
from app.engine.models import DeploymentRefused
from app.engine.observe import RanElement
from app.engine.observe import observing
from app.files.models import Attachment
from app.formdefs.model import FieldDef
from app.formdefs.registry import form_def
from app.identity.models import OrgUnit
from app.identity.models import User
from app.identity.queries import get_org_by_code
from app.workflow import dry_run_people
from app.workflow.background import fire_due_timers
from app.workflow.deploy import deploy_definitions
from app.workflow.dry_run_effects import WriteLog
from app.workflow.dry_run_effects import refusal
from app.workflow.dry_run_report import DryRunReport
from app.workflow.dry_run_report import DryStep
from app.workflow.engine_access import form_bytes_for
from app.workflow.form_options import form_for_instance
from app.workflow.instances import start_instance
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from app.workflow.sample_data import sample_answers
from app.workflow.tasks import complete_task

DRY_RUN_ACTOR = Actor(user_id=None, login="dry-run", source="dry_run")
#: Tasks completed at most: a loop the sample answers never leave ends the walk here.
MAX_TASKS = 60


def dry_run(
    sources: dict[str, bytes],
    process_key: str,
    org_code: str,
    on: date,
    sample_data: dict[str, Any] | None = None,
    forms: dict[str, bytes] | None = None,
) -> DryRunReport:
    """Walk ``process_key`` of the draft ``sources`` at the organisation ``org_code`` on ``on``.

    ``sample_data``: ``{"start": {start data}, "fields": {answers for any task},
    "<user task id>": {answers} or [{first visit}, {second visit}, …]}`` — a task is answered
    with the generated minimal answers of its form, overlaid with ``fields``, then with those
    given for it. ``forms``: draft forms (key → JSON) beside or instead of those of forms/.
    Nothing the run does is kept.
    """
    now = datetime.combine(on, time(9, 0), tzinfo=local_zone())
    report, _ctx = rehearse(
        _walk,
        actor=DRY_RUN_ACTOR,
        now=now,
        sources=sources,
        process_key=process_key,
        org_code=org_code,
        sample=sample_data or {},
        forms=forms,
    )
    return report


def _walk(
    ctx: CommandContext,
    *,
    sources: dict[str, bytes],
    process_key: str,
    org_code: str,
    sample: dict[str, Any],
    forms: dict[str, bytes] | None,
) -> DryRunReport:
    org = get_org_by_code(ctx.session, org_code)
    report = DryRunReport(process_key, org_code, org.name if org else org_code, ctx.today)
    if org is None:
        report.problems.append(f"未知组织 / unknown organisation: {org_code}")
        return report
    walker = _Walker(ctx, org, report, sample)
    event.listen(ctx.session, "after_flush", walker.writes.collect)
    try:
        with observing(walker.engine_step):
            walker.walk(sources, forms)
    finally:
        event.remove(ctx.session, "after_flush", walker.writes.collect)
    return report


class _Walker:
    def __init__(
        self, ctx: CommandContext, org: OrgUnit, report: DryRunReport, sample: dict[str, Any]
    ) -> None:
        self.ctx, self.org, self.report, self.sample = ctx, org, report, sample
        self.writes = WriteLog()
        self.task_steps: dict[int, DryStep] = {}
        #: Who completes each task in the walk (its assignee or first candidate).
        self.doers: dict[int, int | None] = {}
        self.instance_id: int | None = None
        self.visits: dict[str, int] = {}
        self.fired: datetime | None = None

    # -- the walk ---------------------------------------------------------------------------

    def walk(self, sources: dict[str, bytes], forms: dict[str, bytes] | None) -> None:
        if not self._deploy(sources, forms):
            return
        try:
            self.instance_id = run(
                start_instance,
                actor=self.ctx.actor,
                process_key=self.report.process_key,
                org_code=self.org.code,
                data=self.sample.get("start") or {},
            )
        except DomainError as refused:
            self.report.problems.append(refusal("start", refused))
            return
        if self._incident():
            return
        self._note_new_tasks()
        for _ in range(MAX_TASKS):
            task = self._next_open_task()
            if task is None:
                if self._let_time_pass():
                    continue
                break
            if not self._complete(task):
                return
        else:
            self.report.problems.append(
                f"超过 {MAX_TASKS} 个任务仍未结束（示例数据可能使流程循环）"
                f" / still running after {MAX_TASKS} tasks (the sample answers may loop)"
            )
        self._ending()

    def _deploy(self, sources: dict[str, bytes], forms: dict[str, bytes] | None) -> bool:
        try:
            deployed = run(deploy_definitions, actor=self.ctx.actor, sources=sources, forms=forms)
        except DeploymentRefused as refused:
            for error in refused.errors:
                where = ":".join(str(p) for p in (error.file, error.element_id, error.line) if p)
                self.report.problems.append(f"{where} {error.message_zh} / {error.message_en}")
            return False
        if self.report.process_key not in {d.process_key for d in deployed}:
            self.report.problems.append(
                f"草稿中没有流程 {self.report.process_key}"
                f" / the draft has no process {self.report.process_key}"
            )
            return False
        self.writes.take()  # the draft's own definition row is no effect of a step
        return True

    def _complete(self, task: HumanTask) -> bool:
        step = self.task_steps[task.id]
        answers = self._answers(task, step)
        if answers is None:
            return False
        step.data_in = answers
        try:
            with self._acting_as(self.doers.get(task.id)):
                run(complete_task, actor=self.ctx.actor, task_id=task.id, data=answers)
        except ValidationFailed as refused:
            fields = "; ".join(f"{k}: {v}" for k, v in refused.field_errors.items())
            self.report.problems.append(
                f"{task.element_id}: 示例答案未通过表单校验 / the sample answers were refused"
                f" — {fields}"
            )
            return False
        except DomainError as refused:
            self.report.problems.append(refusal(task.element_id, refused))
            return False
        if self._incident():
            return False
        self._note_new_tasks()
        return True

    def _for_visit(self, element_id: str) -> dict[str, Any]:
        """The answers given for this visit of the task: a list gives one per visit (a rework
        loop's first round refused, the second accepted), its last repeated."""
        given = self.sample.get(element_id) or {}
        if isinstance(given, list):
            visit = self.visits.get(element_id, 0)
            self.visits[element_id] = visit + 1
            given = given[min(visit, len(given) - 1)] if given else {}
        return dict(given) if isinstance(given, dict) else {}

    def _file_maker(self, task: HumanTask, doer: int | None) -> Callable[[FieldDef], int] | None:
        """Placeholder uploads for the task's file fields: rows only (no bytes are stored, and
        the rows go with the rollback); none when nobody could have uploaded them."""
        if doer is None:
            return None

        def make(f: FieldDef) -> int:
            upload = Attachment(
                instance_id=task.instance_id,
                task_id=task.id,
                field=f.name,
                sha256="0" * 64,
                size=0,
                content_type=(f.accept or ("application/pdf",))[0],
                original_name=f"dry-run-{f.name}",
                uploaded_by_user_id=doer,
                uploaded_at=self.ctx.now,
            )
            self.ctx.session.add(upload)
            self.ctx.session.flush()
            self.writes.take()  # the placeholder is the walk's, not an effect of a step
            return upload.id

        return make

    @contextmanager
    def _acting_as(self, user_id: int | None) -> Iterator[None]:
        """The task's own person completes it (their signature, their candidacy checked); the
        commands run inside the walk's transaction take its actor, so the actor is swapped."""
        user = self.ctx.session.get(User, user_id) if user_id is not None else None
        walker = self.ctx.actor
        if user is not None:
            self.ctx.actor = Actor(user_id=user.id, login=user.login, source="dry_run")
        try:
            yield
        finally:
            self.ctx.actor = walker

    def _let_time_pass(self) -> bool:
        """Nothing to do but wait for a timer (a publicity period, a cultivation stage): the
        walk's clock moves to it and it fires, as the worker would fire it then."""
        row = self.ctx.session.get(ProcessInstance, self.instance_id)
        if row.status is not InstanceStatus.RUNNING or row.next_timer_at is None:
            return False
        if row.next_timer_at == self.fired:
            self.report.problems.append(
                "定时器到期后未触发 / a timer did not fire when its time came"
            )
            return False
        self.fired = row.next_timer_at
        # (the engine fires a timer once its moment is past, as the worker finds it)
        self.ctx.now = max(self.ctx.now, row.next_timer_at + timedelta(seconds=1))
        self.ctx.today = self.ctx.now.astimezone(local_zone()).date()
        local = self.ctx.now.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")
        self.report.steps.append(
            DryStep("", f"时间推进至 {local} / time passes to {local}", "time_passes")
        )
        run(fire_due_timers, actor=self.ctx.actor, instance_id=self.instance_id)
        if self._incident():
            return False
        self._note_new_tasks()
        return True

    def _answers(self, task: HumanTask, step: DryStep) -> dict[str, Any] | None:
        given = dict(self.sample.get("fields") or {}) | self._for_visit(task.element_id)
        if not task.form_key:
            return given
        row = self.ctx.session.get(ProcessInstance, task.instance_id)
        definition = self.ctx.session.get(ProcessDefinition, row.definition_id)
        form_bytes = form_bytes_for(
            definition.process_key,
            definition.content_hash,
            task.form_key,
            lambda: definition.forms_json,
        )
        form = form_for_instance(
            self.ctx.session, form_def(form_bytes, task.form_key), task.instance_id
        )
        known = earlier_answers(self.ctx.session, task.instance_id)
        doer = self.doers.get(task.id)
        made = sample_answers(
            self.ctx.session,
            form,
            self.org,
            known | given,
            self.ctx.now,
            signer=doer is not None,
            sample_file=self._file_maker(task, doer),
        )
        missing = [name for name in made.missing if name not in given]
        if missing:
            self.report.problems.append(
                f"{task.element_id}: 请在示例数据中给出 {', '.join(missing)}"
                f" / give {', '.join(missing)} in the sample data (they cannot be made up)"
            )
            return None
        answers = {**made.data, **given}
        answers = {k: v for k, v in answers.items() if k not in form.hidden_fields(answers)}
        if generated := [k for k in answers if k not in given]:
            step.notes.append(f"generated / 自动生成: {', '.join(generated)}")
        return answers

    # -- what happened --------------------------------------------------------------------

    def engine_step(self, ran: RanElement) -> None:
        """The engine completed an automatic step: note it, with what it wrote (an action's
        rows are flushed now, so that they are told apart from the next step's)."""
        self.ctx.session.flush()
        step = DryStep(ran.element_id, ran.name or ran.element_id, ran.kind, role=ran.lane)
        # (the library's own name for a service task's result when it has no variable is noise)
        step.data_out = {k: v for k, v in ran.data_set.items() if not k.startswith("spiff__")}
        if "Gateway" in ran.kind:
            step.path = [name or element for element, name in ran.next_elements]
        step.effects = self.writes.take()
        self.report.steps.append(step)

    def _note_new_tasks(self) -> None:
        for task in self.ctx.session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == self.instance_id)
            .order_by(HumanTask.id)
        ):
            if task.id in self.task_steps:
                continue
            step, doer = dry_run_people.task_step(self.ctx.session, task, self.ctx.today)
            self.task_steps[task.id], self.doers[task.id] = step, doer
            self.report.steps.append(step)

    def _next_open_task(self) -> HumanTask | None:
        return self.ctx.session.scalars(
            select(HumanTask)
            .where(
                HumanTask.instance_id == self.instance_id,
                HumanTask.state == HumanTaskState.READY,
            )
            .order_by(HumanTask.id)
            .limit(1)
        ).first()

    def _incident(self) -> bool:
        incident = self.ctx.session.scalars(
            select(Incident).where(
                Incident.instance_id == self.instance_id, Incident.resolved_at.is_(None)
            )
        ).first()
        if incident is None:
            return False
        self.report.problems.append(
            f"{incident.element_id or ''}: 运行出错 / the step failed — {incident.message}"
        )
        return True

    def _ending(self) -> None:
        row = self.ctx.session.get(ProcessInstance, self.instance_id)
        self.report.finished = row.status is InstanceStatus.COMPLETED
        if not self.report.finished:
            self.report.waiting = dry_run_people.waits_of(self.ctx.session, row)
