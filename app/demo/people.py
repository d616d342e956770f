"""Demo people: realistic names, ages and party-membership histories for each branch."""

from __future__ import annotations

import random
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta

from app.core.commands import CommandContext
from app.demo import names
from app.identity.kinds import Gender
from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.models import Person


@dataclass
class Roster:
    """The people of one demo branch, by party status, and how they are split into party groups."""

    branch: OrgUnit
    full: list[Person] = field(default_factory=list)
    probationary: list[Person] = field(default_factory=list)
    targets: list[Person] = field(default_factory=list)
    activists: list[Person] = field(default_factory=list)
    applicants: list[Person] = field(default_factory=list)
    groups: list[tuple[OrgUnit, list[Person]]] = field(default_factory=list)

    @property
    def members(self) -> list[Person]:
        return self.full + self.probationary

    @property
    def group_count(self) -> int:
        return max(2, min(4, len(self.members) // 6))

    def place_in_groups(self, groups: list[OrgUnit]) -> None:
        self.groups = [(group, []) for group in groups]
        for index, person in enumerate(self.members):
            group, people = self.groups[index % len(groups)]
            person.party_group_id = group.id
            people.append(person)


class PeopleFactory:
    def __init__(self, ctx: CommandContext, rng: random.Random) -> None:
        self.ctx, self.rng, self.today = ctx, rng, ctx.today
        self.everyone: list[Person] = []
        #: The pinyin a person's login is made from (the same name twice gets a number).
        self.login_stems: dict[int, str] = {}
        self._serial = 0
        self._surnames = [(s, p) for s, p, _ in names.SURNAMES]
        self._weights = [w for _, _, w in names.SURNAMES]

    def populate_branch(self, branch: OrgUnit, profile: str) -> Roster:
        roster = Roster(branch)
        office = branch.branch_type is not None and branch.branch_type.value == "joint_business"
        # Office branches are larger: unit and company staff are members there.
        size = self.rng.randint(16, 28) if office else self.rng.randint(10, 24)
        pipeline = [PartyStatus.APPLICANT, PartyStatus.ACTIVIST, PartyStatus.DEVELOPMENT_TARGET]
        pipeline += self.rng.choices(pipeline, k=self.rng.randint(0, 2))
        statuses = [*pipeline, PartyStatus.PROBATIONARY]
        statuses += [PartyStatus.PROBATIONARY] * (1 if self.rng.random() < 0.4 else 0)
        statuses += [PartyStatus.FULL] * max(size - len(statuses), 4)
        buckets = {
            PartyStatus.FULL: roster.full,
            PartyStatus.PROBATIONARY: roster.probationary,
            PartyStatus.DEVELOPMENT_TARGET: roster.targets,
            PartyStatus.ACTIVIST: roster.activists,
            PartyStatus.APPLICANT: roster.applicants,
        }
        for status in statuses:
            buckets[status].append(self._person(branch, profile, status, office))
        roster.full.sort(
            key=lambda p: p.birth_date
        )  # oldest first: secretaries come from the front
        return roster

    def _person(self, branch: OrgUnit, profile: str, status: PartyStatus, office: bool) -> Person:
        female_share = 0.45 if office or profile == "organs" else 0.2
        gender = Gender.FEMALE if self.rng.random() < female_share else Gender.MALE
        name, stem = self._name(gender)
        birth = self._birth_date(status)
        self._serial += 1
        titles = names.OFFICE_TITLES if office else names.JOB_TITLES[profile]
        ethnicity = self.rng.choices(
            [e for e, _ in names.ETHNICITIES], [w for _, w in names.ETHNICITIES]
        )[0]
        person = Person(
            name=name,
            gender=gender,
            birth_date=birth,
            ethnicity=ethnicity,
            employee_no=f"HH{self._serial:06d}",
            job_title=self.rng.choice(titles),
            party_status=status,
            branch_id=branch.id,
            created_at=self.ctx.now,
            **self._milestones(status, birth),
        )
        self.ctx.session.add(person)
        self.everyone.append(person)
        self.login_stems[id(person)] = stem
        return person

    def _name(self, gender: Gender) -> tuple[str, str]:
        surname, surname_py = self.rng.choices(self._surnames, self._weights)[0]
        pool = names.FEMALE_CHARS if gender is Gender.FEMALE else names.MALE_CHARS
        if self.rng.random() < 0.35:
            given, given_py = self.rng.choice(pool)
        else:
            (first, first_py), (second, second_py) = (
                self.rng.choice(names.MIDDLE_CHARS),
                self.rng.choice(pool),
            )
            given, given_py = first + second, first_py + second_py
        return surname + given, surname_py + given_py

    def _birth_date(self, status: PartyStatus) -> date:
        oldest, youngest = (
            (60, 26) if status in (PartyStatus.FULL, PartyStatus.PROBATIONARY) else (45, 22)
        )
        if status is PartyStatus.PROBATIONARY:
            oldest = 40
        age_days = self.rng.randint(youngest * 365, oldest * 365)
        return self.today - timedelta(days=age_days)

    def _days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def _milestones(self, status: PartyStatus, birth: date) -> dict[str, date | None]:
        """Key dates that respect the regulation's order and minimum gaps (domain.md §2.3)."""
        rng = self.rng
        if status is PartyStatus.APPLICANT:
            return {"application_date": self._days_ago(10, 200)}
        if status is PartyStatus.ACTIVIST:
            activist = self._days_ago(30, 700)
            return {
                "activist_date": activist,
                "application_date": activist - timedelta(days=rng.randint(60, 300)),
            }
        if status is PartyStatus.DEVELOPMENT_TARGET:
            target = self._days_ago(30, 300)
        else:
            if status is PartyStatus.PROBATIONARY:
                admission = self._days_ago(20, 350)
            else:
                earliest = max(
                    birth + timedelta(days=21 * 365), self.today - timedelta(days=40 * 365)
                )
                latest = self.today - timedelta(days=400)
                admission = earliest + (latest - earliest) * rng.random()
            target = admission - timedelta(days=rng.randint(60, 240))
        activist = target - timedelta(days=rng.randint(370, 540))
        dates = {
            "development_target_date": target,
            "activist_date": activist,
            "application_date": activist - timedelta(days=rng.randint(60, 360)),
        }
        if status in (PartyStatus.PROBATIONARY, PartyStatus.FULL):
            dates["admission_date"] = admission
        if status is PartyStatus.FULL:
            dates["full_membership_date"] = admission + timedelta(days=365 + rng.randint(0, 20))
        return dates
