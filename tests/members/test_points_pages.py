"""The demo year's points at the showcase branch, as users see them: every full member paired
(C11 measured at full marks), the branch page's points by month and year, a member's own points
page (and nobody else's but those who see the branch's records), and the two ledgers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.grading.cycle.measured import measured_criteria
from app.grading.rubric.queries import current_rubric
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User
from app.members.pairing import pairing_coverage
from app.members.points.queries import ranking
from tests.conftest import log_in
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import holder_at

DEMO_PASSWORD = "demo123456"
TODAY = date(2026, 11, 23)


def _plain_member(branch: OrgUnit) -> tuple[Person, User]:
    """A member of the branch whose account holds only the member role."""
    roles = select(RoleAssignment.user_id).where(RoleAssignment.role_code != "member")
    found = db.session.execute(
        select(Person, User)
        .join(User, User.person_id == Person.id)
        .where(Person.branch_id == branch.id, User.id.not_in(roles))
        .order_by(Person.id)
    ).first()
    assert found is not None
    return found


def test_the_demo_year_shows_points_pairings_and_c11(demo_year, client, login, app):
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == DEMO_BRANCH)).one()
    assert pairing_coverage(db.session, [branch.id], 2026, TODAY)[branch.id] == 1.0
    found = run(
        measured_criteria,
        actor=SYSTEM,
        branches=[branch],
        year=2026,
        rubric=current_rubric(db.session).rubric,
    )
    assert found[branch.id]["measured_C11"] == 4.0  # all paired, a model post confirmed

    ranked = ranking(db.session, branch, 2026, TODAY)
    assert ranked[0].points.total > 60  # attendance, lectures, progress and claims count
    assert [r.rank for r in ranked] == sorted(r.rank for r in ranked)

    login(holder_at(DEMO_BRANCH, "branch_secretary").login, DEMO_PASSWORD)
    page = client.get(f"/orgs/{DEMO_BRANCH}").get_data(as_text=True)
    section = page.split('id="points"')[1].split("</section>")[0]
    assert ranked[0].name in section
    assert "建议" in page
    top = client.get(f"/people/{ranked[0].person_id}/points?year=2026").get_data(as_text=True)
    assert f"{ranked[0].points.total:g}" in top
    assert "履职尽责分" in top
    assert "参加三会一课、主题党日" in top

    ledger = client.get(f"/ledgers/{DEMO_BRANCH}/2026/points_ledger").get_data(as_text=True)
    rows = ledger.split('id="ledger-rows"')[1].split("</table>")[0]
    assert rows.count("<tr") == len(ranked) + 1  # the heading and a row per member, by rank
    assert rows.index(ranked[0].name) < rows.index(ranked[-1].name)
    cards = client.get(f"/ledgers/{DEMO_BRANCH}/2026/pairing_cards").get_data(as_text=True)
    assert cards.count('href="/instances/') >= len(demo_year.people("full_members", day=TODAY))

    # A plain member sees their own points, not a colleague's; another branch sees nothing.
    person, user = _plain_member(branch)
    member = app.test_client()
    log_in(member, user.login, DEMO_PASSWORD)
    assert member.get(f"/people/{person.id}/points").status_code == 200
    own = member.get(f"/people/{person.id}").get_data(as_text=True)
    assert "本年度积分" in own
    assert f"/people/{person.id}/points" in own
    colleague = next(r.person_id for r in ranked if r.person_id != person.id)
    assert member.get(f"/people/{colleague}/points").status_code == 404
    other = app.test_client()
    log_in(other, holder_at("HH01-02", "branch_secretary").login, DEMO_PASSWORD)
    assert other.get(f"/people/{person.id}/points").status_code == 404
