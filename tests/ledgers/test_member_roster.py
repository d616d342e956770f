"""The member roster (党员花名册): a row per party member on a branch's rolls in the year, read
from the identity records — who moved away in the year still stands on the old branch's roster,
and on the new one's; applicants and activists are not party members and are not listed."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from app.core import clock
from app.core.commands import SYSTEM
from app.core.commands import run
from app.core.i18n import LANGUAGE_COOKIE
from app.extensions import db
from app.identity.commands.members import transfer_member
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from app.ledgers.registry import all_ledgers
from app.ledgers.table import ledger_table
from tests.ledgers.test_pages import DEMO_PASSWORD
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import holder_at

YEAR = 2026
PAGE = f"/ledgers/{DEMO_BRANCH}/{YEAR}/member_roster"


def _roster(code: str, locale: str = "zh") -> dict[str, tuple[str, ...]]:
    """Name → the row's cells, as the ledger builds it."""
    org = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
    ledger = all_ledgers()["member_roster"]
    table = ledger_table(db.session, ledger, org, YEAR, clock.local_zone(), locale)
    assert all(row.instance_id is None for row in table.rows)  # no record behind a person
    return {row.cells[0]: row.cells for row in table.rows}


def test_the_roster_lists_the_branch_s_party_members_with_their_records(demo, client, login):
    login(holder_at(DEMO_BRANCH, "branch_secretary").login, DEMO_PASSWORD)
    page = client.get(PAGE).get_data(as_text=True)
    assert "党员花名册" in page
    members = db.session.scalars(
        select(Person).where(Person.id.in_(demo.people("members", clock.local_today())))
    ).all()
    roster = _roster(DEMO_BRANCH)
    assert set(roster) == {p.name for p in members}
    full = next(p for p in members if p.party_status is PartyStatus.FULL and p.party_group_id)
    row = roster[full.name]
    assert row[1] == {"male": "男", "female": "女"}[full.gender.value]
    assert row[3] == full.birth_date.isoformat()
    assert row[6] == "正式党员"
    assert row[7] == (full.admission_date.isoformat() if full.admission_date else "")
    assert row[9] == db.session.get(OrgUnit, full.party_group_id).name
    secretary = holder_at(DEMO_BRANCH, "branch_secretary")
    (name,) = db.session.scalars(
        select(Person.name).where(Person.id == _person_of(secretary.user_id))
    )
    assert "支部书记" in roster[name][10]
    outside = db.session.scalars(
        select(Person.name).where(
            Person.branch_id == demo.branch.id,
            Person.party_status.in_([PartyStatus.ACTIVIST, PartyStatus.APPLICANT]),
        )
    ).all()
    assert not set(outside) & set(roster)
    assert 'href="/instances/' not in page.split('id="ledger-rows"')[1]


def test_who_moved_away_in_the_year_stands_on_both_rosters(demo):
    members = demo.people("members", date(2026, 5, 1))
    mover = db.session.get(Person, members[0])
    run(
        transfer_member,
        actor=SYSTEM,
        person_id=mover.id,
        to_branch_code="HH01-02",
        effective_on=date(2026, 6, 1),
        reason="工作调动",
    )
    db.session.expire_all()
    assert mover.name in _roster(DEMO_BRANCH)
    assert mover.name in _roster("HH01-02")
    assert mover.name not in _roster(DEMO_BRANCH.replace("01-01", "01-03"))


def test_a_unit_reads_its_branches_rosters_in_one_table(demo, client, login):
    login(holder_at("HH01", "unit_org_reviewer").login, DEMO_PASSWORD)
    page = client.get(f"/ledgers/HH01/{YEAR}/member_roster").get_data(as_text=True)
    branches = set(re.findall(r"<td[^>]*>([^<]*党支部)</td>", page))
    assert len(branches) > 1
    assert all(name in page for name in _roster(DEMO_BRANCH))


def test_in_english_the_roster_names_sex_and_status_in_english(demo, client, login):
    login(holder_at(DEMO_BRANCH, "branch_secretary").login, DEMO_PASSWORD)
    client.set_cookie(LANGUAGE_COOKIE, "en")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Member roster" in page
    assert "Full member" in page
    assert re.search(r">(Male|Female)<", page)
    assert "正式党员" not in page


def _person_of(user_id: int) -> int:
    return db.session.get(User, user_id).person_id
