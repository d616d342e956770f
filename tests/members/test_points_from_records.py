"""Member points read from what the procedures really record, at the demo branch: a dues register
kept month by month (one member back-paying, one never paying), the year's heart-to-heart talks
and the democratic appraisal, each run through the commands. The points are looked at after the
year is over (5 January 2027), when the year-end deductions count, and each member's items are
checked against the scheme worked by hand (dues_late −2 per month of dues beyond the first month
late; no_talk −2; appraisal excellent 10, qualified 7, unqualified 0)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

from sqlalchemy import select

from app.core.commands import run
from app.extensions import db
from app.identity.models import OrgUnit
from app.identity.models import User
from app.members.points.facts import members_of_year
from app.members.points.queries import branch_points
from app.workflow import commands
from app.workflow.form_options import instance_data
from tests.plugins.demo import DEMO_BRANCH
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.processes.test_democratic_appraisal_of_members import _assembly
from tests.processes.test_democratic_appraisal_of_members import _members
from tests.processes.test_democratic_appraisal_of_members import _to_grading
from tests.processes.test_heart_to_heart_talks import _data
from tests.processes.test_heart_to_heart_talks import _opened
from tests.processes.test_heart_to_heart_talks import _record
from tests.processes.test_heart_to_heart_talks import _talks
from tests.processes.test_membership_transfer import LETTER
from tests.processes.test_membership_transfer import REQUEST
from tests.processes.test_membership_transfer import _in_instance
from tests.processes.test_party_dues import _disclose
from tests.processes.test_party_dues import _remit
from tests.processes.test_party_dues import _start

TODAY = date(2026, 11, 23)
AFTER_THE_YEAR = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)


def _dues_round(demo, month: str, paid: dict[int, tuple[str, int]]) -> None:
    """The month's round as the clerk records it through the form: the members in ``paid`` paid
    on the day given, ``months`` months' dues at once (a back-payment when more than one); the
    others' lines stay unpaid, with no ``paid_on`` at all."""
    clerk = demo.holder("dues_clerk")
    instance_id = _start(clerk, "party_dues_collection", demo)
    complete_step(clerk, instance_id, "open_round", {"month": month})
    lines = []
    for bill in instance_data(db.session, instance_id)["bills"]:
        line = {k: v for k, v in bill.items() if v is not None}
        if bill["person"] in paid:
            day, months = paid[bill["person"]]
            line |= {"paid_amount": bill["amount_due"] * months, "paid_on": day, "status": "paid"}
        lines.append(line)
    complete_step(clerk, instance_id, "record_payments", {"lines": lines})
    _remit(demo, instance_id)


def _appraise(demo, members) -> None:
    """The appraisal through to its end: excellent, qualified, unqualified (handed to disposal)."""
    scope = [p for p, _ in members]
    grades = [
        {"person": scope[0], "grade": "excellent", "reason": "测评优秀票过半"},
        {"person": scope[1], "grade": "qualified"},
        {"person": scope[2], "grade": "unqualified", "reason": "长期不参加组织生活"},
    ]
    secretary = demo.holder("branch_secretary")
    instance_id = _to_grading(demo, members)
    complete_step(
        demo.holder("branch_committee"), instance_id, "grade_decision", {"grades": grades}
    )
    complete_step(demo.holder("branch_assembly"), instance_id, "assembly_decision", _assembly(demo))
    complete_step(secretary, instance_id, "feedback", {"fed_back": True})
    reviewer = holder_at("HH01", "unit_org_reviewer")
    complete_step(reviewer, instance_id, "upper_review", {"review_approved": True})
    disposal = {"handed_over": True, "disposal_note": "启动不合格党员处置程序，先行调查核实。"}
    complete_step(secretary, instance_id, "record_disposal", disposal)


def test_each_members_points_follow_the_dues_talks_and_appraisal_recorded(demo, clock):
    members = demo.people("members", TODAY)
    _disclose(demo, members)
    since_august = [p for p in demo.people("members", date(2026, 8, 31)) if p in members]
    back_payer, never_pays = since_august[-1], since_august[-2]
    others = [p for p in members if p not in (back_payer, never_pays)]
    for month in ("2026-08", "2026-09", "2026-10", "2026-11"):
        paid = dict.fromkeys(others, (f"{month}-10", 1))
        if month < "2026-10":
            paid[never_pays] = (f"{month}-10", 1)
        if month == "2026-11":  # back-paying August to November ends the arrears
            paid[back_payer] = ("2026-11-20", 4)
        _dues_round(demo, month, paid)

    talks_id = _opened(demo)
    pairs = _data(talks_id)["pairs"][:2]  # two talks held: both count, not the later only
    for task, pair in zip(_talks(talks_id)[:2], pairs, strict=True):
        _record(task, pair, held_on="2026-11-20")
    talked = {p["talker"] for p in pairs} | {p["talk_partner"] for p in pairs}

    appraised = _members(demo)
    _appraise(demo, appraised)

    clock.set(AFTER_THE_YEAR)
    branch = db.session.get(OrgUnit, demo.branch.id)
    points = branch_points(db.session, branch, 2026, AFTER_THE_YEAR.date())

    # August's dues paid on 20 November: 2 months beyond the first late; September's 1; −2 each.
    assert points[back_payer].items.get("dues_late") == -6
    # October and November unpaid at the year's end: October's is a month beyond the first late.
    assert points[never_pays].items.get("dues_late") == -2
    assert all("dues_late" not in points[p].items for p in others)
    for person in members:
        assert points[person].items.get("no_talk", 0) == (0 if person in talked else -2)
    grades = dict(zip([p for p, _ in appraised], (10, 7, 0), strict=True))
    for person in members:
        assert points[person].items.get("appraisal", 0) == grades.get(person, 0)
        assert points[person].blocks["incentive"] >= grades.get(person, 0)


def test_the_welcome_talk_of_a_member_transferred_in_counts_as_their_talk(demo, clock):
    sending = "HH01-02"
    org_member = holder_at(sending, "org_member")
    person = _member_of(sending)
    out_id = run(
        commands.start_instance,
        actor=org_member,
        process_key="membership_transfer_out",
        org_code=sending,
    )
    request = REQUEST | {"person": person, "to_branch": DEMO_BRANCH, "destination": "HH01-01"}
    complete_step(org_member, out_id, "request", request)
    complete_step(org_member, out_id, "branch_check", {"dues_paid_until": "2026-11"})
    reviewer = holder_at("HH01", "unit_org_reviewer")
    complete_step(reviewer, out_id, "issue_letter", LETTER)
    incoming = _in_instance(out_id).id
    checked = {"letter_no": LETTER["letter_no"], "letter_checked": True, "dossier_checked": True}
    complete_step(reviewer, incoming, "receive", checked)
    secretary = demo.holder("branch_secretary")
    complete_step(secretary, incoming, "report_in", {"reported_at": "2026-11-23"})
    talker = db.session.get(User, secretary.user_id).person_id
    talk = {"held_on": "2026-11-23", "talker": talker, "talk_partner": person}
    complete_step(secretary, incoming, "welcome_talk", talk | {"talk_summary": "介绍支部情况"})

    clock.set(AFTER_THE_YEAR)
    branch = db.session.get(OrgUnit, demo.branch.id)
    points = branch_points(db.session, branch, 2026, AFTER_THE_YEAR.date())
    assert "no_talk" not in points[person].items
    assert "no_talk" not in points[talker].items
    others = [p for p in points if p not in (person, talker)]
    assert others
    assert all(points[p].items["no_talk"] == -2 for p in others)


def _member_of(code: str) -> int:
    branch = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one()
    return members_of_year(db.session, branch, 2026, TODAY)[-1]
