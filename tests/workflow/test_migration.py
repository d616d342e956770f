"""Moving running instances onto a new version (issue 14, item 8): of a mixed set of committee
meetings, those waiting at a step the new version keeps move — each in its own command, logged
with both versions — and the one waiting at a step the new version dropped stays, with the
reason; a moved meeting then runs to its end on the new version, meets the new step, and its
replay and hash chain still verify."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.auditing.replay import replay_instance
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import Conflict
from app.extensions import db
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from app.workflow.migration import migrate_instance
from app.workflow.migration import migrate_movable
from app.workflow.migration import plan_migration
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from app.workflow.models import StepLogEntry
from app.workflow.queries import verify_instance_log
from tests.auditing.test_replay import AGENDA
from tests.plugins.demo import complete_step
from tests.plugins.demo import open_task
from tests.workflow.committee_versions import COMMITTEE
from tests.workflow.committee_versions import second_version
from tests.workflow.committee_versions import with_report_step

BEIJING = ZoneInfo("Asia/Shanghai")
KEY = "branch_committee_meeting"


def _deploy_second_version() -> None:
    deployed = run(deploy_definitions, actor=SYSTEM, sources={COMMITTEE.name: second_version()})
    assert [(d.process_key, d.version, d.created) for d in deployed] == [(KEY, 2, True)]


HELD = {"minutes": "发言要点" * 5}
DECIDED = {
    "outcome": "decided",
    "decisions": [{"item": "确定2名入党积极分子", "due": "2026-12-15"}],
    "vote": {"for": 4, "against": 0, "abstain": 0},
    "escalate_to_assembly": False,
}
ARCHIVED = {"record_checked": True, "minutes_signed": True}


def _meeting(demo, through: tuple[str, ...]) -> int:
    secretary, committee = demo.holder("branch_secretary"), demo.holder("branch_committee")
    c = demo.people("committee")
    instance_id = run(
        commands.start_instance, actor=secretary, process_key=KEY, org_code=demo.branch.code
    )
    answers = {
        "set_agenda": (secretary, AGENDA),
        "hold_meeting": (secretary, {**HELD, "attendance": {"present": c[:4]}}),
        "decide": (
            committee,
            {**DECIDED, "decisions": [{**DECIDED["decisions"][0], "owner": c[0]}]},
        ),
    }
    for step in through:
        actor, data = answers[step]
        complete_step(actor, instance_id, step, data)
    return instance_id


def _version_of(instance_id: int) -> int:
    db.session.rollback()
    row = db.session.get(ProcessInstance, instance_id)
    return db.session.get(ProcessDefinition, row.definition_id).version


def test_a_mixed_set_moves_where_it_can_and_the_rest_stays_with_the_reason(demo, app):
    at_agenda = _meeting(demo, ())
    at_meeting = _meeting(demo, ("set_agenda",))
    at_archive = _meeting(demo, ("set_agenda", "hold_meeting", "decide"))
    _deploy_second_version()

    plan = plan_migration(db.session, KEY)
    checks = {c.instance_id: c for c in plan.checks}
    assert plan.to_version == 2
    assert set(checks) == {at_agenda, at_meeting, at_archive}
    assert checks[at_agenda].movable
    assert checks[at_meeting].movable
    assert not checks[at_archive].movable
    assert any("archive" in reason for reason in checks[at_archive].reasons)
    cli = app.test_cli_runner().invoke(args=["processes", "migrate", KEY, "--dry-run"])
    assert cli.exit_code == 1  # one instance stays
    assert "can move / 可迁移" in cli.output
    assert "stays / 保留" in cli.output
    assert _version_of(at_agenda) == 1  # a dry run moves nothing

    report = migrate_movable(db.session, KEY, None, actor=SYSTEM)
    assert sorted(report.moved) == sorted([at_agenda, at_meeting])
    assert report.failed == {}
    assert [_version_of(i) for i in (at_agenda, at_meeting, at_archive)] == [2, 2, 1]
    migrated = db.session.scalars(
        select(StepLogEntry).where(
            StepLogEntry.instance_id == at_meeting, StepLogEntry.action == "migrated"
        )
    ).one()
    versions = json.loads(migrated.detail)
    assert (versions["from"]["version"], versions["to"]["version"]) == (1, 2)
    # the instance left behind cannot be moved by hand either
    with pytest.raises(Conflict):
        run(
            migrate_instance,
            actor=SYSTEM,
            instance_id=at_archive,
            to_definition_id=report.plan.to_definition_id,
        )
    assert open_task(at_archive, "archive").element_id == "archive"


def test_a_moved_meeting_meets_the_new_step_ends_and_replays_identically(demo, app):
    instance_id = _meeting(demo, ("set_agenda",))
    _deploy_second_version()
    cli = app.test_cli_runner().invoke(args=["processes", "migrate", KEY, "--to", "2"])
    assert cli.exit_code == 0, cli.output
    assert f"instance / 实例 {instance_id}" in cli.output
    assert "moved / 已迁移: 1, stayed / 保留: 0" in cli.output
    assert _version_of(instance_id) == 2
    secretary = demo.holder("branch_secretary")
    c = demo.people("committee")
    complete_step(
        secretary, instance_id, "hold_meeting", {**HELD, "attendance": {"present": c[:4]}}
    )
    decided = {**DECIDED, "decisions": [{**DECIDED["decisions"][0], "owner": c[0]}]}
    complete_step(demo.holder("branch_committee"), instance_id, "decide", decided)
    report_task = open_task(instance_id, "report_to_unit")
    assert report_task.candidate_role == "branch_secretary"
    # three working days after the meeting of Wednesday 25 November: Monday 30 November
    assert report_task.due_at.astimezone(BEIJING).date() == date(2026, 11, 30)
    complete_step(secretary, instance_id, "report_to_unit", ARCHIVED)
    follow_up = {"follow_up": [{"item": "确定2名入党积极分子", "result": "done"}]}
    complete_step(secretary, instance_id, "follow_up", follow_up)
    db.session.rollback()
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    result = replay_instance(db.session, instance_id)
    assert result.identical, result.describe()
    checked, broken = verify_instance_log(db.session, instance_id)
    assert broken is None
    assert checked > 0


def _hold_meeting_form(place: dict) -> bytes:
    form = {
        "title": "召开支部委员会会议",
        "x-title-en": "Hold the committee meeting",
        "schema": {
            "type": "object",
            "properties": {
                "place": {**place, "title": "会议地点", "x-title-en": "Place"},
                "minutes": {
                    "type": "string",
                    "title": "会议记录",
                    "x-title-en": "Minutes",
                    "minLength": 10,
                },
            },
            "required": ["minutes"],
        },
    }
    return json.dumps(form, ensure_ascii=False).encode()


def _with_new_meeting_form(version_form: bytes) -> None:
    xml = COMMITTEE.read_bytes().replace(
        b'value="bcm_hold_meeting"', b'value="bcm_hold_meeting_new"'
    )
    run(
        deploy_definitions,
        actor=SYSTEM,
        sources={COMMITTEE.name: xml},
        forms={"bcm_hold_meeting_new": version_form},
    )


def test_a_changed_form_must_accept_what_the_instance_already_holds(demo):
    at_meeting = _meeting(demo, ("set_agenda",))  # the agenda named the place: 站党员活动室
    _with_new_meeting_form(_hold_meeting_form({"type": "integer"}))  # version 2: a room number
    check = plan_migration(db.session, KEY).checks[0]
    assert not check.movable
    assert any("place" in reason and "bcm_hold_meeting_new" in reason for reason in check.reasons)

    _with_new_meeting_form(_hold_meeting_form({"type": "string", "maxLength": 100}))  # version 3
    assert plan_migration(db.session, KEY, 3).checks[0].movable
    assert plan_migration(db.session, KEY, 2).checks[0].movable is False
    report = migrate_movable(db.session, KEY, 3, actor=SYSTEM)
    assert report.moved == [at_meeting]
    assert open_task(at_meeting, "hold_meeting").form_key == "bcm_hold_meeting_new"
    assert _version_of(at_meeting) == 3


def test_a_suspended_meeting_stays_until_it_is_resumed(demo):
    instance_id = _meeting(demo, ("set_agenda",))
    run(commands.suspend_instance, actor=SYSTEM, instance_id=instance_id, reason="等待新版本")
    _deploy_second_version()
    check = plan_migration(db.session, KEY).checks[0]
    assert not check.movable
    assert any("resume it first" in reason for reason in check.reasons)
    assert migrate_movable(db.session, KEY, None, actor=SYSTEM).moved == []
    run(commands.resume_instance, actor=SYSTEM, instance_id=instance_id)
    assert migrate_movable(db.session, KEY, None, actor=SYSTEM).moved == [instance_id]
    c = demo.people("committee")
    held = {**HELD, "attendance": {"present": c[:4]}}
    complete_step(demo.holder("branch_secretary"), instance_id, "hold_meeting", held)
    assert open_task(instance_id, "decide").candidate_role == "branch_committee"
    result = replay_instance(db.session, instance_id)
    assert result.identical, result.describe()


def test_a_meeting_waiting_before_an_added_step_moves_and_meets_it(demo):
    """The designer's case: a step added after archiving; a meeting waiting at the archive moves,
    and once archived the secretary finds the new step in the inbox."""
    at_archive = _meeting(demo, ("set_agenda", "hold_meeting", "decide"))
    run(deploy_definitions, actor=SYSTEM, sources={COMMITTEE.name: with_report_step()})
    assert migrate_movable(db.session, KEY, None, actor=SYSTEM).moved == [at_archive]
    complete_step(demo.holder("org_member"), at_archive, "archive", ARCHIVED)
    report = open_task(at_archive, "report_to_unit")
    assert report.candidate_role == "branch_secretary"
    assert report.due_at.astimezone(BEIJING).date() == date(2026, 11, 30)
    complete_step(demo.holder("branch_secretary"), at_archive, "report_to_unit", ARCHIVED)
    assert open_task(at_archive, "follow_up").element_id == "follow_up"
    result = replay_instance(db.session, at_archive)
    assert result.identical, result.describe()
