"""Minimum durations a regulation puts between the steps of a procedure (``notBefore``).

A user task names a rule by its id (``spiffworkflow:property name="notBefore" value="<rule id>"``);
the rule, declared in a domain's data file with its article, says from which recorded date it
counts (``after``: a variable of the instance's data, dotted for a key inside an answer; with
``person_date``, that key date of the person the variable names) and how long must have passed
(``at_least``: an ISO 8601 duration, on calendar or working days). The task cannot be completed
before that day: the completion is refused with the rule, its article and the
first day it may be done (Beijing date), and nothing changes. When the rule names a date field of
the form (``field``), the date entered there may not be before that day either: a decision cannot
be recorded as taken before the regulation allowed it.

Examples (《中国共产党发展党员工作细则》): an activist becomes a development target only after a
year of cultivation; a public notice runs its full days before the next step. Domains register their
rule files when the app is built (``init_app``); deployment refuses a ``notBefore`` naming an
unknown rule (``model_timing_problems``). Deadlines ("within one month") stay ``dueIn``/``dueFrom``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from lxml import etree
from sqlalchemy.orm import Session

from app.core.clock import local_zone
from app.core.errors import ValidationFailed
from app.engine.deadlines import DUE_CALENDARS
from app.engine.deadlines import DeadlineUnreadable
from app.engine.deadlines import due_at
from app.engine.deadlines import parse_duration
from app.engine.deadlines import read_moment
from app.engine.errors import CONVENTION
from app.engine.errors import ModelError
from app.engine.errors import element_error
from app.engine.xml import UnsafeXml
from app.engine.xml import parse_model_xml
from app.identity.models import Person
from app.workflow.engine_access import runtime
from app.workflow.engine_access import specs_for
from app.workflow.engine_access import working_calendar
from app.workflow.models import HumanTask
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance

_KEY = "branchflow.timing_rules"
#: The key dates of a person's record a rule may count from.
PERSON_DATES = (
    "application_date",
    "activist_date",
    "development_target_date",
    "admission_date",
    "full_membership_date",
)
PROPERTY = "notBefore"
_NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}


@dataclass(frozen=True)
class TimingRule:
    id: str
    zh: str
    en: str
    article: str
    article_en: str
    after: str
    at_least: str
    calendar: str = "calendar"
    field: str | None = None
    #: When set, ``after`` names the variable holding a person's id and the rule counts from
    #: this key date of the person's record (an earlier procedure's date: the activist date).
    person_date: str | None = None

    def text(self) -> tuple[str, str]:
        """The rule and its article in the reader's language."""
        if str(get_locale() or "zh").startswith("en"):
            return self.en, self.article_en
        return self.zh, self.article

    def earliest(self, anchor: Any) -> date:
        """The first day (Beijing) the step may be done, counted from the recorded ``anchor``."""
        start = read_moment(anchor, local_zone())
        end = due_at(
            start,
            due_in=self.at_least,
            due_calendar=self.calendar,
            calendar=working_calendar(),
            zone=local_zone(),
        )
        return end.astimezone(local_zone()).date()


def read_rules(path: Path) -> list[TimingRule]:
    """The rules of one data file; ValueError naming the file and the rule when one is wrong."""
    rules = []
    for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("rule", []):
        rule = TimingRule(**entry)
        try:
            parse_duration(rule.at_least)
        except ValueError as bad:
            raise ValueError(f"{path.name}: rule {rule.id}: {bad}") from None
        if rule.person_date is not None and rule.person_date not in PERSON_DATES:
            raise ValueError(f"{path.name}: rule {rule.id}: person_date is one of {PERSON_DATES}")
        if rule.calendar not in DUE_CALENDARS:
            raise ValueError(f"{path.name}: rule {rule.id}: calendar is one of {DUE_CALENDARS}")
        rules.append(rule)
    return rules


def init_app(app: Any, *paths: Path) -> None:
    """Read every domain's rule file once; a rule id declared twice stops start-up."""
    rules: dict[str, TimingRule] = {}
    for path in paths:
        for rule in read_rules(path):
            if rule.id in rules:
                raise ValueError(f"timing rule {rule.id!r} declared twice")
            rules[rule.id] = rule
    app.extensions[_KEY] = rules


def timing_rules() -> Mapping[str, TimingRule]:
    return current_app.extensions.get(_KEY, {})


def lookup(data: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``person_dates.activist_date``), or None."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def check_not_before(
    rule_id: str | None,
    data: Mapping[str, Any],
    submitted: Mapping[str, Any],
    now: datetime,
    session: Session | None = None,
) -> None:
    """Refuse (ValidationFailed, nothing changed) a completion the rule does not yet allow.

    ``data`` is the task's data before the submission, ``submitted`` what is being submitted;
    ``session`` reads a person's key date for a rule that counts from one."""
    if not rule_id:
        return
    rule = timing_rules().get(rule_id)
    if rule is None:  # deployment refuses it; a rule file changed since then lands here
        raise ValidationFailed(_("This step cannot be checked against its timing rule."), {})
    text, article = rule.text()
    anchor = lookup({**data, **submitted}, rule.after)
    if rule.person_date is not None:
        anchor = _person_date(session, anchor, rule.person_date)
    try:
        earliest = rule.earliest(anchor)
    except DeadlineUnreadable:
        raise ValidationFailed(
            _("Not yet: %(rule)s (%(article)s).", rule=text, article=article),
            {"_form": _("The date this rule counts from is not recorded.")},
        ) from None
    today = now.astimezone(local_zone()).date()
    message = _(
        "Not yet: %(rule)s (%(article)s). It can be done from %(day)s.",
        rule=text,
        article=article,
        day=earliest.isoformat(),
    )
    if today < earliest:
        raise ValidationFailed(message, {"_form": message})
    entered = _entered_day(submitted.get(rule.field)) if rule.field else None
    if entered is not None and entered < earliest:
        raise ValidationFailed(message, {rule.field or "_form": message})


def _person_date(session: Session | None, person_id: Any, name: str) -> Any:
    if session is None or not isinstance(person_id, int) or isinstance(person_id, bool):
        return None
    person = session.get(Person, person_id)
    return getattr(person, name) if person is not None else None


def _entered_day(value: Any) -> date | None:
    try:
        return read_moment(value, local_zone()).astimezone(local_zone()).date()
    except DeadlineUnreadable:
        return None  # the form's own date check names the field


def model_timing_problems(sources: Mapping[str, bytes]) -> list[ModelError]:
    """Deployment: every ``notBefore`` of a BPMN file names a declared rule (files that do not
    parse are reported by the engine's own checks)."""
    trees = {}
    for file, data in sources.items():
        if file.lower().endswith(".bpmn"):
            try:
                trees[file] = parse_model_xml(data)
            except UnsafeXml:
                continue
    return unknown_rule_problems(trees)


def unknown_rule_problems(sources: Mapping[str, etree._Element]) -> list[ModelError]:
    """Every ``notBefore`` names a declared rule."""
    known = timing_rules()
    problems = []
    for file, root in sources.items():
        for node in root.xpath(
            "//bpmn:userTask//spiffworkflow:property[@name=$name]", namespaces=_NS, name=PROPERTY
        ):
            rule = node.get("value") or ""
            if rule not in known:
                problems.append(
                    element_error(
                        file,
                        node,
                        f"notBefore names an unknown timing rule '{rule}'",
                        f"notBefore 引用了未声明的时限规则“{rule}”",
                        CONVENTION,
                    )
                )
    return problems


def waiting_for(session: Session, task_id: int, now: datetime) -> str | None:
    """What the task page says before the form of a task its rule does not yet allow: the
    rule, its article and the first day (None when it has no rule or may be done now). The
    instance is loaded only when the task's element names a rule."""
    task = session.get(HumanTask, task_id)
    row = session.get(ProcessInstance, task.instance_id) if task is not None else None
    definition = session.get(ProcessDefinition, row.definition_id) if row is not None else None
    if definition is None:
        return None
    specs = specs_for(definition.process_key, definition.content_hash, lambda: definition.spec_json)
    if not _names_a_rule(specs, task.element_id):
        return None
    instance = runtime().load(specs, row.state_json)
    try:
        rule_id = instance.task_property(task.task_uuid, PROPERTY)
        data = instance.task_data(task.task_uuid) if rule_id else {}
    except KeyError:  # no longer ready in the engine
        return None
    try:
        check_not_before(rule_id, data, {}, now, session)
    except ValidationFailed as refused:
        return str(refused.message)
    return None


def _names_a_rule(specs: tuple[Any, Any], element_id: str) -> bool:
    top, subprocesses = specs
    for spec in (top, *dict(subprocesses or {}).values()):
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "bpmn_id", None) == element_id:
                properties = getattr(task_spec, "extensions", {}).get("properties", {})
                if properties.get(PROPERTY):
                    return True
    return False
