"""Next year's annual targets (年度创建目标, G1) under way, and the incidents a revision made.

The company set next year's targets in the last two weeks (drafted, approved by the party
committee, published); every unit got its breakdown, HH01 has approved its own, and HH01's
branches have their declarations: two of them declared and confirmed. Then the unit's party
committee started a second declaration for each of those two branches, to let them revise their
target; when each branch committee confirmed it, saving the target was refused (the year's target
is already decided there) and the engine recorded an incident on the instance, as it records a
failing service task. They stay open for an administrator (retry or cancel), and the auditor's
search finds them under "open incident".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.core.commands import run
from app.demo.timeline import at_time
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import step
from app.extensions import db
from app.grading.targets.commands import branch_business_key
from app.grading.targets.commands import branch_start_data
from app.grading.targets.commands import start_target_setting
from app.grading.targets.commands import target_of
from app.grading.targets.models import TargetSetting
from app.identity.models import OrgUnit
from app.workflow import commands
from app.workflow.models import ProcessInstance

UNIT = "HH01"
DECLARED = {"HH01-01": "red_flag", "HH01-02": "standardised"}  # confirmed before the revisions
REVISED = {"HH01-01": "standardised", "HH01-02": "red_flag"}
CONFIRMED = {"decision": "confirm", "confirm_method": "written", "agreed": True, "signature": True}


@dataclass
class TargetCounts:
    declared: int = 0
    incidents: int = 0


def load_next_year_targets(zone: Any, today: date) -> TargetCounts:
    year = today.year + 1
    _company_targets(year, zone, today)
    _unit_breakdown(year, zone, today - timedelta(days=7))
    counts = TargetCounts()
    for offset, (code, level) in enumerate(DECLARED.items()):
        day = today - timedelta(days=5 - offset)
        _declare(_instance("branch_target_declaration", code), code, level, day, zone)
        counts.declared += 1
    for code, level in REVISED.items():
        _revision(year, code, level, today - timedelta(days=2), zone)
        counts.incidents += 1
    return counts


def _company_targets(year: int, zone: Any, today: date) -> None:
    began = today - timedelta(days=12)
    department = holder("company_org_dept", "HH", began)
    with at_time(moment(began, 9, zone)):
        setting_id = run(start_target_setting, actor=department, year=year)
    instance_id = db.session.get(TargetSetting, setting_id).instance_id
    draft = {
        "target_model": 3,
        "target_red_flag": 12,
        "target_standardised": 45,
        "target_basic_max": 20,
        "target_not_up_to_standard_max": 2,
        "key_tasks": [
            {"task": "落实“三会一课”制度", "lead": "组织部", "due": f"{year}-12-31"},
            {"task": "培育示范党支部和党建品牌", "lead": "组织部"},
        ],
        "schedule": "1月下达目标，2月分解，3月支部申报",
        "measures": "结对指导、观摩学习、季度督查",
    }
    step(department, instance_id, moment(began, 10, zone), draft)
    approved_on = began + timedelta(days=2)
    approval = {
        "decision": "approve",
        "decision_date": str(approved_on),
        "decision_no": f"瀚海党发〔{today.year}〕31号",
    }
    committee = holder("company_party_committee", "HH", approved_on)
    step(committee, instance_id, moment(approved_on, 15, zone), approval)
    published_on = began + timedelta(days=3)
    publish = {"published_on": str(published_on)}
    step(department, instance_id, moment(published_on, 9, zone), publish)


def _unit_breakdown(year: int, zone: Any, day: date) -> None:
    instance_id = _instance("unit_target_breakdown", UNIT)
    proposal = {
        "unit_model": 1,
        "unit_red_flag": 3,
        "unit_standardised": 10,
        "unit_basic_max": 1,
        "unit_not_up_to_standard_max": 0,
        "unit_key_points": "巩固标准化成果，培育红旗党支部",
        "unit_measures": "厂党委班子成员联系支部，每季度督查一次",
    }
    step(holder("unit_org_reviewer", UNIT, day), instance_id, moment(day, 10, zone), proposal)
    approval = {
        "unit_model": 1,
        "unit_red_flag": 3,
        "unit_standardised": 10,
        "unit_basic_max": 1,
        "unit_not_up_to_standard_max": 0,
    }
    approval = {f"approved_{k.removeprefix('unit_')}": v for k, v in approval.items()}
    approval |= {
        "decision": "approve",
        "decision_no": f"一厂党委〔{day.year}〕52号",
        "decision_date": str(day + timedelta(days=1)),
    }
    committee = holder("unit_party_committee", UNIT, day)
    step(committee, instance_id, moment(day + timedelta(days=1), 16, zone), approval)


def _declare(instance_id: int, code: str, level: str, day: date, zone: Any) -> None:
    """The secretary declares ``level`` with the year's plan; the committee confirms in writing."""
    secretary = holder("branch_secretary", code, day)
    owner = people("committee", code, day)[0]
    declaration = {
        "target_level": level,
        "plan_summary": "全年按计划开展“三会一课”和主题党日，巩固提升支部建设水平",
        "plan_measures": [
            {
                "measure": "每月召开支委会研究党建与生产经营",
                "owner": owner,
                "due": f"{day.year + 1}-12-31",
            },
        ],
    }
    step(secretary, instance_id, moment(day, 10, zone), declaration)
    confirm_day = day + timedelta(days=1)
    committee = holder("branch_committee", code, confirm_day)
    step(committee, instance_id, moment(confirm_day, 11, zone), CONFIRMED)


def _revision(year: int, code: str, level: str, day: date, zone: Any) -> None:
    """A second declaration, started by hand by the unit's party committee; its confirmation
    becomes an incident at the service task that stores the target."""
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == UNIT)).one()
    data = branch_start_data(year, branch.level, target_of(db.session, unit.id, year), unit)
    starter = holder("unit_party_committee", UNIT, day)
    with at_time(moment(day, 9, zone)):
        instance_id = run(
            commands.start_instance,
            actor=starter,
            process_key="branch_target_declaration",
            org_code=code,
            business_key=branch_business_key(year),
            data=data,
        )
    _declare(instance_id, code, level, day, zone)


def _instance(process_key: str, code: str) -> int:
    db.session.rollback()
    return db.session.scalars(
        select(ProcessInstance.id)
        .join(OrgUnit, OrgUnit.id == ProcessInstance.org_unit_id)
        .where(ProcessInstance.process_key == process_key, OrgUnit.code == code)
        .order_by(ProcessInstance.id)
    ).first()
