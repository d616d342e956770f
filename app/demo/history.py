"""A year of process history for the demo enterprise: 三会一课 held month by month at the
showcase unit's branches, through the same commands a secretary's clicks run, each at the time it
would have happened (the app's clock is moved back for the duration).

What it leaves, so that an auditor, a dashboard and a newcomer's inbox have something to show:
monthly committee meetings at three branches of HH01 (completed with decisions and follow-up),
this month's meeting waiting for the committee's decision, one meeting overdue (the meeting was
not recorded in time), one cancelled by the unit, and at the showcase branch monthly party-group
meetings, monthly themed party days, quarterly general assemblies and party lectures (with their
courseware and records), and the party dues: the year's base sheet and a round every month, two
members behind (``app.demo.dues``).
Attendance and votes follow the rolls of each day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from app.core import clock
from app.core.commands import SYSTEM
from app.core.commands import run
from app.demo.admission import load_admissions
from app.demo.archives import load_archives
from app.demo.branch_lines import load_branch_lines
from app.demo.development import load_development_elsewhere
from app.demo.development import load_member_development
from app.demo.dues import dues_round
from app.demo.dues import open_this_months_round
from app.demo.dues import publish_base_sheet
from app.demo.education import load_education_demo
from app.demo.elections import load_elections
from app.demo.grading import CycleCounts
from app.demo.grading import load_grading_cycle
from app.demo.meetings import assembly
from app.demo.meetings import cancelled_meeting
from app.demo.meetings import committee_meeting
from app.demo.meetings import group_meeting
from app.demo.meetings import lecture
from app.demo.member_care import member_care
from app.demo.member_moves import MoveCounts
from app.demo.member_moves import load_member_moves
from app.demo.member_points import load_member_points
from app.demo.org_life import OrgLifeCounts
from app.demo.org_life import load_org_life
from app.demo.plans import load_plans_demo
from app.demo.probation import load_probation
from app.demo.targets import TargetCounts
from app.demo.targets import load_next_year_targets
from app.demo.themed_days import themed_party_day
from app.demo.timeline import read_notifications_before
from app.demo.venues import load_venue_and_report

SHOWCASE_BRANCH = "HH01-01"
OTHER_BRANCHES = ("HH01-02", "HH01-03")


@dataclass
class HistoryCounts:
    committee_meetings: int = 0
    group_meetings: int = 0
    assemblies: int = 0
    lectures: int = 0
    themed_days: int = 0
    dues_rounds: int = 0
    development: int = 0
    cancelled: int = 0
    org_life: OrgLifeCounts = field(default_factory=OrgLifeCounts)
    cycle: CycleCounts = field(default_factory=CycleCounts)
    targets: TargetCounts = field(default_factory=TargetCounts)
    moves: MoveCounts = field(default_factory=MoveCounts)


def load_demo_history(seed: int, *, grading: bool = True) -> HistoryCounts:
    """Write the year of history; each step is its own command, as it was when clicked.
    ``grading=False`` leaves out this year's grading cycle, next year's targets and the member
    moves (a cycle starts once a year: a benchmark writing several years of meetings asks for
    them once)."""
    rng = random.Random(seed)
    # A stream of its own, so the themed days leave the other meetings' draws as they were.
    themed_rng = random.Random(f"{seed}-themed-party-day")
    dues_rng = random.Random(f"{seed}-party-dues")
    zone = clock.local_zone()
    today = clock.local_today()
    counts = HistoryCounts()
    months = [_month_start(today, back) for back in range(11, 0, -1)]
    # First: 于冰清 is on the rolls, in her party group, for the year's meetings below.
    load_probation(SHOWCASE_BRANCH, today, zone)  # probations followed, one year ending soon
    for index, month in enumerate(months):
        committee_meeting(SHOWCASE_BRANCH, month, rng, zone)
        group_meeting(SHOWCASE_BRANCH, month, rng, zone)
        themed_party_day(SHOWCASE_BRANCH, month, themed_rng, zone)
        counts.committee_meetings += 1
        counts.group_meetings += 1
        counts.themed_days += 1
        if index == 0:  # the dues base sheet of the year, then a dues round every month
            publish_base_sheet(SHOWCASE_BRANCH, month, dues_rng, zone)
        dues_round(SHOWCASE_BRANCH, month, len(months) - 1 - index, zone)
        counts.dues_rounds += 1
        if index >= 5:
            for code in OTHER_BRANCHES:
                committee_meeting(code, month, rng, zone)
                counts.committee_meetings += 1
        if month.month in (3, 6, 9):
            assembly(SHOWCASE_BRANCH, month, rng, zone)
            counts.assemblies += 1
        if month.month in (2, 5, 8, 11):  # a party lecture each quarter
            lecture(SHOWCASE_BRANCH, month, rng, zone)
            counts.lectures += 1
    # This month's meeting was held yesterday and waits for the committee's decision; another
    # branch set an agenda twelve days ago and has not recorded the meeting since: overdue.
    began = today - timedelta(days=4)
    committee_meeting(SHOWCASE_BRANCH, began, rng, zone, stop_after="hold_meeting", day=began)
    counts.committee_meetings += 1
    began = today - timedelta(days=12)
    committee_meeting(OTHER_BRANCHES[0], began, rng, zone, stop_after="set_agenda", day=began)
    counts.committee_meetings += 1
    cancelled_meeting(OTHER_BRANCHES[1], today - timedelta(days=20), zone)
    open_this_months_round(SHOWCASE_BRANCH, today, zone)
    counts.cancelled += 1
    counts.org_life = load_org_life(SHOWCASE_BRANCH, today, zone)
    member_care(SHOWCASE_BRANCH, zone, today)  # a lost-contact search, a member in hardship
    # Training, a claim and a commendation: the hours join the lectures' and themed days' (C08).
    load_education_demo(SHOWCASE_BRANCH, random.Random(f"{seed}-education"), zone, today)
    load_member_points(SHOWCASE_BRANCH, today, zone)  # before the cycle, which measures C11
    counts.development = load_member_development(SHOWCASE_BRANCH, zone)
    load_admissions(SHOWCASE_BRANCH, OTHER_BRANCHES[0], today, zone)  # 预备党员的接收, waiting
    load_elections(SHOWCASE_BRANCH, today, zone)  # before the cycle, which measures C01 and C04
    counts.development += load_development_elsewhere(zone, today)
    load_venue_and_report(SHOWCASE_BRANCH, zone, today)  # before the cycle: C03, C17
    load_archives(SHOWCASE_BRANCH, "HH01", zone, today)  # last year sealed, this year's checks
    if grading:  # last: the cycle measures C05 and C12 from the meetings above
        counts.cycle = load_grading_cycle(rng, zone, today)
        counts.targets = load_next_year_targets(zone, today)
        # Transfers and a mobile member, at the end: once, like the cycle (the same people would
        # be moved again in a benchmark's further years).
        counts.moves = load_member_moves(zone, today)
        load_branch_lines(zone, today)  # a branch across a line; a request awaiting the reply
        load_plans_demo(SHOWCASE_BRANCH, zone, today)  # after the cycle, which reads targets
    week_ago = datetime.combine(today - timedelta(days=7), time(), zone)
    run(read_notifications_before, actor=SYSTEM, before=week_ago)
    return counts


def _month_start(today: date, back: int) -> date:
    year, month = today.year, today.month - back
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)
