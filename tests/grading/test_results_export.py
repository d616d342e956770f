"""结果运用 (G9): a grading cycle's results workbook — the unit sheet, the secretaries' sheet and the
honours list — equals the cycle's results; a unit's people get their unit's rows, others nothing."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.grading.cycle.commands import cycle_progress
from app.grading.cycle.models import CycleBranch
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from tests.conftest import log_in
from tests.plugins.demo import holder_at
from tests.processes.test_model_sites import decided_cycle


def _get(app, login: str, path: str):
    client = app.test_client()
    assert log_in(client, login, app.config["DEMO_PASSWORD"]).status_code == 302
    return client.get(path)


def _book(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(BytesIO(response.data))


def _rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_workbook_holds_the_cycle_results(app, demo, clock):
    cycle_id, other = decided_cycle(demo, clock)
    progress = cycle_progress(db.session, cycle_id)
    decided = {b.branch.code: b for b in progress.at("completed")}
    dept = holder_at("HH", "company_org_dept")
    book = _book(_get(app, dept.login, f"/grading/cycles/{cycle_id}/results.xlsx"))
    units, secretaries, honours = book.worksheets

    (unit_row,) = _rows(units)  # one unit: the cycle is HH01's
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01")).one()
    header = [c.value for c in units[1]]
    counts = dict(zip(header, unit_row, strict=True))
    assert unit_row[0] == unit.name
    assert (unit_row[1], unit_row[2]) == (progress.total, 2)  # branches, levels decided
    levels = [counts[name] for name in ("示范", "红旗", "标准化", "基本达标", "未达标")]
    assert levels == [0, 1, 0, 1, 0]
    # upgraded, downgraded, kept; the average final score; C-class branches; vetoes
    average = sum(b.final_score for b in decided.values()) / len(decided)
    assert unit_row[8:] == [1, 1, 0, round(average, 2), 1, 0]
    assert average == 84.25  # (93.5 + 75) / 2

    by_code = {row[1]: row for row in _rows(secretaries)}
    assert len(by_code) == progress.total
    user = db.session.get(User, demo.holder("branch_secretary").user_id)
    secretary = db.session.get(Person, user.person_id).name if user.person_id else user.display_name
    mine = by_code[demo.branch.code]
    assert secretary in mine[3].split("、")  # who holds the secretary role today
    assert (mine[4], mine[5], mine[6]) == ("标准化", "红旗", decided[demo.branch.code].final_score)
    assert by_code[other.code][5:7] == ["基本达标", 75]
    undecided = [row for code, row in by_code.items() if code not in decided]
    assert all(row[5] in ("", None) and row[6] is None for row in undecided)

    (honour,) = _rows(honours)  # only 红旗 and 示范 branches, 示范 first
    assert (honour[0], honour[2], honour[4], honour[5]) == (2, demo.branch.code, "红旗", 93.5)


def test_a_unit_sees_its_own_rows_and_others_nothing(app, demo, clock):
    cycle_id, _other = decided_cycle(demo, clock)
    path = f"/grading/cycles/{cycle_id}/results.xlsx"
    branches = db.session.scalars(
        select(CycleBranch.branch_id).where(CycleBranch.cycle_id == cycle_id)
    ).all()
    reviewer = holder_at("HH01", "unit_org_reviewer")
    secretaries = _book(_get(app, reviewer.login, path)).worksheets[1]
    assert len(_rows(secretaries)) == len(branches)
    # another unit's people, a branch secretary: not found
    assert _get(app, holder_at("HH02", "unit_org_reviewer").login, path).status_code == 404
    assert _get(app, demo.holder("branch_secretary").login, path).status_code == 404
    assert _get(app, reviewer.login, "/grading/cycles/999999/results.xlsx").status_code == 404
