"""A unit's roll-up of the ledgers its branches keep (a ledger is a view over the records of a
branch for a year, and a unit's roll-up): every branch's rows with a branch column, read in as
many statements as one branch's page, for the unit's and the company's reviewers only."""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from app.core.i18n import LANGUAGE_COOKIE
from app.demo.history import OTHER_BRANCHES
from app.extensions import db
from app.identity.models import OrgUnit
from tests.conftest import log_in
from tests.ledgers.test_pages import DEMO_PASSWORD
from tests.ledgers.test_pages import _held
from tests.ledgers.test_pages import _rows
from tests.ledgers.test_pages import _statements
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import holder_at

YEAR = 2026
UNIT = "HH01"
MINUTES = "branch_committee_minutes"


def _cells(page: str) -> list[list[str]]:
    body = page.split('id="ledger-rows"')[1].split("</tbody>")[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in body.split("<tr>")[2:]]


def _name(code: str) -> str:
    return db.session.scalars(select(OrgUnit.name).where(OrgUnit.code == code)).one()


def test_a_unit_reviewer_reads_every_branch_s_minutes_in_one_table(demo_year, client, login):
    login(holder_at(UNIT, "unit_org_reviewer").login, DEMO_PASSWORD)
    with _statements() as single:
        branch_page = client.get(f"/ledgers/{DEMO_BRANCH}/{YEAR}/{MINUTES}").get_data(as_text=True)
    with _statements() as rolled:
        page = client.get(f"/ledgers/{UNIT}/{YEAR}/{MINUTES}").get_data(as_text=True)
    held = _held("branch_committee_meeting")
    assert set(held) <= set(_rows(page))  # the demo branch's meetings, each opening its record
    assert len(_rows(page)) > len(held)  # and the other branches' meetings beside them
    assert "所在支部" in page  # the branch column's heading
    by_branch = {cells[1] for cells in _cells(page)}
    assert {_name(DEMO_BRANCH), *(_name(code) for code in OTHER_BRANCHES)} <= by_branch
    # The demo branch's rows read as on its own page, after the branch's name.
    mine = [c[2:] for c in _cells(page) if c[1] == _name(DEMO_BRANCH)]
    assert sorted(mine) == sorted(c[1:] for c in _cells(branch_page))
    # One query for the year over all branches: no more statements than one branch's page, but
    # for the branches' own list.
    assert rolled[0] <= single[0] + 2


def test_the_roll_up_prints_and_exports_with_its_branch_column(demo_year, client, login):
    login(holder_at(UNIT, "unit_org_reviewer").login, DEMO_PASSWORD)
    html = client.get(f"/ledgers/{UNIT}/{YEAR}/{MINUTES}/print").get_data(as_text=True)
    assert _name(UNIT) in html
    assert all(_name(code) in html for code in OTHER_BRANCHES)
    response = client.get(f"/ledgers/{UNIT}/{YEAR}/{MINUTES}.xlsx")
    values = [list(r) for r in load_workbook(BytesIO(response.data)).active.values]
    assert values[1][:2] == ["序号", "所在支部"]
    assert {row[1] for row in values[2:]} >= {_name(code) for code in OTHER_BRANCHES}


def test_the_index_offers_the_unit_to_its_reviewers(demo, client, login):
    login(holder_at(UNIT, "unit_org_reviewer").login, DEMO_PASSWORD)
    index = client.get("/ledgers/").get_data(as_text=True)
    assert f'<option value="{UNIT}"' in index
    assert f'href="/ledgers/{UNIT}/{YEAR}/{MINUTES}"' in index  # the unit is shown first


def test_branch_staff_and_other_units_are_told_not_found(demo, app):
    for outsider in (
        holder_at(DEMO_BRANCH, "branch_secretary"),
        holder_at("HH02", "unit_org_reviewer"),
    ):
        client = app.test_client()
        assert log_in(client, outsider.login, DEMO_PASSWORD).status_code == 302
        for path in ("", "/print", ".xlsx"):
            response = client.get(f"/ledgers/{UNIT}/{YEAR}/{MINUTES}{path}")
            assert response.status_code == 404, (outsider.login, path)
        index = client.get("/ledgers/").get_data(as_text=True)
        assert f'<option value="{UNIT}"' not in index


def test_the_roll_up_of_the_attendance_register_reads_all_rolls_at_once(demo_year, client, login):
    """Those absent are named by each branch's own rolls on the meeting day, without a query
    per branch or per meeting."""
    login(holder_at(UNIT, "unit_org_reviewer").login, DEMO_PASSWORD)
    register = "attendance_register"
    with _statements() as single:
        branch_page = client.get(f"/ledgers/{DEMO_BRANCH}/{YEAR}/{register}").get_data(as_text=True)
    with _statements() as rolled:
        page = client.get(f"/ledgers/{UNIT}/{YEAR}/{register}").get_data(as_text=True)
    mine = [c[2:] for c in _cells(page) if c[1] == _name(DEMO_BRANCH)]
    assert sorted(mine) == sorted(c[1:] for c in _cells(branch_page))
    assert len(_cells(page)) > len(mine)
    assert rolled[0] <= single[0] + 2


def test_in_english_the_roll_up_shows_no_chinese_but_names_and_what_people_typed(
    demo_year, client, login
):
    from tests.web.test_english_pages import _allowed_chinese  # noqa: PLC0415 - shared check
    from tests.web.test_english_pages import _offences  # noqa: PLC0415
    from tests.web.test_english_pages import _visible_text  # noqa: PLC0415

    login(holder_at(UNIT, "unit_org_reviewer").login, DEMO_PASSWORD)
    client.set_cookie(LANGUAGE_COOKIE, "en")
    allowed = _allowed_chinese()
    index = client.get(f"/ledgers/?org={UNIT}").get_data(as_text=True)
    found = {"/ledgers/": _offences(_visible_text(index), allowed)}
    for key in re.findall(rf'href="/ledgers/{UNIT}/{YEAR}/(\w+)"', index):
        path = f"/ledgers/{UNIT}/{YEAR}/{key}"
        found[path] = _offences(_visible_text(client.get(path).get_data(as_text=True)), allowed)
    assert len(found) > 1
    assert not any(found.values()), {p: o[:3] for p, o in found.items() if o}
    page = client.get(f"/ledgers/{UNIT}/{YEAR}/{MINUTES}").get_data(as_text=True)
    assert "The rows of every organisation below that keeps this ledger." in page
    assert ">Branch<" in page


def test_a_general_branch_secretary_reads_the_roll_up_of_its_branches_only(
    demo_year, client, login
):
    demo_branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == DEMO_BRANCH)).one()
    general = db.session.get(OrgUnit, demo_branch.parent_id)
    assert general.kind.value == "general_branch"
    login(holder_at(general.code, "branch_secretary").login, DEMO_PASSWORD)
    page = client.get(f"/ledgers/{general.code}/{YEAR}/{MINUTES}").get_data(as_text=True)
    below = set(
        db.session.scalars(
            select(OrgUnit.name).where(OrgUnit.parent_id == general.id, OrgUnit.kind == "branch")
        )
    )
    shown = {cells[1] for cells in _cells(page)}
    assert _name(DEMO_BRANCH) in shown
    assert shown <= below  # the unit's other branches are not this general branch's
    assert client.get(f"/ledgers/{UNIT}/{YEAR}/{MINUTES}").status_code == 404
