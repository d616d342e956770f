"""The facts the scheme counts, read from the records a branch's procedures kept in a year; each
source kind of the scheme is one function here, so a new kind of record is one function more.

Study hours come from a provider named in the scheme (``module:function``, the ``study`` helper's
``study_hours_by_person``); while no such function exists the item counts nothing. Deductions that
are only known at the year's end (study hours, no talk record) are dated 31 December and counted
once the year is over.
"""

from __future__ import annotations

import importlib
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.identity.kinds import PartyStatus
from app.identity.models import OrgUnit
from app.identity.queries.members import rosters_on
from app.members.points import records
from app.members.points.accrual import Event
from app.members.points.scheme import Item
from app.members.points.scheme import Scheme
from app.members.points.scheme import Zeroing
from app.workflow.roster import RosterQuestion
from app.workflow.roster import entitled_people

PARTY_MEMBERS = (PartyStatus.FULL, PartyStatus.PROBATIONARY)
CLAIMS = "member_points_management"
PAIRING = "member_mentoring_pairing"
PROGRESS_STEP = "record_progress"


def members_of_year(session: Session, branch: OrgUnit, year: int, today: date) -> list[int]:
    """The party members on the branch's rolls at the year's end (today, for the running year)."""
    day = min(today, date(year, 12, 31))
    return [p.id for p, s in rosters_on(session, branch.id, [day])[day] if s in PARTY_MEMBERS]


def gather(
    session: Session, scheme: Scheme, branch: OrgUnit, year: int, today: date
) -> list[Event]:
    orgs = records.branch_and_groups(session, branch.id)
    context = _Context(session, scheme, branch, orgs, year, today)
    events: list[Event] = []
    for kind, read in READERS.items():
        for item in scheme.items_of(kind):
            events += [e for e in read(context, item) if e.on.year == year]
    for zeroing in scheme.zeroing:
        if zeroing.source.get("kind") == "attendance_gap":
            events += _attendance_gaps(context, zeroing)
    return events


class _Context:
    def __init__(self, session, scheme, branch, orgs, year, today) -> None:
        self.session, self.scheme, self.branch = session, scheme, branch
        self.orgs, self.year, self.today = orgs, year, today
        self.meetings: list[_Meeting] | None = None

    @property
    def year_over(self) -> bool:
        return self.today > date(self.year, 12, 31)

    def found(self, keys: list[str], completed_only: bool = True) -> list[records.Found]:
        return records.instances(self.session, self.orgs, keys, completed_only)


@dataclass(frozen=True)
class _Meeting:
    id: int
    day: date
    entitled: frozenset[int]
    present: frozenset[int]
    excused: frozenset[int]


def _meetings(ctx: _Context) -> list[_Meeting]:
    """The year's meetings whose attendance counts (the scheme's ``attendance``), each with who
    was entitled (the form's people rule on its day), present and excused (a reason recorded)."""
    if ctx.meetings is not None:
        return ctx.meetings
    counted = ctx.scheme.attendance
    found = [
        (m, counted[k], records.local_day(m.data.get(counted[k]["date"]), m.started_at))
        for k in counted
        for m in ctx.found([k])
        if m.org_unit_id == ctx.branch.id
    ]
    found = [(m, rule, day) for m, rule, day in found if day and day.year == ctx.year]
    questions = {
        m.id: RosterQuestion(rule["people"], ctx.branch, day, _group_of(m.data, rule))
        for m, rule, day in found
    }
    entitled = entitled_people(ctx.session, ctx.branch, set(questions.values()))
    ctx.meetings = []
    for meeting, rule, day in found:
        answer = meeting.data.get(rule["field"])
        present = answer.get("present", []) if isinstance(answer, dict) else []
        absentees = meeting.data.get("absentees") or ()
        excused = [a.get("person") for a in absentees if isinstance(a, dict) and a.get("reason")]
        ctx.meetings.append(
            _Meeting(
                meeting.id,
                day,
                frozenset(entitled.get(questions[meeting.id], [])),
                frozenset(present),
                frozenset(excused),
            )
        )
    return ctx.meetings


def _group_of(data: dict, rule: dict[str, str]) -> int | None:
    """The party group whose roll a group meeting's attendance counts (``group``: its answer)."""
    group = data.get(rule["group"]) if rule.get("group") else None
    return group if isinstance(group, int) else None


def _attendance(ctx: _Context, item: Item) -> list[Event]:
    """Present: one event per meeting attended; unexcused_absence: one per meeting an entitled
    member missed without a reason recorded in the meeting's ``absentees``."""
    events = []
    for m in _meetings(ctx):
        if item.source.get("count") == "present":
            chosen = m.present
        else:
            chosen = m.entitled - m.present - m.excused
        events += [Event(p, item.id, m.day, instance_id=m.id) for p in sorted(chosen)]
    return events


def _attendance_gaps(ctx: _Context, zeroing: Zeroing) -> list[Event]:
    """Zeroing: ``months`` months in a row in which a member was entitled to a meeting and came
    to none (excused absences count as coming); dated the last day of the run's last month."""
    months = zeroing.source["months"]
    entitled: dict[int, set[int]] = {}
    came: dict[int, set[int]] = {}
    for m in _meetings(ctx):
        for person in m.entitled:
            entitled.setdefault(person, set()).add(m.day.month)
        for person in m.present | m.excused:
            came.setdefault(person, set()).add(m.day.month)
    events = []
    for person, owed in entitled.items():
        run = 0
        for month in range(1, 13):
            missed = month in owed and month not in came.get(person, set())
            run = run + 1 if missed else 0
            if run == months:
                last = date(ctx.year, month, monthrange(ctx.year, month)[1])
                events.append(Event(person, zeroing.id, last))
                break
    return events


def _lecture(ctx: _Context, item: Item) -> list[Event]:
    source = item.source
    return [
        Event(m.data[source["field"]], item.id, day, instance_id=m.id)
        for m in ctx.found([source["process"]])
        if isinstance(m.data.get(source["field"]), int)
        and (day := records.local_day(m.data.get(source["date"]), m.ended_at))
    ]


def _claim(ctx: _Context, item: Item) -> list[Event]:
    """Claims confirmed by the secretary (``member_points_management``), on the day claimed."""
    return [
        Event(m.data["claimant"], item.id, day, instance_id=m.id)
        for m in ctx.found([CLAIMS])
        if m.data.get("item") == item.id
        and m.data.get("confirmed") is True
        and isinstance(m.data.get("claimant"), int)
        and (day := records.local_day(m.data.get("happened_on"), m.ended_at))
    ]


def _pairing_progress(ctx: _Context, item: Item) -> list[Event]:
    """Each quarterly progress record of a pairing counts for its mentor."""
    pairings = {p.id: p for p in ctx.found([item.source.get("process", PAIRING)], False)}
    events = []
    for instance_id, at, _submitted in records.completions(
        ctx.session, list(pairings), PROGRESS_STEP
    ):
        mentor = pairings[instance_id].data.get("mentor")
        if isinstance(mentor, int):
            events.append(
                Event(mentor, item.id, records.local_day(None, at), instance_id=instance_id)
            )
    return events


def _dues(ctx: _Context, item: Item) -> list[Event]:
    """Dues more than a month late (``lines`` of ``party_dues_collection``): for each month's dues,
    the months of lateness beyond the first that fall in the year, dated when paid (or at the
    year's end, today while it runs). A month left unpaid is settled by the member's next paid
    line (a back-payment ends the arrears, as the dues register counts them); an unpaid line
    recorded through the form has no ``paid_on`` at all."""
    lines: dict[int, list[tuple[str, date | None, int]]] = {}
    for round_ in ctx.found([item.source.get("process", "party_dues_collection")], False):
        month = round_.data.get("month")
        if not isinstance(month, str) or len(month) != 7:
            continue
        for line in round_.data.get("lines") or ():
            if isinstance(line, dict) and isinstance(line.get("person"), int):
                paid = (
                    records.local_day(line.get("paid_on")) if line.get("status") == "paid" else None
                )
                lines.setdefault(line["person"], []).append((month, paid, round_.id))
    year_end, last_year_end = date(ctx.year, 12, 31), date(ctx.year - 1, 12, 31)
    events = []
    for person, months in lines.items():
        months.sort()
        for index, (month, paid, round_id) in enumerate(months):
            settled = paid or next((p for _m, p, _r in months[index + 1 :] if p), None)
            day = min(settled or ctx.today, year_end)
            late = _months_late(month, day) - _months_late(month, last_year_end)
            if late > 0:
                events.append(Event(person, item.id, day, float(late), None, round_id))
    return events


def _months_late(month: str, day: date) -> int:
    """Whole months beyond the first that ``month``'s dues are late on ``day``."""
    return max(0, (day.year - int(month[:4])) * 12 + day.month - int(month[5:]) - 1)


def _study_hours(ctx: _Context, item: Item) -> list[Event]:
    provider = study_hours_provider(item.source["provider"])
    if provider is None or not ctx.year_over:
        return []
    required = float(item.source.get("required_hours", 32))
    hours = provider(ctx.session, ctx.branch.id, ctx.year)
    end = date(ctx.year, 12, 31)
    return [
        Event(p, item.id, end, (required - hours.get(p, 0.0)) / required)
        for p in members_of_year(ctx.session, ctx.branch, ctx.year, ctx.today)
        if hours.get(p, 0.0) < required
    ]


#: The steps that record a heart-to-heart talk (talker, talk_partner, held_on): each planned talk
#: of the year's talks, and the secretary's welcome talk with a member transferred in.
TALK_STEPS = {"heart_to_heart_talks": "conduct_talk", "membership_transfer_in": "welcome_talk"}


def _talks(ctx: _Context, item: Item) -> list[Event]:
    """No talk in the year: read from each completion of a talk step in the step log, since the
    instance's answers keep only the last of a year's many talks."""
    if not ctx.year_over:
        return []
    steps = TALK_STEPS | {item.source.get("process", "heart_to_heart_talks"): "conduct_talk"}
    talked = set()
    for process, step in steps.items():
        found = [i.id for i in ctx.found([process], False)]
        for _instance, _at, talk in records.completions(ctx.session, found, step):
            day = records.local_day(talk.get("held_on"))
            if day and day.year == ctx.year:
                talked |= {talk.get("talker"), talk.get("talk_partner")}
    end = date(ctx.year, 12, 31)
    return [
        Event(p, item.id, end)
        for p in members_of_year(ctx.session, ctx.branch, ctx.year, ctx.today)
        if p not in talked
    ]


def _appraisal(ctx: _Context, item: Item) -> list[Event]:
    grades = item.source.get("grades", {})
    events = []
    for appraisal in ctx.found([item.source["process"]]):
        day = records.local_day(None, appraisal.ended_at)
        for row in appraisal.data.get("grades") or ():
            if isinstance(row, dict) and row.get("grade") in grades and day:
                points = float(grades[row["grade"]])
                events.append(Event(row.get("person"), item.id, day, 1.0, points, appraisal.id))
    return events


def study_hours_provider(name: str) -> Callable[[Session, int, int], dict[int, float]] | None:
    """The function ``module:function`` names, or None while it does not exist (yet)."""
    module, _sep, function = name.partition(":")
    try:
        found: Any = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError):
        return None
    return found if callable(found) else None


READERS: dict[str, Callable[[_Context, Item], list[Event]]] = {
    "attendance": _attendance,
    "lecture": _lecture,
    "claim": _claim,
    "pairing_progress": _pairing_progress,
    "dues": _dues,
    "study_hours": _study_hours,
    "talks": _talks,
    "appraisal": _appraisal,
}
