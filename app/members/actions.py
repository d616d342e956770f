"""The member procedures' actions: a service task changes a person's party status or moves them
to another branch (identity's ``commands.members``), with the instance recorded on the change."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from app.identity.commands.applicants import register_applicant
from app.identity.commands.members import change_party_status
from app.identity.commands.members import transfer_member
from app.members.dues_actions import ACTIONS as DUES_ACTIONS
from app.members.member_roles import MEMBER_ROLE_ACTIONS
from app.members.pairing import ACTIONS as PAIRING_ACTIONS
from app.members.points.claim_check import ACTIONS as CLAIM_ACTIONS
from app.members.probation import PROBATION_ACTIONS
from app.members.study_actions import STUDY_ACTIONS
from app.members.transfers import TRANSFER_ACTIONS
from app.members.waiting_periods import check_waiting_period
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Catalogue
from app.workflow.actions import Parameter

#: The minimum durations of member development, named by the procedures' ``notBefore``.
TIMING_RULES = Path(__file__).with_name("development_rules.toml")

PERSON = Parameter("person", "person_id", "党员（人员）", "person")
EFFECTIVE_ON = Parameter("effective_on", "date", "生效日期", "effective date")
REASON = Parameter("reason", "string", "依据或原因", "basis or reason")


def _change_status(call: ActionCall) -> None:
    change_party_status(
        call.ctx,
        person_id=call.params["person"],
        to_status=call.params["to_status"],
        effective_on=date.fromisoformat(call.params["effective_on"]),
        reason=call.params["reason"],
        instance_id=call.row.id,
    )


def _transfer(call: ActionCall) -> None:
    transfer_member(
        call.ctx,
        person_id=call.params["person"],
        to_branch_code=call.params["to_branch"],
        effective_on=date.fromisoformat(call.params["effective_on"]),
        reason=call.params["reason"],
        instance_id=call.row.id,
    )


def _register_applicant(call: ActionCall) -> None:
    # Nothing returned: a service task's result is kept in the instance's data, which the audit
    # replay can re-derive only where a snapshot was stored; the dossier finds the person by the
    # employee number the receipt recorded.
    register_applicant(
        call.ctx,
        branch_id=call.row.org_unit_id,
        name=call.params["name"],
        gender=call.params["gender"],
        birth_date=date.fromisoformat(call.params["birth_date"]),
        employee_no=call.params["employee_no"],
        application_date=date.fromisoformat(call.params["application_date"]),
        instance_id=call.row.id,
    )


ACTIONS = (
    Action(
        "register_applicant",
        "登记入党申请人",
        "Register an applicant",
        "Puts the person who handed in a written application on the branch's rolls as an "
        "applicant, with the day of the application as their first key date; refused under 18 on "
        "that day, for a future day, or an employee number already on the rolls.",
        ("人员名册 roll of the branch", "入党申请日期 application date"),
        (
            Parameter("name", "string", "姓名", "name"),
            Parameter("gender", "string", "性别", "gender"),
            Parameter("birth_date", "date", "出生日期", "date of birth"),
            Parameter("employee_no", "string", "员工编号", "employee number"),
            Parameter("application_date", "date", "递交申请书日期", "application date"),
        ),
        _register_applicant,
    ),
    Action(
        "change_party_status",
        "变更党籍状态",
        "Change a person's party status",
        "Moves the person one step along applicant → activist → development target → probationary "
        "→ full member (or records an extended probation), suspends a full member lost for six "
        "months, restores a suspended one, removes a member (劝退, 除名, 自行脱党) or cancels a "
        "probationary membership (取消预备党员资格), from the "
        "effective date; refused when "
        "the status does not follow the present one or the date is in the future or before the "
        "last change.",
        ("党籍状态记录 party status change", "人员状态及关键日期 person's status and key date"),
        (
            PERSON,
            Parameter("to_status", "string", "新的党籍状态", "new status"),
            EFFECTIVE_ON,
            REASON,
        ),
        _change_status,
    ),
    Action(
        "transfer_member",
        "转接组织关系",
        "Move a person to another branch",
        "Moves the person's membership to another party branch from the effective date; the roles "
        "their account held at the old branch end the day before; refused for a target that is "
        "not a branch or is the present one.",
        ("组织关系转接记录 branch transfer", "人员所在支部 person's branch", "角色任期 role terms"),
        (
            PERSON,
            Parameter("to_branch", "org_code", "转入党支部", "receiving branch"),
            EFFECTIVE_ON,
            REASON,
        ),
        _transfer,
    ),
    Action(
        "check_waiting_period",
        "核对规定期限",
        "Check the period the rules require",
        "Refuses the answer just given (named by `field`) when `applies` and the rule's period "
        "counted from `since` has not passed: `lost_contact_six_months` (失联满6个月方可停止"
        "党籍) or `suspension_two_years` (停止党籍满2年方可按自行脱党除名), "
        "《党员教育管理工作条例》第二十四条. "
        "The message names the rule and the first day allowed; nothing is recorded.",
        ("不写入记录，只核对期限 nothing: it only checks the period",),
        (
            Parameter("rule", "string", "规定", "rule"),
            Parameter("since", "date", "起算日期", "counted from"),
            Parameter("field", "string", "被拒绝的答案", "answer refused"),
            Parameter("applies", "boolean", "是否适用", "applies"),
        ),
        check_waiting_period,
    ),
)


def register_actions(catalogue: Catalogue) -> None:
    actions = (*ACTIONS, *DUES_ACTIONS, *TRANSFER_ACTIONS, *PAIRING_ACTIONS, *CLAIM_ACTIONS)
    for action in (*actions, *STUDY_ACTIONS, *PROBATION_ACTIONS, *MEMBER_ROLE_ACTIONS):
        catalogue.register(action)
