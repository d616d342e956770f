"""年度创建目标与计划 (domain.md §5 G1): the company sets the year's targets, each unit breaks them
down, each branch declares its target level — processes/grading/annual_grading_target_setting.bpmn,
unit_target_breakdown.bpmn and branch_target_declaration.bpmn, fanned out by the completion hooks
of app/grading/targets/result.py, read by app/grading/targets/commands.py.

* published: the company's target is stored and every unit with branches gets its breakdown, with
  the company's targets and the unit's distribution in its start data;
* a unit's approved counts that do not fit its branches are refused and change nothing; approved,
  the unit's target is stored and each of its branches gets a declaration offering the levels it
  may declare (one above the level held at most);
* a declaration above that is refused and changes nothing; a vote that did not pass is refused;
  confirmed, the branch's target is stored and ``declared_target`` returns it;
* the comparison adds up the company's, the units' and the branches' targets;
* a return sends the work back one step (draft, proposal, declaration), whoever did it is told;
* a second start for the same year is refused.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.commands import run
from app.core.errors import Conflict
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.start import start_cycle
from app.grading.targets.commands import start_target_setting
from app.grading.targets.models import GradingTarget
from app.grading.targets.models import TargetSetting
from app.grading.targets.queries import declared_target
from app.grading.targets.queries import year_targets
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.models import OrgUnit
from app.identity.queries import list_branches_under
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from tests.conftest import TEST_NOW
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.plugins.demo import set_level
from tests.plugins.demo import told_of_return

YEAR = 2027
COMPANY_COUNTS = {"model": 3, "red_flag": 10, "standardised": 30, "basic_max": 30}


def _start(year: int = YEAR) -> int:
    setting_id = run(start_target_setting, actor=holder_at("HH", "company_org_dept"), year=year)
    return db.session.get(TargetSetting, setting_id).instance_id


def _draft(instance_id: int) -> None:
    data = {f"target_{name}": n for name, n in COMPANY_COUNTS.items()}
    data |= {
        "target_not_up_to_standard_max": 2,
        "key_tasks": [
            {"task": "落实“三会一课”制度", "lead": "组织部", "due": "2027-12-31"},
            {"task": "培育示范党支部", "lead": "组织部"},
        ],
        "schedule": "1月下达目标，2月分解，3月支部申报",
        "measures": "结对指导、观摩学习",
    }
    complete_step(holder_at("HH", "company_org_dept"), instance_id, "draft", data)


def _approve(instance_id: int, decision: str = "approve") -> None:
    data = {"decision": decision, "decision_date": "2027-01-10"}
    data |= (
        {"decision_no": "瀚海党发〔2027〕1号"}
        if decision == "approve"
        else {"return_reason": "目标偏低，请提高红旗党支部数量"}
    )
    complete_step(holder_at("HH", "company_party_committee"), instance_id, "approve", data)


def _publish_company(year: int = YEAR) -> int:
    instance_id = _start(year)
    _draft(instance_id)
    _approve(instance_id)
    complete_step(
        holder_at("HH", "company_org_dept"), instance_id, "publish", {"published_on": "2027-01-12"}
    )
    return instance_id


def _instances(process_key: str) -> dict[str, int]:
    """Organisation code → instance id of ``process_key``."""
    return dict(
        db.session.execute(
            select(OrgUnit.code, ProcessInstance.id)
            .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
            .where(ProcessInstance.process_key == process_key)
        ).all()
    )


def _unit(code: str = "HH01") -> OrgUnit:
    return db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()


CONFIRMED = {"decision": "confirm", "confirm_method": "written", "agreed": True, "signature": True}


def _approved(**counts: int) -> dict:
    data = {f"approved_{name}": n for name, n in counts.items()}
    return data | {
        "decision": "approve",
        "decision_no": "一厂党委〔2027〕3号",
        "decision_date": "2027-01-20",
    }


def _break_down_hh01(model: int = 0, red_flag: int = 1, standardised: int = 3) -> int:
    unit_instance = _instances("unit_target_breakdown")["HH01"]
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        unit_instance,
        "propose",
        {
            "unit_model": model,
            "unit_red_flag": red_flag,
            "unit_standardised": standardised,
            "unit_basic_max": 2,
            "unit_not_up_to_standard_max": 0,
            "unit_key_points": "抓好标准化建设",
            "unit_measures": "每季度督查一次",
        },
    )
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        unit_instance,
        "approve",
        _approved(
            model=model,
            red_flag=red_flag,
            standardised=standardised,
            basic_max=2,
            not_up_to_standard_max=0,
        ),
    )
    return unit_instance


def _declaration(demo, level: str) -> dict:
    return {
        "target_level": level,
        "plan_summary": "全年按计划开展“三会一课”，争创标准化党支部",
        "plan_measures": [
            {"measure": "每月召开支委会", "owner": demo.members[0], "due": "2027-12-31"},
        ],
    }


def _targets() -> list[GradingTarget]:
    return list(db.session.scalars(select(GradingTarget).order_by(GradingTarget.id)))


def test_company_targets_fan_out_to_every_unit_with_the_units_distribution(demo):
    instance_id = _publish_company()

    company = _targets()
    assert [(t.year, t.org_unit_id, t.model_count, t.red_flag_count) for t in company] == [
        (YEAR, db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == "HH")).one(), 3, 10)
    ]
    assert company[0].standardised_count == 30
    assert company[0].not_up_to_standard_max == 2
    assert json.loads(company[0].details_json)["decision_no"] == "瀚海党发〔2027〕1号"
    # decided by the party committee member who approved, not by the publisher
    assert company[0].decided_by_user_id == holder_at("HH", "company_party_committee").user_id
    setting = db.session.scalars(select(TargetSetting)).one()
    assert (setting.instance_id, setting.outcome) == (instance_id, "published")

    units = [
        u
        for u in db.session.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.UNIT))
        if list_branches_under(db.session, u)
    ]
    started = _instances("unit_target_breakdown")
    assert set(started) == {u.code for u in units}
    hh01 = _unit()
    start = earlier_answers(db.session, started["HH01"])
    branches = list_branches_under(db.session, hh01)
    assert start["target_year"] == YEAR
    assert start["unit_branches"] == len(branches)
    assert sum(start[f"current_{lv.value}"] for lv in Level) + start["current_ungraded"] == len(
        branches
    )
    assert start["company_model"] == 3
    assert start["company_red_flag"] == 10
    assert "示范党支部不少于3个" in start["company_targets_text"]
    assert (
        "落实“三会一课”制度（牵头：组织部，完成时限：2027-12-31）"
        in (start["company_key_tasks_text"])
    )
    assert open_task(started["HH01"]).element_id == "propose"
    assert open_task(started["HH01"]).candidate_role == "unit_org_reviewer"


def test_unit_breakdown_declarations_and_the_comparison(demo):
    set_level(demo.branch.id, Level.BASIC)
    _publish_company()
    hh01 = _unit()
    branches = list_branches_under(db.session, hh01)
    unit_instance = _instances("unit_target_breakdown")["HH01"]
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        unit_instance,
        "propose",
        {
            "unit_model": 0,
            "unit_red_flag": 1,
            "unit_standardised": 3,
            "unit_basic_max": 2,
            "unit_not_up_to_standard_max": 0,
            "unit_key_points": "抓好标准化建设",
            "unit_measures": "每季度督查一次",
        },
    )
    assert _instances("branch_target_declaration") == {}

    # more "at least" targets than the unit has branches: refused next to the counts, nothing kept
    with pytest.raises(ValidationFailed) as refused:
        complete_step(
            holder_at("HH01", "unit_party_committee"),
            unit_instance,
            "approve",
            _approved(
                model=0,
                red_flag=1,
                standardised=len(branches),
                basic_max=2,
                not_up_to_standard_max=0,
            ),
        )
    assert "approved_standardised" in refused.value.field_errors
    assert open_task(unit_instance).element_id == "approve"
    assert len(_targets()) == 1  # the company's only
    assert _instances("branch_target_declaration") == {}

    complete_step(
        holder_at("HH01", "unit_party_committee"),
        unit_instance,
        "approve",
        _approved(model=0, red_flag=1, standardised=4, basic_max=2, not_up_to_standard_max=0),
    )
    unit_target = _targets()[-1]
    assert (unit_target.org_unit_id, unit_target.standardised_count) == (hh01.id, 4)
    declarations = _instances("branch_target_declaration")
    assert set(declarations) == {b.code for b in branches}

    # the demo branch holds 基本达标: its form offers up to 标准化 and no further
    instance_id = declarations[demo.branch.code]
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role) == ("declare_standardised", "branch_secretary")
    start = earlier_answers(db.session, instance_id)
    assert (start["current_level"], start["max_level"]) == ("basic", "standardised")
    assert "最多可申报标准化党支部" in start["branch_status_text"]
    assert "标准化党支部不少于4个" in start["unit_targets_text"]

    secretary = demo.holder("branch_secretary")
    with pytest.raises(ValidationFailed) as too_high:
        complete_step(
            secretary, instance_id, "declare_standardised", _declaration(demo, "red_flag")
        )
    assert "target_level" in too_high.value.field_errors
    assert open_task(instance_id).element_id == "declare_standardised"
    assert declared_target(db.session, demo.branch.id, YEAR) is None

    complete_step(
        secretary, instance_id, "declare_standardised", _declaration(demo, "standardised")
    )
    committee = demo.holder("branch_committee")
    failed_vote = {"eligible": 5, "present": 4, "for": 2, "against": 2, "abstain": 0}
    with pytest.raises(ValidationFailed) as not_passed:
        complete_step(
            committee,
            instance_id,
            "confirm",
            {
                "decision": "confirm",
                "confirm_method": "meeting_vote",
                "vote_tally": failed_vote,
                "agreed": True,
                "signature": True,
            },
        )
    assert "vote_tally" in not_passed.value.field_errors
    assert declared_target(db.session, demo.branch.id, YEAR) is None

    complete_step(
        committee,
        instance_id,
        "confirm",
        CONFIRMED,
    )
    assert declared_target(db.session, demo.branch.id, YEAR) == "standardised"
    assert declared_target(db.session, demo.branch.id, YEAR + 1) is None
    branch_target = _targets()[-1]
    details = json.loads(branch_target.details_json)
    assert details["current_level"] == "basic"
    assert details["plan_measures"][0]["owner"] == demo.members[0]
    assert details["signature"]["user_id"] == committee.user_id
    declared_event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "grading_target_declared")
    ).one()
    assert json.loads(declared_event.payload)["level"] == "standardised"

    company = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH")).one()
    table = year_targets(db.session, YEAR, [company.path], TEST_NOW.date())
    assert table.company_counts[Level.RED_FLAG] == 10
    assert table.units_sum(Level.STANDARDISED) == 4  # only HH01 has broken down so far
    assert table.units_broken_down == 1
    assert table.declared_sum(Level.STANDARDISED) == 1
    assert table.branches_declared == 1
    assert table.as_of == TEST_NOW.date()
    row = next(u for u in table.units if u.unit.code == "HH01")
    assert row.declared == {demo.branch.id: "standardised"}
    assert row.held[Level.BASIC] >= 1
    assert sum(table.held_sum(lv) for lv in Level) <= table.branches_total
    # a unit user's view holds their unit only
    own = year_targets(db.session, YEAR, [hh01.path], TEST_NOW.date())
    assert [u.unit.code for u in own.units] == ["HH01"]


def test_a_branch_holding_red_flag_may_declare_model(demo):
    set_level(demo.branch.id, Level.STANDARDISED)
    set_level(demo.branch.id, Level.RED_FLAG)
    _publish_company()
    _break_down_hh01()
    instance_id = _instances("branch_target_declaration")[demo.branch.code]
    assert open_task(instance_id).element_id == "declare_model"


def test_a_returned_draft_goes_back_to_the_department_and_a_second_start_is_refused(demo):
    instance_id = _start()
    _draft(instance_id)
    _approve(instance_id, decision="return")
    back = open_task(instance_id)
    assert (back.element_id, back.candidate_role) == ("draft", "company_org_dept")
    drafter = holder_at("HH", "company_org_dept")
    assert told_of_return(instance_id) == [drafter.user_id]
    assert _targets() == []
    assert _instances("unit_target_breakdown") == {}
    with pytest.raises(Conflict) as refused:  # the year's round is still running
        run(start_target_setting, actor=drafter, year=YEAR)
    assert "2027" in str(refused.value.message)

    _draft(instance_id)
    _approve(instance_id)  # the choice is asked again, and this time approved
    complete_step(drafter, instance_id, "publish", {"published_on": "2027-01-12"})
    assert db.session.scalars(select(TargetSetting.outcome)).one() == "published"
    assert "HH01" in _instances("unit_target_breakdown")
    with pytest.raises(Conflict):
        run(start_target_setting, actor=drafter, year=YEAR)
    assert db.session.scalar(select(func.count()).select_from(TargetSetting)) == 1


def test_the_unit_committee_returns_the_breakdown_to_the_reviewer(demo):
    _publish_company()
    unit_instance = _instances("unit_target_breakdown")["HH01"]
    reviewer = holder_at("HH01", "unit_org_reviewer")
    proposal = {
        "unit_model": 0,
        "unit_red_flag": 0,
        "unit_standardised": 1,
        "unit_basic_max": 2,
        "unit_not_up_to_standard_max": 0,
        "unit_key_points": "抓好标准化建设",
        "unit_measures": "每季度督查一次",
    }
    complete_step(reviewer, unit_instance, "propose", proposal)
    committee = holder_at("HH01", "unit_party_committee")
    returned = {"decision": "return", "return_reason": "红旗党支部目标偏低"}
    complete_step(committee, unit_instance, "approve", returned)
    assert open_task(unit_instance).element_id == "propose"
    assert told_of_return(unit_instance) == [reviewer.user_id]
    assert _instances("branch_target_declaration") == {}  # nothing was stored or started

    _break_down_hh01()  # proposed again with one red-flag branch, approved
    assert demo.branch.code in _instances("branch_target_declaration")


def test_the_branch_committee_returns_the_declaration_to_the_secretary(demo):
    _publish_company()
    _break_down_hh01()
    instance_id = _instances("branch_target_declaration")[demo.branch.code]
    secretary = demo.holder("branch_secretary")
    step = open_task(instance_id).element_id
    complete_step(secretary, instance_id, step, _declaration(demo, "basic"))
    returned = CONFIRMED | {"decision": "return", "return_reason": "应争创标准化党支部"}
    complete_step(demo.holder("branch_committee"), instance_id, "confirm", returned)
    assert open_task(instance_id).element_id == step  # the same limit as before
    assert told_of_return(instance_id) == [secretary.user_id]
    assert declared_target(db.session, demo.branch.id, YEAR) is None

    complete_step(secretary, instance_id, step, _declaration(demo, "standardised"))
    complete_step(demo.holder("branch_committee"), instance_id, "confirm", CONFIRMED)
    assert declared_target(db.session, demo.branch.id, YEAR) == "standardised"


def test_only_the_company_organisation_department_starts(demo):
    with pytest.raises(Forbidden):
        run(start_target_setting, actor=holder_at("HH01", "unit_org_reviewer"), year=YEAR)
    with pytest.raises(ValidationFailed):
        run(start_target_setting, actor=holder_at("HH", "company_org_dept"), year=1999)
    assert db.session.scalar(select(func.count()).select_from(TargetSetting)) == 0


def test_the_declared_target_starts_the_years_self_assessment(demo, client, login):
    set_level(demo.branch.id, Level.STANDARDISED)
    _publish_company()
    _break_down_hh01()
    instance_id = _instances("branch_target_declaration")[demo.branch.code]
    secretary = demo.holder("branch_secretary")
    complete_step(secretary, instance_id, "declare_red_flag", _declaration(demo, "red_flag"))
    complete_step(
        demo.holder("branch_committee"),
        instance_id,
        "confirm",
        CONFIRMED,
    )
    cycle_id = run(
        start_cycle, actor=holder_at("HH", "company_org_dept"), year=YEAR, scope_code="HH01"
    )
    cycle_instance = db.session.scalars(
        select(CycleBranch.instance_id).where(
            CycleBranch.cycle_id == cycle_id, CycleBranch.branch_id == demo.branch.id
        )
    ).one()
    login(secretary.login, "demo123456")
    page = client.get(f"/inbox/tasks/{open_task(cycle_instance).id}").get_data(as_text=True)
    assert '<option value="red_flag" selected' in page  # the application starts at 红旗
