"""Demo role assignments: a holder for every role at every node where the role applies."""

from __future__ import annotations

import random
from datetime import date
from datetime import timedelta

from app.core.commands import CommandContext
from app.demo.people import Roster
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import RoleAssignment
from app.identity.models import User

#: Which demo logins the summary (and the README) shows: (role, node code) pairs.
SHOWCASE_UNIT = "HH01"
SHOWCASE_BRANCH = "HH01-01"


class RoleBook:
    def __init__(self, ctx: CommandContext, rng: random.Random, users: dict[int, User]) -> None:
        self.ctx, self.rng, self.users = ctx, rng, users
        self.count = 0
        #: (login, organisation) → role names, for the demo logins the summary prints.
        self.showcase: dict[tuple[str, str], list[str]] = {}
        self._shown: set[tuple[str, str]] = set()
        #: People already given a unit or company post (one post each keeps the demo readable).
        self._posted: set[int] = set()

    # -- helpers -----------------------------------------------------------------------------

    def grant(
        self,
        user: User,
        role: str,
        org: OrgUnit,
        since: date | None = None,
        until: date | None = None,
    ) -> None:
        start = since or self.ctx.today - timedelta(days=self.rng.randint(60, 900))
        self.ctx.session.add(
            RoleAssignment(
                user_id=user.id,
                role_code=role,
                org_unit_id=org.id,
                valid_from=min(start, self.ctx.today),
                valid_to=until,
                granted_at=self.ctx.now,
            )
        )
        self.count += 1
        if until is None:
            self._maybe_show(user, role, org)

    def grant_person(
        self, person: Person, role: str, org: OrgUnit, since: date | None = None
    ) -> None:
        self.grant(self.users[person.id], role, org, since)

    def _maybe_show(self, user: User, role: str, org: OrgUnit) -> None:
        if org.code not in ("HH", SHOWCASE_UNIT, SHOWCASE_BRANCH, f"{SHOWCASE_BRANCH}-1"):
            return
        if (role, org.code) in self._shown:
            return
        self._shown.add((role, org.code))
        key = (user.login, f"{org.name} ({org.code})")
        self.showcase.setdefault(key, []).append(role)

    def _staff(self, rosters: dict[int, Roster], branch_ids: list[int], count: int) -> list[Person]:
        """Full members of the given office branches, not yet posted, for unit and company posts."""
        pool = [p for bid in branch_ids for p in rosters[bid].full[4:]]
        self.rng.shuffle(pool)
        taken = []
        for person in pool:
            if person.id not in self._posted:
                self._posted.add(person.id)
                taken.append(person)
            if len(taken) == count:
                break
        return taken

    # -- tiers -------------------------------------------------------------------------------

    def grant_company(
        self, company: OrgUnit, admin: User, rosters: dict[int, Roster], units
    ) -> None:
        self.grant(admin, "system_admin", company)
        organs = next(u for u, profile in units if profile == "organs")
        office = sorted(
            (r for r in rosters.values() if r.branch.parent_id == organs.id),
            key=lambda r: r.branch.code,
        )
        by_name = {r.branch.name[:2]: r.branch.id for r in office}
        org_dept, propaganda, discipline = by_name["组织"], by_name["宣传"], by_name["纪委"]
        safety, management = by_name["质量"], by_name["企管"]
        (secretary,) = self._staff(rosters, [org_dept], 1)
        self.grant_person(secretary, "company_party_committee", company)
        self.grant_person(secretary, "lecturer", company)
        for person in self._staff(rosters, [org_dept], 2):
            self.grant_person(person, "company_org_dept", company)
        for branch_id in (propaganda, discipline, safety, management, org_dept):
            for person in self._staff(rosters, [branch_id], 1):
                self.grant_person(person, "related_dept", company)
        for person in self._staff(rosters, [r.branch.id for r in office], 3):
            self.grant_person(person, "acceptance_panel", company)
        for person in self._staff(rosters, [discipline, org_dept], 2):
            self.grant_person(person, "auditor", company)

    def grant_unit(self, unit: OrgUnit, rosters: dict[int, Roster]) -> None:
        offices = [
            r.branch.id
            for r in rosters.values()
            if r.branch.parent_id == unit.id and r.branch.branch_type.value == "joint_business"
        ]
        secretary, reviewer, reviewer2, organiser, auditor = self._staff(rosters, offices, 5)
        self.grant_person(secretary, "unit_party_committee", unit)
        self.grant_person(secretary, "lecturer", unit)
        self.grant_person(reviewer, "unit_org_reviewer", unit)
        self.grant_person(reviewer2, "unit_org_reviewer", unit)
        self.grant_person(organiser, "unit_organizer", unit)
        self.grant_person(auditor, "auditor", unit)

    def grant_process_auditors(
        self, company: OrgUnit, units: list[OrgUnit], rosters: dict[int, Roster]
    ) -> None:
        """A process auditor for the whole company, from its discipline office, and one for each
        unit, from the unit's offices. Granted after every other post, so that the other picks
        stay as they were."""
        discipline = [r.branch.id for r in rosters.values() if r.branch.name.startswith("纪委")]
        for person in self._staff(rosters, discipline, 1):
            self.grant_person(person, "process_auditor", company)
        for unit in units:
            offices = [r.branch.id for r in rosters.values() if r.branch.parent_id == unit.id]
            for person in self._staff(rosters, offices, 1):
                self.grant_person(person, "process_auditor", unit)

    def grant_process_designers(self, company: OrgUnit, rosters: dict[int, Roster]) -> None:
        """Two process designers at the company, from its organisation department's office (the
        department approves what they publish). Granted last, so that the other picks stay."""
        org_dept = [r.branch.id for r in rosters.values() if r.branch.name.startswith("组织")]
        for person in self._staff(rosters, org_dept, 2):
            self.grant_person(person, "process_designer", company)

    def grant_general_branch(self, area: OrgUnit, rosters: dict[int, Roster]) -> None:
        below = [r.branch.id for r in rosters.values() if r.branch.parent_id == area.id]
        secretary, deputy = self._staff(rosters, below, 2)
        for role in ("branch_secretary", "branch_committee", "lecturer"):
            self.grant_person(secretary, role, area, area_start(area, self.ctx.today))
        self.grant_person(deputy, "deputy_secretary", area)
        self.grant_person(deputy, "branch_committee", area)

    def grant_branch(self, branch: OrgUnit, roster: Roster) -> None:
        term = branch.term_start
        full = roster.full
        secretary, deputy = full[self.rng.randint(0, 2)], full[3]
        committee = len(full) >= 7
        if committee:
            org_member, propaganda, discipline = full[4], full[5], full[6]
        else:  # no committee below seven full members: the secretary and deputy share the duties
            org_member, propaganda, discipline = deputy, secretary, deputy
        offices = {
            secretary: ["branch_secretary", "branch_assembly", "lecturer", "receiving_org"],
            deputy: ["deputy_secretary"],
        }
        offices.setdefault(org_member, []).extend(["org_member", "dues_clerk"])
        offices.setdefault(propaganda, []).extend(["propaganda_member", "lecturer"])
        offices.setdefault(discipline, []).append("discipline_member")
        for person, roles in offices.items():
            for role in dict.fromkeys([*roles, "branch_committee"]):
                self.grant_person(person, role, branch, term)
        self._previous_secretary(branch, roster, secretary)
        self._members(branch, roster, set(offices))
        for group, people in roster.groups:
            leader = next(
                (p for p in people if p.party_status.value == "full" and p not in offices),
                people[0],
            )
            self.grant_person(leader, "group_leader", group, term)

    def _members(self, branch: OrgUnit, roster: Roster, officers: set[Person]) -> None:
        for person in roster.full:
            self.grant_person(person, "member", branch, person.full_membership_date)
        for person in roster.probationary:
            self.grant_person(person, "probationary_member", branch, person.admission_date)
        for person in roster.targets:
            self.grant_person(person, "development_target", branch, person.development_target_date)
        for person in roster.activists:
            self.grant_person(person, "activist", branch, person.activist_date)
            self.grant_person(person, "mentee", branch, person.activist_date)
        for person in roster.applicants:
            self.grant_person(person, "applicant", branch, person.application_date)
            self.grant_person(person, "mentee", branch, person.application_date)
        helpers = [p for p in roster.full if p not in officers][:4] or roster.full[:4]
        for index, person in enumerate(helpers):
            self.grant_person(
                person, "cultivation_contact" if index % 2 == 0 else "sponsor", branch
            )
        if len(helpers) < 2:
            return
        self.grant_person(helpers[1], "cultivation_contact", branch)
        self.grant_person(helpers[0], "sponsor", branch)

    def _previous_secretary(self, branch: OrgUnit, roster: Roster, current: Person) -> None:
        """Some branches changed secretary at the last election: the old assignment has ended."""
        if self.rng.random() > 0.25 or branch.term_start is None:
            return
        previous = next(p for p in roster.full if p is not current)
        ended = branch.term_start - timedelta(days=1)
        self.grant(
            self.users[previous.id],
            "branch_secretary",
            branch,
            ended - timedelta(days=3 * 365),
            ended,
        )


def area_start(area: OrgUnit, today: date) -> date:
    return today - timedelta(days=400 + area.id % 300)
