"""The checks JSON Schema cannot make: references must point at records the user may use.

Runs on every submission, from the pages and from the API alike, before the schema check:

* people must be on the rolls of the instance's branch; organisations within the user's view;
  process references to completed instances of the named procedure at the same organisation;
  options named by ``x-optionsFrom`` among those the instance's data lists;
* uploads are referred to by id and must belong to this instance; the stored reference replaces
  whatever the client sent;
* a signature is the submitting user's own, stamped by the server;
* fields with a roster rule (``x-people``) accept only the people it names on the meeting's date
  (``roster``); an attendance under such a rule counts those entitled itself, and a tally taken
  from an attendance (``x-attendanceFrom``) takes its entitled and present counts from it;
* attendance gets ``quorum_met`` and a vote tally ``passed`` computed here, never taken from the
  client (procedures.yaml: a quorum is more than half present; a vote passes with more than half
  of those entitled to vote); members excused with the upper committee's approval
  (``x-excusedFrom``) leave the count of those entitled (``voting``);
* a meeting's date (``x-dateFrom``) is read from this submission when the form itself asks for
  it, else from an earlier answer.

Fields hidden by their visibility rule are dropped: what the user could not see is not kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from functools import cached_property
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import local_zone
from app.engine.deadlines import DeadlineUnreadable
from app.engine.deadlines import read_moment
from app.files.models import Attachment
from app.formdefs.model import FieldDef
from app.formdefs.model import FormDef
from app.identity.models import OrgUnit
from app.identity.models import User
from app.identity.policy import load_scope
from app.workflow import form_options
from app.workflow import roster
from app.workflow import voting
from app.workflow.queries import earlier_answers


@dataclass
class FormContext:
    session: Session
    instance_id: int
    org_unit_id: int
    user_id: int | None
    now: datetime
    errors: dict[str, str] = field(default_factory=dict)
    #: The submission being resolved: a meeting's date or the excused members it names.
    answers: dict[str, Any] = field(default_factory=dict)
    _orgs: dict[tuple[str, ...], set[int]] = field(default_factory=dict)
    _rosters: dict[roster.RosterQuestion, set[int]] = field(default_factory=dict)

    @cached_property
    def org(self) -> OrgUnit:
        # Read only when a field needs it: most forms have no people or instance pickers.
        return self.session.get(OrgUnit, self.org_unit_id)

    @cached_property
    def people(self) -> set[int]:
        return {o.value for o in form_options.people_of(self.session, self.org)}

    def orgs(self, kinds: tuple[str, ...]) -> set[int]:
        """The organisations of these kinds (any, if none) the user can see."""
        if kinds not in self._orgs:
            scope = load_scope(self.session, self.user_id or 0, self.now.date())
            self._orgs[kinds] = {o.value for o in form_options.orgs_for(self.session, scope, kinds)}
        return self._orgs[kinds]

    @cached_property
    def earlier(self) -> dict[str, Any]:
        return earlier_answers(self.session, self.instance_id)

    @cached_property
    def instance_data(self) -> dict[str, Any]:
        return form_options.instance_data(self.session, self.instance_id)

    def roster(self, f: FieldDef) -> set[int] | None:
        """The ids ``f``'s roster rule accepts (None: the field has no rule)."""
        question = roster.question_for(f, self.org, {**self.earlier, **self.answers}, self.now)
        if question is None:
            return None
        if question not in self._rosters:
            options = roster.roster_options(self.session, question)
            self._rosters[question] = {o.value for o in options}
        return self._rosters[question]

    def entitled(self, f: FieldDef) -> set[int] | None:
        """Those ``f``'s rule entitles, less the members its ``x-excusedFrom`` answer excuses."""
        allowed = self.roster(f)
        if allowed is None or not f.excused_from:
            return allowed
        excused = {**self.earlier, **self.answers}.get(f.excused_from)
        return voting.entitled_to_vote(allowed, voting.excused_ids(excused))

    def refuse(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


def resolve(form: FormDef, data: dict[str, Any], ctx: FormContext) -> dict[str, Any]:
    """``data`` with references checked and computed values set; problems go to ``ctx.errors``."""
    data = {k: v for k, v in data.items() if k not in form.hidden_fields(data)}
    ctx.answers = dict(data)
    for f in form.fields:
        if f.name in data:
            handler = _HANDLERS.get(f.kind)
            if handler is not None:
                data[f.name] = handler(f, data[f.name], ctx, f.name)
        if f.measured_by and f.name in data:
            _measured(f, data, ctx)
        if f.options_from and f.name in data:
            _from_data(f, data[f.name], ctx)
        if f.notice_at_least and data.get(f.name):
            _notice(f, data[f.name], ctx)
    return data


def _notice(f: FieldDef, value: Any, ctx: FormContext) -> None:
    """A meeting announced now must be at least the notice period away (``x-noticeAtLeast``).
    A time already past is a meeting recorded after it was held (paper records entered late):
    accepted, since the notice it had cannot be judged here; the step log shows when it was
    entered."""
    try:
        moment = read_moment(value, local_zone())
    except DeadlineUnreadable:
        return  # the schema's date-time check names the field
    if ctx.now <= moment < ctx.now + (f.notice_at_least or timedelta()):
        hours = int((f.notice_at_least or timedelta()).total_seconds() // 3600)
        ctx.refuse(
            f.name,
            _("Give notice at least %(hours)d hours before: choose a later time.", hours=hours),
        )


def _from_data(f: FieldDef, value: Any, ctx: FormContext) -> None:
    """One (or each) of the options the instance's data lists — never a value sent beside them."""
    listed = form_options.data_options(ctx.instance_data, f.options_from or "")
    offered = {(type(v), v) for v, _label in listed}
    chosen = value if f.kind == "multi_enum" and isinstance(value, list) else [value]
    if not all(form_options.is_option_value(v) and (type(v), v) in offered for v in chosen):
        ctx.refuse(f.name, _("Choose one of the options."))


def _measured(f: FieldDef, data: dict[str, Any], ctx: FormContext) -> None:
    """A value the system measured may be changed, but only with a reason."""
    measured = ctx.earlier.get(f.measured_by or "")
    if measured is None or data[f.name] == measured:
        return
    if not str(data.get(f.change_reason or "") or "").strip():
        ctx.refuse(
            f.change_reason or f.name,
            _("The records give %(v)s: say why your answer differs.", v=measured),
        )


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _person(f: FieldDef, value: Any, ctx: FormContext, path: str) -> Any:
    if _is_id(value):
        _check_people(f, [value], ctx, path, _("Choose someone on the rolls of this branch."))
    return value


def _persons(f: FieldDef, value: Any, ctx: FormContext, path: str) -> Any:
    if isinstance(value, list):
        ids = [v for v in value if _is_id(v)]
        _check_people(f, ids, ctx, path, _("Choose people on the rolls of this branch."))
    return value


def _check_people(f: FieldDef, ids: list[int], ctx: FormContext, path: str, message: str) -> None:
    """Everyone named is on the rolls, and within the field's roster rule if it has one."""
    if any(i not in ctx.people for i in ids):
        ctx.refuse(path, message)
        return
    allowed = ctx.roster(f)
    if allowed is not None and any(i not in allowed for i in ids):
        ctx.refuse(path, roster.refusal(f.people or ""))


def _org(f: FieldDef, value: Any, ctx: FormContext, path: str) -> Any:
    if _is_id(value) and value not in ctx.orgs(f.org_kinds):
        ctx.refuse(path, _("Choose one of the organisations offered."))
    return value


def _process_ref(f: FieldDef, value: Any, ctx: FormContext, path: str) -> Any:
    instances = form_options.instances_of(ctx.session, ctx.org_unit_id, f.process_key or "")
    allowed = {o.value for o in instances}
    if _is_id(value) and value not in allowed:
        ctx.refuse(path, _("Choose a completed procedure of this organisation."))
    return value


def _uploads(f: FieldDef, value: Any, ctx: FormContext, path: str) -> Any:
    single = f.kind == "file"
    given = [value] if single else value
    if not isinstance(given, list):
        return value
    ids = [v.get("id") if isinstance(v, dict) else v for v in given]
    if not all(_is_id(i) for i in ids):
        ctx.refuse(path, _("This value is not accepted."))
        return value
    rows = {
        a.id: a
        for a in ctx.session.scalars(
            select(Attachment).where(
                Attachment.id.in_(ids), Attachment.instance_id == ctx.instance_id
            )
        )
    }
    if len(rows) != len(set(ids)):
        ctx.refuse(path, _("A file is not among this procedure's uploads."))
        return value
    refs = [rows[i].as_ref() for i in ids]
    return refs[0] if single else refs


def _signature(f: FieldDef, value: Any, ctx: FormContext, path: str) -> Any:
    if ctx.user_id is None:
        return value  # a retry by the system keeps the signature as it was given
    if isinstance(value, dict) and value.get("user_id") not in (None, ctx.user_id):
        ctx.refuse(path, _("You can sign only for yourself."))
        return value
    if value is True or isinstance(value, dict):
        user = ctx.session.get(User, ctx.user_id)
        return {
            "user_id": user.id,
            "name": user.display_name,
            "signed_at": ctx.now.isoformat(timespec="seconds"),
        }
    return value


def _attendance(f: FieldDef, value: Any, ctx: FormContext, path: str) -> Any:
    if not isinstance(value, dict):
        return value
    allowed = ctx.entitled(f)
    if allowed is not None:  # counted from the records, whatever was typed
        if not allowed:
            ctx.refuse(path, _("The records name no one entitled to attend on the meeting date."))
            return value
        value = {**value, "entitled": len(allowed)}
    entitled, present = value.get("entitled"), value.get("present")
    if not (_is_id(entitled) and isinstance(present, list)):
        return value
    _persons(f, present, ctx, f"{path}.present")
    if len(present) > entitled:
        ctx.refuse(path, _("More people present than are entitled to attend."))
    quorum = voting.quorum_met(len(present), entitled)
    if f.require_quorum and not quorum:
        ctx.refuse(path, _("Not more than half are present: the meeting cannot be held."))
    return {**value, "quorum_met": quorum}


def _vote_tally(f: FieldDef, value: Any, ctx: FormContext, path: str) -> Any:
    if not isinstance(value, dict):
        return value
    if f.attendance_from:
        value = _counts_from_attendance(f, value, ctx, path)
    elif f.people:  # those entitled to vote: the roster of the day, not a typed number
        allowed = ctx.entitled(f) or set()
        if not allowed:
            ctx.refuse(path, _("The records name no one entitled to vote on the meeting date."))
            return value
        value = {**value, "eligible": len(allowed)}
    counts = {k: value.get(k) for k in ("eligible", "present", "for", "against", "abstain")}
    counts["invalid"] = value.get("invalid", 0)
    if not all(_is_id(v) or v == 0 for v in counts.values()):
        return value
    if counts["present"] > counts["eligible"]:
        ctx.refuse(path, _("More voters present than are entitled to vote."))
    cast = counts["for"] + counts["against"] + counts["abstain"] + counts["invalid"]
    if cast > counts["present"]:
        ctx.refuse(path, _("More votes than voters present."))
    if f.require_quorum and not voting.quorum_met(counts["present"], counts["eligible"]):
        ctx.refuse(path, _("Not more than half are present: the meeting cannot be held."))
    return {**counts, "passed": voting.passes(counts["for"], counts["eligible"])}


def _counts_from_attendance(
    f: FieldDef, value: dict[str, Any], ctx: FormContext, path: str
) -> dict[str, Any]:
    """Those entitled to vote and those present are the meeting's attendance, not typed."""
    attendance = ctx.earlier.get(f.attendance_from or "")
    if not isinstance(attendance, dict) or not isinstance(attendance.get("present"), list):
        ctx.refuse(path, _("The meeting's attendance is not recorded: no vote can be counted."))
        return value
    return {**value, "eligible": attendance["entitled"], "present": len(attendance["present"])}


def _items(f: FieldDef, value: Any, ctx: FormContext, path: str) -> Any:
    if not isinstance(value, list):
        return value
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            continue
        for column in f.columns:
            if column.kind == "person" and column.name in item:
                _person(column, item[column.name], ctx, f"{path}.{index}.{column.name}")
    return value


_HANDLERS: dict[str, Callable[[FieldDef, Any, FormContext, str], Any]] = {
    "person": _person,
    "persons": _persons,
    "org": _org,
    "process_ref": _process_ref,
    "file": _uploads,
    "files": _uploads,
    "photos": _uploads,
    "signature": _signature,
    "attendance": _attendance,
    "vote_tally": _vote_tally,
    "items": _items,
}
