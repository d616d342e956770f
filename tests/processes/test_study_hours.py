"""Study hours add up from what the procedures recorded — a party lecture's listeners, a themed
party day's members present, a training session's participants and an approved claim — checked
against a hand-worked example; criterion C08 of the self-assessment is prefilled from them."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.core import clock as clock_module
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.measured import measured_criteria
from app.grading.cycle.models import CycleBranch
from app.grading.cycle.start import start_cycle
from app.grading.rubric.queries import current_rubric
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.members.study_hours import study_hours_by_person
from app.members.study_hours import study_hours_by_source
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import ROOT
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.plugins.demo import open_task
from tests.processes.test_member_education_training import claim
from tests.processes.test_member_education_training import person_of
from tests.processes.test_member_education_training import record_session
from tests.processes.test_party_lecture import PDF
from tests.processes.test_party_lecture import _plan as plan_lecture
from tests.processes.test_party_lecture import _pptx
from tests.processes.test_party_lecture import _upload
from tests.processes.test_themed_party_day import PLAN as THEMED_PLAN
from tests.processes.test_themed_party_day import PNG
from tests.processes.test_themed_party_day import _start as start_themed_day

DEMO_PASSWORD = "demo123456"  # the demo accounts' password
LECTURE_AT = "2026-12-10T15:00:00+08:00"


def prepare_lecture(demo) -> int:
    propaganda, lecturer = demo.holder("propaganda_member"), demo.holder("lecturer")
    instance_id = plan_lecture(demo, propaganda, lecturer)
    (outline,) = _upload(lecturer, instance_id, "outline", "讲稿.pdf", PDF)
    complete_step(lecturer, instance_id, "prepare", {"outline": outline})
    secretary = demo.holder("branch_secretary")
    complete_step(secretary, instance_id, "review_content", {"content_approved": True})
    notice = {"lecture_at": LECTURE_AT, "place": "站会议室", "notified": True}
    complete_step(propaganda, instance_id, "notify", notice)
    return instance_id


def deliver_lecture(demo, instance_id: int, present: list[int], hours: float) -> None:
    lecturer = demo.holder("lecturer")
    slides = _upload(lecturer, instance_id, "materials", "党课课件.pptx", _pptx())
    delivered = {"attendees": {"present": present}, "hours": hours, "materials": slides}
    complete_step(lecturer, instance_id, "deliver", delivered)


def prepare_themed_day(demo) -> int:
    secretary = demo.holder("branch_secretary")
    instance_id = start_themed_day(demo, secretary)
    complete_step(demo.holder("org_member"), instance_id, "set_theme", THEMED_PLAN)
    notified = {"plan_confirmed": True, "notified": True, "notice": "12月2日开展主题党日"}
    complete_step(secretary, instance_id, "notify", notified)
    return instance_id


def hold_themed_day(demo, instance_id: int, present: list[int], hours: float) -> None:
    secretary = demo.holder("branch_secretary")
    photos = run(
        store_uploads,
        actor=secretary,
        task_id=open_task(instance_id).id,
        uploads=[Upload("photos", "活动照片.png", PNG)],
    )["photos"]
    held = {
        "attendees": {"present": present},
        "hours": hours,
        "record": "集中学习全会公报并开展志愿服务",
        "photos": photos,
        "decisions_made": False,
    }
    complete_step(secretary, instance_id, "hold", held)


def measured_c08(demo) -> float | None:
    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=[demo.branch],
        year=2026,
        rubric=current_rubric(db.session).rubric,
    )
    return found[demo.branch.id]["measured_C08"]


def test_hours_add_up_from_every_procedure_that_records_them(demo, clock, client, login):
    members = demo.people("members", date(2026, 12, 10))
    claimant = demo.holder("member")
    a = person_of(claimant)
    b, c, d = [p for p in members if p != a][:3]
    assert measured_c08(demo) is None  # nothing recorded yet: the branch scores C08 itself

    lecture = prepare_lecture(demo)
    themed_day = prepare_themed_day(demo)
    record_session(demo, [a, b, c], 28)  # 20 November: rotational training, 28 hours
    claim(demo, claimant, 2, approved=True)  # a's online course
    claim(demo, claimant, 4, approved=False)  # refused: not counted
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    hold_themed_day(demo, themed_day, [a, b, d], 3)
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    deliver_lecture(demo, lecture, [a, c], 1.5)

    # Worked by hand: a 28 + 3 + 1.5 + 2 = 34.5; b 28 + 3 = 31; c 28 + 1.5 = 29.5; d 3.
    hours = study_hours_by_person(db.session, demo.branch.id, 2026)
    assert (hours[a], hours[b], hours[c], hours[d]) == (34.5, 31.0, 29.5, 3.0)
    assert {p: h for p, h in hours.items() if p not in (a, b, c, d)} == dict.fromkeys(
        set(members) - {a, b, c, d}, 0.0
    )
    assert study_hours_by_source(db.session, demo.branch.id, 2026)[a] == {
        "party_lecture": 1.5,
        "themed_party_day": 3.0,
        "member_training_session": 28.0,
        "study_hours_claim": 2.0,
    }
    # The study-hours ledger: a row per member, the hours by source equal to the records.
    ledger = parse_ledger(
        "study_hours_ledger", (ROOT / "ledgers" / "study_hours_ledger.json").read_bytes()
    )
    table = ledger_table(db.session, ledger, demo.branch, 2026, clock_module.local_zone(), "zh")
    assert len(table.rows) == len(hours)
    by_name = {row.cells[0]: row.cells[1:] for row in table.rows}
    name_of = {p: db.session.get(Person, p).name for p in (a, b, d)}
    assert by_name[name_of[a]] == ("1.5", "3", "28", "2", "34.5", "是")
    assert by_name[name_of[b]] == ("0", "3", "28", "0", "31", "否")
    assert by_name[name_of[d]] == ("0", "3", "0", "0", "3", "否")
    # The unit's roll-up reads every branch's hours at once, each row naming its branch.
    unit = db.session.get(OrgUnit, demo.branch.parent_id)
    rollup = ledger_table(db.session, ledger, unit, 2026, clock_module.local_zone(), "zh")
    ours = [r.cells for r in rollup.rows if r.cells[1] == name_of[a]]
    assert ours == [(demo.branch.name, name_of[a], "1.5", "3", "28", "2", "34.5", "是")]
    login(demo.holder("branch_secretary").login, DEMO_PASSWORD)
    page = client.get(f"/ledgers/{demo.branch.code}/2026/study_hours_ledger")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert name_of[a] in text
    assert "34.5" in text
    assert "/instances/0" not in text  # a member's row opens no record: it is numbered
    book = load_workbook(
        BytesIO(client.get(f"/ledgers/{demo.branch.code}/2026/study_hours_ledger.xlsx").data)
    )
    sheet = book.active
    assert sheet["A3"].value == 1  # numbered rows, no instance number
    assert sheet.max_row == 2 + len(hours)

    # C08 = 5 × the share with at least 32 hours: a alone.
    assert measured_c08(demo) == round(5 * 1 / len(members), 2)
    record_session(demo, [b], 1, held_on=date(2026, 12, 10))  # b reaches exactly 32
    assert measured_c08(demo) == round(5 * 2 / len(members), 2)

    # The self-assessment starts from it and changes it only with a reason.
    cycle_id = run(
        start_cycle, actor=holder_at("HH", "company_org_dept"), year=2026, scope_code="HH01"
    )
    instance_id = db.session.scalars(
        select(CycleBranch.instance_id).where(
            CycleBranch.cycle_id == cycle_id, CycleBranch.branch_id == demo.branch.id
        )
    ).one()
    task = open_task(instance_id)
    secretary = demo.holder("branch_secretary")
    with pytest.raises(ValidationFailed) as refused:
        complete_step(secretary, instance_id, "self_assessment", {"C08": 5, "C08_note": "达标"})
    assert "C08_change_reason" in refused.value.field_errors
    assert open_task(instance_id).id == task.id  # nothing changed
