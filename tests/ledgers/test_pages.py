"""The ledgers of the demo's year of meetings (issue 15 item 5): rows equal the records behind
them; a branch's ledgers for its own committee and the reviewers above it; print and Excel."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.engine import Engine

from app.core import clock
from app.core.commands import run
from app.core.i18n import LANGUAGE_COOKIE
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.ledgers.cli import ledgers_cli
from app.ledgers.definitions import parse_ledger
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from app.workflow import commands
from app.workflow import roster
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import answers_of
from tests.conftest import ROOT
from tests.conftest import log_in
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at

DEMO_PASSWORD = "demo123456"
YEAR = 2026
BASE = f"/ledgers/{DEMO_BRANCH}/{YEAR}"
ROW_LINK = re.compile(r'href="/instances/(\d+)"')


def _held(process_key: str, status=(InstanceStatus.COMPLETED,)) -> dict[int, dict]:
    """The answers of the demo branch's instances of ``process_key`` held this year."""
    branch = db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == DEMO_BRANCH)).one()
    ids = db.session.scalars(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key == process_key,
            ProcessInstance.org_unit_id == branch,
            ProcessInstance.status.in_(status),
        )
    ).all()
    answers = answers_of(db.session, list(ids))
    return {
        i: data
        for i, data in answers.items()
        if datetime.fromisoformat(
            data.get("meeting_at") or data.get("day_at") or data["lecture_at"]
        ).year
        == YEAR
    }


@contextmanager
def _statements() -> Iterator[list[int]]:
    count = [0]

    def one(*_args: object) -> None:
        count[0] += 1

    event.listen(Engine, "before_cursor_execute", one)
    try:
        yield count
    finally:
        event.remove(Engine, "before_cursor_execute", one)


def _rows(page: str) -> list[int]:
    body = page.split('id="ledger-rows"')[1].split("</table>")[0]
    return [int(i) for i in ROW_LINK.findall(body)]


def test_the_minutes_book_has_a_row_per_meeting_held_with_its_people(demo_year, client, login):
    login(holder_at(DEMO_BRANCH, "branch_secretary").login, DEMO_PASSWORD)
    held = _held("branch_committee_meeting")
    assert len(held) >= 10

    page = client.get(f"{BASE}/branch_committee_minutes").get_data(as_text=True)
    assert sorted(_rows(page)) == sorted(held)  # every meeting, each row opening its record
    first = min(held)
    present = held[first]["attendance"]["present"]
    names = db.session.scalars(select(Person.name).where(Person.id.in_(present))).all()
    assert all(name in page for name in names)
    assert held[first]["topics"] in page
    assert "支部委员会会议记录" in page
    assert "到会委员" in page

    # Sorted by a column on request; the newest first when the date column is sorted down.
    down = client.get(f"{BASE}/branch_committee_minutes?sort=0&dir=desc").get_data(as_text=True)
    assert _rows(down) == sorted(held, key=lambda i: held[i]["meeting_at"], reverse=True)


def test_decisions_are_rows_with_owner_due_date_and_follow_up(demo_year, client, login):
    login(holder_at(DEMO_BRANCH, "branch_secretary").login, DEMO_PASSWORD)
    held = _held(
        "branch_committee_meeting", (InstanceStatus.COMPLETED, InstanceStatus.RUNNING)
    ) | _held("branch_general_assembly")
    decisions = [
        (i, d)
        for i, data in held.items()
        for d in data.get("actions") or data.get("decisions") or data.get("resolutions") or []
    ]
    page = client.get(f"{BASE}/decisions_follow_up").get_data(as_text=True)
    assert sorted(_rows(page)) == sorted(i for i, _d in decisions)
    _instance_id, decision = next((i, d) for i, d in decisions if "owner" in d)
    (owner,) = db.session.scalars(select(Person.name).where(Person.id == decision["owner"]))
    assert decision["item"] in page
    assert owner in page
    assert decision["due"] in page
    assert "已落实" in page  # the committee's follow-up step, matched to its decision


def test_the_attendance_register_covers_all_four_kinds_of_meeting(demo_year, client, login):
    login(holder_at(DEMO_BRANCH, "branch_secretary").login, DEMO_PASSWORD)
    keys = (
        "branch_committee_meeting",
        "branch_general_assembly",
        "party_group_meeting",
        "party_lecture",
    )
    held = {i for key in keys for i in _held(key)}
    with _statements() as count:
        page = client.get(f"{BASE}/attendance_register").get_data(as_text=True)
    # A handful of statements for the whole page (14 today), fewer than the rows: none per row.
    assert count[0] <= 20 < len(held)
    assert sorted(_rows(page)) == sorted(held)
    for name in ("支部委员会会议", "党小组会", "党课"):
        assert name in page
    assert re.search(r"应到 \d+ 人，实到 \d+ 人", page)


def test_the_print_view_is_a4_with_branch_year_and_page_numbers(demo_year, client, login):
    login(holder_at(DEMO_BRANCH, "branch_secretary").login, DEMO_PASSWORD)
    html = client.get(f"{BASE}/branch_committee_minutes/print").get_data(as_text=True)
    assert "css/print.css" in html
    assert 'class="nav"' not in html
    assert "长流水采油站党支部" in html
    assert f"{YEAR}年" in html
    assert 'class="sheet ledger-sheet"' in html  # A4 landscape, pages numbered (print.css)
    css = (ROOT / "app/static/css/print.css").read_text("utf-8")
    assert "@page ledger { size: A4 landscape" in css
    assert "counter(page)" in css
    body = html.split('id="ledger-rows"')[1].split("</table>")[0]
    assert body.count("<tr>") == 1 + len(_held("branch_committee_meeting"))


def test_the_excel_export_has_the_headings_and_a_row_per_record(demo_year, client, login):
    login(holder_at(DEMO_BRANCH, "branch_secretary").login, DEMO_PASSWORD)
    response = client.get(f"{BASE}/party_lecture_register.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "长流水采油站党支部" in values[0][0]
    assert "党课记录" in values[0][0]
    assert values[1][:3] == ["序号", "时间", "地点"]
    assert sorted(r[0] for r in values[2:]) == sorted(_held("party_lecture"))


def test_other_branches_and_plain_members_are_told_not_found(demo, app):
    for outsider in (
        holder_at("HH01-02", "branch_secretary"),
        holder_at("HH02", "unit_org_reviewer"),
        demo.holder("member"),
    ):
        client = app.test_client()
        assert log_in(client, outsider.login, DEMO_PASSWORD).status_code == 302
        for path in ("", "/print", ".xlsx"):
            response = client.get(f"{BASE}/branch_committee_minutes{path}")
            assert response.status_code == 404, (outsider.login, path)


def test_a_unit_reviewer_reads_the_ledgers_of_the_unit_s_branches_only(demo, client, login):
    login(holder_at("HH01", "unit_org_reviewer").login, DEMO_PASSWORD)
    assert client.get(f"{BASE}/branch_committee_minutes").status_code == 200
    index = client.get("/ledgers/").get_data(as_text=True)
    codes = set(re.findall(r'<option value="(HH\d\d-\d\d)"', index))
    assert DEMO_BRANCH in codes
    assert all(code.startswith("HH01-") for code in codes)
    other = db.session.scalars(
        select(OrgUnit.code).where(OrgUnit.code.startswith("HH02-"), OrgUnit.kind == "branch")
    ).first()
    assert client.get(f"/ledgers/{other}/{YEAR}/branch_committee_minutes").status_code == 404


def test_in_english_the_ledgers_show_no_chinese_but_names_and_what_people_typed(
    demo_year, client, login
):
    from tests.web.test_english_pages import _allowed_chinese  # noqa: PLC0415 - shared check
    from tests.web.test_english_pages import _offences  # noqa: PLC0415
    from tests.web.test_english_pages import _visible_text  # noqa: PLC0415

    login(holder_at("HH01", "unit_org_reviewer").login, DEMO_PASSWORD)
    client.set_cookie(LANGUAGE_COOKIE, "en")
    allowed = _allowed_chinese()
    index = client.get(f"/ledgers/?org={DEMO_BRANCH}").get_data(as_text=True)
    assert "Attendance register" in index
    found = {"/ledgers/": _offences(_visible_text(index), allowed)}
    for key in re.findall(rf'href="{BASE}/(\w+)"', index):
        for path in (f"{BASE}/{key}", f"{BASE}/{key}/print"):
            found[path] = _offences(_visible_text(client.get(path).get_data(as_text=True)), allowed)
    assert len(found) == 1 + 2 * len(all_ledgers())  # every ledger a branch keeps, and its print
    assert not any(found.values()), {p: o[:3] for p, o in found.items() if o}
    page = client.get(f"{BASE}/attendance_register").get_data(as_text=True)
    assert "Branch committee meeting" in page
    assert re.search(r"\d+ entitled, \d+ present", page)


def test_branch_staff_find_their_ledgers_on_the_home_page_and_members_do_not(demo, app):
    secretary, member = app.test_client(), app.test_client()
    assert (
        log_in(secretary, demo.holder("branch_secretary").login, DEMO_PASSWORD).status_code == 302
    )
    assert log_in(member, demo.holder("member").login, DEMO_PASSWORD).status_code == 302
    home = secretary.get("/").get_data(as_text=True)
    assert 'id="ledger-shelf"' in home
    assert f'href="{BASE}/attendance_register"' in home
    assert 'href="/ledgers/"' in home  # the menu
    plain = member.get("/").get_data(as_text=True)
    assert 'id="ledger-shelf"' not in plain
    assert 'href="/ledgers/"' not in plain
    assert member.get("/ledgers/").status_code == 404


def test_the_export_command_writes_every_ledger_of_the_branch(demo_year, app, tmp_path):
    result = app.test_cli_runner().invoke(
        ledgers_cli, ["export", "--org", DEMO_BRANCH, "--year", str(YEAR), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.glob("*.xlsx"))
    assert f"{DEMO_BRANCH}-{YEAR}-attendance_register.xlsx" in written
    assert len(written) == len(all_ledgers())
    sheet = load_workbook(tmp_path / f"{DEMO_BRANCH}-{YEAR}-branch_committee_minutes.xlsx").active
    assert sheet.max_row - 2 == len(_held("branch_committee_meeting"))


def test_the_attendance_register_names_who_was_absent_on_the_meeting_day(demo_year, client, login):
    login(holder_at(DEMO_BRANCH, "branch_secretary").login, DEMO_PASSWORD)
    page = client.get(f"{BASE}/attendance_register").get_data(as_text=True)
    held = _held("branch_committee_meeting")
    short = {
        i: d
        for i, d in held.items()
        if d["attendance"]["entitled"] > len(d["attendance"]["present"])
    }
    assert short, "the demo year has committee meetings with someone away"
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == DEMO_BRANCH)).one()
    for instance_id, data in short.items():
        day = datetime.fromisoformat(data["meeting_at"]).date()
        question = roster.RosterQuestion("committee", branch, day)
        committee = [o.value for o in roster.roster_options(db.session, question)]
        away = [p for p in committee if p not in data["attendance"]["present"]]
        names = db.session.scalars(select(Person.name).where(Person.id.in_(away))).all()
        row = page.split(f'href="/instances/{instance_id}"')[1].split("</tr>")[0]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        # the column of those absent, each with the reason for leave where the minutes give one
        absent = [re.sub(r"（[^）]*）$", "", name) for name in cells[4].split("、")]
        assert sorted(absent) == sorted(names)
        reasons = {a["person"]: a["reason"] for a in data.get("absentees", [])}
        assert all(f"（{reasons[p]}）" in cells[4] for p in away if p in reasons)
    # Every kind of meeting, by its own form's rule (a party group's roll, not the branch's):
    # as many named absent as the counts say.
    body = page.split('id="ledger-rows"')[1].split("</tbody>")[0]
    for row in body.split("<tr>")[2:]:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        entitled, present = map(int, re.findall(r"\d+", cells[3]))
        assert len([n for n in cells[5].split("、") if n]) == entitled - present, cells


def test_a_ledger_of_any_status_marks_running_records_and_shows_instance_fields(demo):
    secretary = demo.holder("branch_secretary")
    instance_id = run(
        commands.start_instance,
        actor=secretary,
        process_key="branch_committee_meeting",
        org_code=demo.branch.code,
    )
    agenda = {
        "month": "2026-11",
        "topics": "研究发展党员计划",
        "meeting_at": "2026-11-25T09:00:00+08:00",
        "place": "站党员活动室",
    }
    complete_step(secretary, instance_id, "set_agenda", agenda)
    document = {
        "title": "会议进度",
        "x-title-en": "Meetings under way",
        "process_keys": ["branch_committee_meeting"],
        "date_field": "meeting_at",
        "status": "any",
        "columns": [
            {"field": "$procedure", "title": "会议", "x-title-en": "Meeting"},
            {"field": "$status", "title": "状态", "x-title-en": "Status"},
            {"field": "$started", "title": "发起", "x-title-en": "Started"},
            {"field": "place"},  # no title: the form's own label
        ],
    }
    ledger = parse_ledger("under_way", json.dumps(document).encode())
    zone = clock.local_zone()
    table = ledger_table(db.session, ledger, demo.branch, YEAR, zone, "zh")
    assert table.headings == ("会议", "状态", "发起", "会议地点")
    (row,) = [r for r in table.rows if r.instance_id == instance_id]
    assert row.running
    assert row.cells == ("支部委员会会议", "进行中", "2026-11-23 10:00", "站党员活动室")
    english = ledger_table(db.session, ledger, demo.branch, YEAR, zone, "en")
    assert english.headings[-1] == "Place"


def test_an_item_list_reads_as_lines_with_names_not_as_data(demo_year, client, login):
    """The themed-day register's decisions: matter, owner by name and due date per line, as the
    form's columns give them — not the stored list of dicts and person ids."""
    login(holder_at(DEMO_BRANCH, "branch_secretary").login, DEMO_PASSWORD)
    held = _held("themed_party_day")
    assert held  # the demo holds a themed party day every month
    page = client.get(f"{BASE}/themed_party_day").get_data(as_text=True)
    assert "{&#39;" not in page
    assert "{'" not in page
    first = held[min(held)]["decisions"][0]
    owner = db.session.get(Person, first["owner"]).name
    assert f"{first['matter']}；{owner}；{first['due']}" in page
