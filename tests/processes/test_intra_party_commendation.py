"""两优一先 nominations at the demo branch, through the commands: the unit's call, the committee's
nominees, the general assembly's vote (a failed one sends them back), the public notice, the unit
committee's review, the company committee's decision and the honours recorded in the register."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import ROOT
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.plugins.demo import told_of_return

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ASSEMBLY_AT = "2026-12-08T15:00:00+08:00"
ASSEMBLY_DAY = date(2026, 12, 8)
CALL = {
    "year": 2026,
    "quota_members": 2,
    "quota_workers": 1,
    "collective_invited": True,
    "due": "2026-12-20",
}


def tally(votes_for: int, present: int) -> dict[str, int]:
    return {"present": present, "for": votes_for, "against": present - votes_for, "abstain": 0}


def start(demo) -> int:
    reviewer = holder_at("HH01", "unit_org_reviewer")
    instance_id = run(
        commands.start_instance,
        actor=reviewer,
        process_key="intra_party_commendation",
        org_code=demo.branch.code,
    )
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role) == ("call", "unit_org_reviewer")
    complete_step(reviewer, instance_id, "call", CALL)
    return instance_id


def nominees(demo) -> list[dict]:
    first, second = demo.people("members", ASSEMBLY_DAY)[:2]
    return [
        {"person": first, "honour": "outstanding_member", "deeds": "带头攻关，冬季保产成效显著"},
        {"person": second, "honour": "outstanding_worker", "deeds": "党务台账规范，党员教育扎实"},
    ]


def test_nominations_run_from_the_call_to_the_honours_recorded(demo):
    committee = demo.holder("org_member")
    assembly = demo.holder("branch_assembly")
    secretary = demo.holder("branch_secretary")
    instance_id = start(demo)

    nominate = open_task(instance_id)
    assert (nominate.element_id, nominate.candidate_role) == ("nominate", "branch_committee")
    outsider_branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01-02")).one()
    with pytest.raises((Forbidden, NotFound)):  # another branch's committee has no say
        complete_step(
            holder_at(outsider_branch.code, "branch_committee"), instance_id, "nominate", {}
        )
    # Three outstanding members for a quota of two: back to the committee before any vote.
    third = demo.people("members", ASSEMBLY_DAY)[2]
    extra = {"person": third, "honour": "outstanding_member", "deeds": "义务维修抽油机二十余台次"}
    over = {
        "nominees": [*nominees(demo), extra, {**extra, "person": nominees(demo)[1]["person"]}],
        "nominate_branch": False,
        "assembly_at": ASSEMBLY_AT,
    }
    complete_step(committee, instance_id, "nominate", over)
    revise = open_task(instance_id)
    assert (revise.element_id, revise.candidate_role) == ("revise_nomination", "branch_committee")
    proposed = {"nominees": nominees(demo), "nominate_branch": False, "assembly_at": ASSEMBLY_AT}
    complete_step(
        committee, instance_id, "revise_nomination", proposed | {"revision_note": "按名额调整"}
    )

    vote = open_task(instance_id)
    assert (vote.element_id, vote.candidate_role) == ("assembly_vote", "branch_assembly")
    eligible = len(demo.people("full_members", ASSEMBLY_DAY))
    half = eligible // 2
    # Half of those entitled is not more than half: the nominees go back to the committee.
    complete_step(
        assembly,
        instance_id,
        "assembly_vote",
        {"tally": tally(half, eligible), "discussion": "意见分歧"},
    )
    revise = open_task(instance_id)
    assert (revise.element_id, revise.candidate_role) == ("revise_nomination", "branch_committee")
    assert committee.user_id in told_of_return(instance_id)
    revised = proposed | {"nominees": nominees(demo)[:1], "revision_note": "只推荐一名优秀共产党员"}
    complete_step(committee, instance_id, "revise_nomination", revised)
    complete_step(
        assembly,
        instance_id,
        "assembly_vote",
        {"tally": tally(half + 1, eligible), "discussion": "一致认为事迹突出"},
    )

    publicity = open_task(instance_id)
    assert (publicity.element_id, publicity.candidate_role) == ("publicity", "branch_secretary")
    posted = {"notice_from": "2026-12-09", "notice_to": "2026-12-15", "objection_upheld": False}
    complete_step(secretary, instance_id, "publicity", posted)

    review = open_task(instance_id)
    assert (review.element_id, review.candidate_role) == ("unit_review", "unit_party_committee")
    with pytest.raises(Forbidden):  # the unit's committee, not the branch's secretary
        complete_step(secretary, instance_id, "unit_review", {"approved": True, "opinion": "同意"})
    assert open_task(instance_id).id == review.id  # nothing changed
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        instance_id,
        "unit_review",
        {"approved": True, "opinion": "同意推荐，报公司党委"},
    )

    decision = open_task(instance_id)
    assert (decision.element_id, decision.candidate_role) == ("decision", "company_party_committee")
    person = nominees(demo)[0]["person"]
    decided = {
        "decision_no": "长油党发〔2026〕18号",
        "decided_on": "2026-12-20",
        "awarded": [{"person": person, "honour": "outstanding_member"}],
        "branch_awarded": False,
    }
    complete_step(holder_at("HH", "company_party_committee"), instance_id, "decision", decided)

    record = open_task(instance_id)
    assert (record.element_id, record.candidate_role) == ("record_honour", "branch_secretary")
    with pytest.raises(ValidationFailed) as refused:  # the certificate's photo is the record
        complete_step(secretary, instance_id, "record_honour", {"displayed": True})
    assert "certificates" in refused.value.field_errors
    photos = run(
        store_uploads,
        actor=secretary,
        task_id=record.id,
        uploads=[Upload("certificates", "证书.png", PNG)],
    )["certificates"]
    complete_step(
        secretary, instance_id, "record_honour", {"certificates": photos, "displayed": True}
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    answers = earlier_answers(db.session, instance_id)
    assert answers["awarded"] == [{"person": person, "honour": "outstanding_member"}]
    assert answers["tally"]["passed"] is True
    # The honours register has a row per honour decided, read from the records.
    ledger = parse_ledger(
        "honours_register", (ROOT / "ledgers" / "honours_register.json").read_bytes()
    )
    table = ledger_table(db.session, ledger, demo.branch, 2026, clock.local_zone(), "zh")
    name = db.session.get(Person, person).name
    assert [r.cells for r in table.rows] == [
        (
            "2026-12-20",
            name,
            "优秀共产党员",
            "带头攻关，冬季保产成效显著",
            "长油党发〔2026〕18号",
            "否",
            "2026",
        )
    ]


def test_a_review_that_approves_no_one_ends_without_honours(demo):
    instance_id = start(demo)
    proposed = {"nominees": nominees(demo), "nominate_branch": False, "assembly_at": ASSEMBLY_AT}
    complete_step(demo.holder("org_member"), instance_id, "nominate", proposed)
    eligible = len(demo.people("full_members", ASSEMBLY_DAY))
    complete_step(
        demo.holder("branch_assembly"),
        instance_id,
        "assembly_vote",
        {"tally": tally(eligible, eligible), "discussion": "一致同意"},
    )
    complete_step(
        demo.holder("branch_secretary"),
        instance_id,
        "publicity",
        {"notice_from": "2026-12-09", "notice_to": "2026-12-15", "objection_upheld": False},
    )
    complete_step(
        holder_at("HH01", "unit_party_committee"),
        instance_id,
        "unit_review",
        {"approved": False, "opinion": "事迹材料不够具体"},
    )
    row = db.session.get(ProcessInstance, instance_id)
    assert row.status is InstanceStatus.COMPLETED
    assert "decision_no" not in earlier_answers(db.session, instance_id)
