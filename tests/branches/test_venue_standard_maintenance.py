"""阵地建设 at the demo branch, through the commands: the secretary's self-check against the "十有"
with photos, the unit's verification that finds an item missing (recorded, the secretary told,
C17 measured while the rectification waits), the propaganda member's rectification and the
verification that finds everything in place; the ledger; the checklist as data."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import select

from app.core import clock as app_clock
from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import NotFound
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.measured import measured_criteria
from app.grading.rubric.queries import current_rubric
from app.identity.models import OrgUnit
from app.identity.models import User
from app.ledgers.definitions import parse_ledger
from app.ledgers.table import ledger_table
from app.meetings.commands import check_meeting_schedule
from app.notify.models import Notification
from app.workflow import commands
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.uploads import Upload
from app.workflow.uploads import store_uploads
from tests.conftest import ROOT
from tests.plugins.demo import complete_step
from tests.plugins.demo import form_card
from tests.plugins.demo import holder_at
from tests.plugins.demo import instance_data
from tests.plugins.demo import missed_procedures
from tests.plugins.demo import open_task
from tests.plugins.demo import without_branch_names

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
CHECKLIST = tomllib.loads((ROOT / "app/branches/venue_checklist.toml").read_text("utf-8"))
ITEMS = [i["key"] for i in CHECKLIST["item"]]
ROOMS = [r["key"] for r in CHECKLIST["home"]["room"]]


def _start(demo) -> int:
    return run(
        commands.start_instance,
        actor=demo.holder("branch_secretary"),
        process_key="venue_standard_maintenance",
        org_code=demo.branch.code,
    )


def _photos(actor: Actor, instance_id: int, fields: list[str]) -> dict[str, list]:
    task = open_task(instance_id)
    uploads = [Upload(f, f"{f}.png", PNG) for f in fields]
    return run(store_uploads, actor=actor, task_id=task.id, uploads=uploads)


def _self_check(demo, instance_id: int, absent: tuple[str, ...]) -> None:
    secretary = demo.holder("branch_secretary")
    present = [k for k in ITEMS if k not in absent]
    answers = {"checked_on": "2026-11-23", "home_rooms": ROOMS}
    answers |= {k: k not in absent for k in ITEMS}
    answers |= _photos(secretary, instance_id, [f"{k}_photos" for k in present])
    answers |= {f"{k}_note": "尚未制作" for k in absent}
    complete_step(secretary, instance_id, "self_check", answers)


def _c17(branch_id: int, year: int = 2026) -> float | None:
    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=[db.session.get(OrgUnit, branch_id)],
        year=year,
        rubric=current_rubric(db.session).rubric,
    )
    return found[branch_id]["measured_C17"]


def test_a_missing_item_goes_to_rectification_and_is_verified_again(demo):
    reviewer = holder_at("HH01", "unit_org_reviewer")
    secretary = demo.holder("branch_secretary")
    assert _c17(demo.branch.id) is None  # never verified: the branch scores C17 itself
    instance_id = _start(demo)
    task = open_task(instance_id)
    assert (task.element_id, task.candidate_role) == ("self_check", "branch_secretary")
    _self_check(demo, instance_id, absent=("pairing_cards",))

    verify = open_task(instance_id)
    assert (verify.element_id, verify.candidate_role) == ("verification", "unit_org_reviewer")
    # The verification starts from the items the branch itself did not mark in place.
    assert instance_data(instance_id)["self_check_missing"] == ["pairing_cards"]
    found = {"verified_on": "2026-11-25", "missing": ["pairing_cards"], "comments": "缺联系帮带卡"}
    with pytest.raises((Forbidden, NotFound)):  # the branch does not verify itself
        complete_step(secretary, instance_id, "verification", found)
    complete_step(reviewer, instance_id, "verification", found)

    result = instance_data(instance_id)["venue_result"]
    assert result == {
        "verified_on": "2026-11-25",
        "missing": ["pairing_cards"],
        "score": 3.7,
        "in_place": False,
    }
    told = db.session.scalars(
        select(Notification.title).where(
            Notification.user_id == secretary.user_id, Notification.instance_id == instance_id
        )
    ).all()
    assert "阵地建设核验结果：3.7分，1项待整改" in told
    fix = open_task(instance_id)
    assert (fix.element_id, fix.candidate_role) == ("rectification", "propaganda_member")
    assert _c17(demo.branch.id) == 3.7  # the finding counts while the rectification waits

    propaganda = demo.holder("propaganda_member")
    measures = [
        {"item": "pairing_cards", "measure": "制作一带二联系帮带卡上墙", "done_on": "2026-12-05"}
    ]
    complete_step(
        propaganda,
        instance_id,
        "rectification",
        {"actions": measures, **_photos(propaganda, instance_id, ["photos"])},
    )
    again = open_task(instance_id)
    assert again.element_id == "verification"
    complete_step(
        reviewer,
        instance_id,
        "verification",
        {"verified_on": "2026-12-08", "missing": [], "comments": "十有齐全，党员之家五室齐备"},
    )
    assert db.session.get(ProcessInstance, instance_id).status is InstanceStatus.COMPLETED
    assert _c17(demo.branch.id) == 4.0
    assert _c17(demo.branch.id, 2027) is None  # a new year needs its own check

    ledger = parse_ledger(
        "venue_checklist", (ROOT / "ledgers" / "venue_checklist.json").read_bytes()
    )
    table = ledger_table(db.session, ledger, demo.branch, 2026, app_clock.local_zone(), "zh")
    (row,) = table.rows
    assert row.cells[:2] == ("2026-11-23", "2026-12-08")
    assert "十有齐全" in row.cells[3]
    assert "制作一带二联系帮带卡上墙" in " ".join(str(c) for c in row.cells)


def test_an_item_marked_in_place_needs_its_photo(demo):
    instance_id = _start(demo)
    answers = {"checked_on": "2026-11-23", "home_rooms": ROOMS, **dict.fromkeys(ITEMS, True)}
    with pytest.raises(ValidationFailed) as refused:
        complete_step(demo.holder("branch_secretary"), instance_id, "self_check", answers)
    assert "flag_oath_photos" in refused.value.field_errors
    assert open_task(instance_id).element_id == "self_check"  # nothing moved


def test_an_incomplete_home_is_a_gap_of_its_own(demo):
    instance_id = _start(demo)
    secretary = demo.holder("branch_secretary")
    answers = {"checked_on": "2026-11-23", "home_rooms": ROOMS[:4], **dict.fromkeys(ITEMS, True)}
    answers |= _photos(secretary, instance_id, [f"{k}_photos" for k in ITEMS])
    complete_step(secretary, instance_id, "self_check", answers)
    assert instance_data(instance_id)["self_check_missing"] == ["home"]
    complete_step(
        holder_at("HH01", "unit_org_reviewer"),
        instance_id,
        "verification",
        {"verified_on": "2026-11-25", "missing": ["home"], "comments": "缺谈心室"},
    )
    assert instance_data(instance_id)["venue_result"]["score"] == 3.0  # ten items, no home


def test_the_forms_follow_the_checklist():
    """The ten items and the rooms are data: each has its fields, the verification its option."""
    check = json.loads((ROOT / "forms/vsm_self_check.json").read_text("utf-8"))
    fields = check["schema"]["properties"]
    for key in ITEMS:
        assert {key, f"{key}_photos", f"{key}_note"} <= set(fields)
    assert fields["home_rooms"]["items"]["enum"] == ROOMS
    verify = json.loads((ROOT / "forms/vsm_verification.json").read_text("utf-8"))
    options = verify["schema"]["properties"]["missing"]["items"]["enum"]
    assert options == [*ITEMS, CHECKLIST["home"]["key"]]
    assert len(ITEMS) == 10
    assert CHECKLIST["item_points"] * 10 + CHECKLIST["home_points"] == 4  # C17's points


def test_a_year_without_a_venue_check_or_a_report_is_reminded_then_missed(demo, clock):
    """Both yearly branch-building duties are on the compliance calendar (the secretary's
    written report as well as the venue check)."""
    # 2026 is not judged: the procedure came into use during it.
    clock.set(datetime(2027, 12, 26, 2, 0, tzinfo=UTC))  # the last week of 2027
    while run(check_meeting_schedule, actor=SYSTEM):
        pass
    reminders = db.session.scalars(
        select(Notification.title).where(
            Notification.user_id == demo.holder("branch_secretary").user_id,
            Notification.kind == "reminder",
        )
    ).all()
    assert "2027年尚未开展阵地建设检查（2027-12-31 截止）" in reminders
    assert "2027年尚未开展支部书记抓党建工作述职（2027-12-31 截止）" in reminders
    clock.set(datetime(2028, 1, 2, 2, 0, tzinfo=UTC))
    missed = missed_procedures(demo.branch.id)
    assert "阵地建设检查 2027年" in missed
    assert "支部书记抓党建工作述职 2027年" in missed


def test_the_checklist_pages_read_in_english_but_for_names(demo, client, login, app):
    instance_id = _start(demo)
    secretary = db.session.get(User, demo.holder("branch_secretary").user_id)
    login(secretary.login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    assert "有党旗誓词" in page
    assert "党员之家已具备的功能室" in page
    client.set_cookie("branchflow_lang", "en")
    page = client.get(f"/inbox/tasks/{open_task(instance_id).id}").get_data(as_text=True)
    card = without_branch_names(form_card(page), demo.branch.id)
    assert "Party flag and oath in place" in card
    assert "Honour room" in card
    assert not re.findall(r"[\u4e00-\u9fff]", card)
