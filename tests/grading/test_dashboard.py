"""The dashboard and the branch page: every number equals the level history; scope; Excel."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.identity.kinds import Level
from app.levels.queries import LEVELS_HIGH_FIRST
from tests.conftest import log_in
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user
from tests.levels.helpers import all_rows
from tests.levels.helpers import held_on
from tests.levels.helpers import rec

TODAY = date(2026, 11, 23)


@pytest.fixture
def tree(app):
    tree = make_tree()
    for login, role, org in (
        ("orgdept", "company_org_dept", tree.company),
        ("reviewer", "unit_org_reviewer", tree.unit1),
        ("secretary", "branch_secretary", tree.branch1),
    ):
        make_user(login)
        grant(login, role, org)
    make_user("nobody")
    # U1-B1: basic → standardised → red flag; U1-B2: standardised, delisted to basic;
    # U2-B1: model from 2025.
    rec(tree.branch1, Level.BASIC, date(2023, 12, 20))
    rec(tree.branch1, Level.STANDARDISED, date(2024, 3, 10), cycle=2023)
    rec(tree.branch1, Level.RED_FLAG, date(2025, 3, 12), cycle=2024)
    rec(tree.branch2, Level.BASIC, date(2023, 12, 20))
    rec(tree.branch2, Level.STANDARDISED, date(2024, 3, 10), plaque_no="C-2024-标准化-099")
    rec(tree.branch2, Level.BASIC, date(2025, 10, 15), delisted=True)
    rec(tree.branch3, Level.RED_FLAG, date(2024, 3, 10))
    rec(tree.branch3, Level.MODEL, date(2025, 3, 12))
    return tree


UNIT_OF = {"U1-B1": "U1", "U1-B2": "U1", "U2-B1": "U2"}


def _by_hand(day: date) -> Counter:
    """(unit code, level) → branches, counted from the history rows directly."""
    return Counter((UNIT_OF[r.branch.code], r.level) for r in held_on(all_rows(), day))


def _table(page: str) -> dict[tuple[str, str], tuple[int, str]]:
    """(unit code or 'total', level key or 'all') → (number shown, link) from the level table."""
    cells = {}
    for href, number in re.findall(
        r'<a href="(/dashboard/branches\?[^"]*)">(\d+)</a>', page.split('id="charts"')[0]
    ):
        href = href.replace("&amp;", "&")
        unit = re.search(r"unit=([^&]+)", href)
        level = re.search(r"level=([^&]+)", href)
        key = (unit.group(1) if unit else "total", level.group(1) if level else "all")
        cells[key] = (int(number), href)
    return cells


@pytest.mark.parametrize("day", [date(2024, 1, 1), date(2024, 6, 30), date(2025, 12, 31), TODAY])
def test_the_table_equals_the_level_history(client, login, tree, day):
    login("orgdept")
    page = client.get(f"/dashboard?on={day.isoformat()}").get_data(as_text=True)
    cells = _table(page)
    expected = _by_hand(day)
    for unit in ("U1", "U2"):
        for level in LEVELS_HIGH_FIRST:
            assert cells[(unit, level.value)][0] == expected[(unit, level)], (unit, level, day)
        assert cells[(unit, "all")][0] == sum(n for (u, _), n in expected.items() if u == unit)
    for level in LEVELS_HIGH_FIRST:
        assert cells[("total", level.value)][0] == sum(
            n for (_, lv), n in expected.items() if lv is level
        )
    assert cells[("total", "all")][0] == sum(expected.values())


def test_every_number_links_to_the_branches_behind_it(client, login, tree):
    login("orgdept")
    cells = _table(client.get("/dashboard").get_data(as_text=True))
    assert len(cells) == (2 + 1) * (5 + 1)
    for (unit, level), (number, href) in cells.items():
        page = client.get(href).get_data(as_text=True)
        listed = re.findall(r'<small class="code">(U\d-B\d)</small>', page)
        assert len(listed) == number, href
        expected = {
            r.branch.code
            for r in held_on(all_rows(), TODAY)
            if unit in ("total", UNIT_OF[r.branch.code]) and level in ("all", r.level.value)
        }
        assert set(listed) == expected, href
    red_flag = client.get("/dashboard/branches?unit=U1&level=red_flag").get_data(as_text=True)
    assert "2025-03-12" in red_flag  # since
    assert "C-2025-红旗-001" in red_flag  # plaque


def test_the_year_movement_equals_the_history(client, login, tree):
    login("orgdept")
    data = client.get("/dashboard/data.json").get_json()
    assert data["years"] == ["2023", "2024", "2025", "2026"]
    for index, year in enumerate(data["years"]):
        day = min(date(int(year), 12, 31), TODAY)
        counted = Counter(r.level for r in held_on(all_rows(), day))
        for level in LEVELS_HIGH_FIRST:
            assert data["by_year"][level.value][index] == counted[level], (year, level)
    assert data["units"] == ["第一厂党委", "第二厂党委"]
    assert data["by_unit"]["model"] == [0, 1]
    page = client.get("/dashboard").get_data(as_text=True)
    assert "vendor/echarts/echarts.min.js" in page
    assert "js/dashboard.js" in page
    assert "<script>" not in page  # no inline script under the CSP


def test_a_unit_reviewer_sees_only_their_unit(client, login, tree):
    login("reviewer")
    page = client.get("/dashboard").get_data(as_text=True)
    cells = _table(page)
    assert {unit for unit, _ in cells} == {"U1", "total"}
    assert cells[("total", "all")][0] == 2
    assert "第二厂党委" not in page
    assert client.get("/dashboard/branches?unit=U2").status_code == 404
    assert client.get("/dashboard/branches?unit=U1&level=nonsense").status_code == 404
    everything = client.get("/dashboard/branches").get_data(as_text=True)
    assert "U2-B1" not in everything
    assert client.get("/dashboard/data.json").get_json()["units"] == ["第一厂党委"]


def test_branch_users_are_refused_and_see_no_menu_link(app, client, login, tree):
    login("secretary")
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/export.xlsx").status_code == 403
    assert 'href="/dashboard"' not in client.get("/").get_data(as_text=True)
    other = app.test_client()
    log_in(other, "nobody")
    assert other.get("/dashboard").status_code == 404


def test_the_menu_links_to_the_dashboard(client, login, tree):
    login("reviewer")
    assert 'href="/dashboard"' in client.get("/").get_data(as_text=True)


def test_the_excel_export_has_one_row_per_branch(app, client, login, tree):
    login("orgdept")
    response = client.get("/dashboard/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["U1-B1", "U1-B2", "U2-B1"]
    by_code = {r[1]: r for r in rows}
    assert by_code["U1-B1"][0] == "第一厂党委"
    assert by_code["U1-B1"][4].date() == date(2025, 3, 12)  # since
    assert by_code["U1-B1"][5] == "C-2025-红旗-001"
    assert by_code["U2-B1"][5] == "C-2025-示范-001"
    assert by_code["U1-B2"][5] is None  # a delisted branch holds no plaque
    # level and previous level: U1-B2 went from standardised down to basic
    assert by_code["U1-B2"][6] == by_code["U1-B1"][3].replace("红旗", "标准化") or by_code["U1-B2"][
        6
    ] in ("Standardised", "标准化")
    assert by_code["U1-B2"][3] in ("Basically up to standard", "基本达标")
    reviewer_export = _export_as(app.test_client(), "reviewer")
    assert [r[1] for r in reviewer_export] == ["U1-B1", "U1-B2"]


def _export_as(client, user):
    log_in(client, user)
    response = client.get("/dashboard/export.xlsx")
    return list(load_workbook(BytesIO(response.data)).active.iter_rows(min_row=2, values_only=True))


def test_the_branch_page_shows_the_level_history(app, client, login, tree):
    login("secretary")
    own = client.get("/orgs/U1-B1").get_data(as_text=True)
    assert "C-2025-红旗-001" in own
    assert "C-2024-标准化-001" in own
    other = app.test_client()
    log_in(other, "reviewer")
    page = other.get("/orgs/U1-B2").get_data(as_text=True)
    assert 'id="level-history"' in page
    assert "C-2024-标准化-099" in page
    assert "2025-10-15" in page  # delisted on
    assert 'class="tag delisted"' in page
    assert page.index("2025-10-15") < page.index("2024-03-10")  # newest first
