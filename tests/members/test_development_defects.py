"""Procedural defects read from the development procedures' records at the demo branch: a talk held
later than a month after the application shows on the person's dossier as a warning with its rule,
and costs the branch 2 of C10's 4 points in the grading cycle's prefill."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.grading.cycle.measured_development import measured_c10
from app.identity.models import OrgUnit
from app.identity.models import Person
from app.identity.models import User
from app.members.development_defects import person_defects
from tests.plugins.demo import complete_step
from tests.plugins.demo import holder_at
from tests.processes.test_activist_selection_and_cultivation import at
from tests.processes.test_membership_application_intake import APPLICATION
from tests.processes.test_membership_application_intake import receive

LATE = APPLICATION | {"employee_no": "CQ-DEV-LATE", "submitted_on": "2026-09-01"}


def talked(demo, clock, application: dict, talked_on: str) -> int:
    """An applicant whose talk the secretary held on ``talked_on``; the person's id."""
    at(clock, talked_on)
    instance_id, person_id = receive(demo, application)
    secretary = demo.holder("branch_secretary")
    talker = db.session.get(User, secretary.user_id).person_id
    complete_step(secretary, instance_id, "assign_talker", {"talker": talker})
    record = {"talked_on": talked_on, "talk_record": "了解入党动机，鼓励其继续努力。"}
    complete_step(secretary, instance_id, "interview", record)
    return person_id


def test_a_late_talk_is_a_defect_on_the_dossier_and_in_c10(demo, clock, client, login, app):
    person_id = talked(demo, clock, LATE, "2026-11-23")
    (defect,) = person_defects(db.session, db.session.get(Person, person_id))
    assert (defect.kind, defect.step, str(defect.day)) == ("late", 2, "2026-11-23")

    login(demo.holder("branch_secretary").login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/members/{person_id}/dossier").get_data(as_text=True)
    assert "程序缺陷" in page
    assert "超过时限" in page
    assert "第2步" in page
    assert "一个月内派人同入党申请人谈话" in page
    assert "第八条" in page

    other = db.session.scalars(select(OrgUnit).where(OrgUnit.code == "HH01-02")).one()
    measured = measured_c10(db.session, [demo.branch.id, other.id], 2026, 4.0)
    assert measured == {demo.branch.id: 2.0, other.id: None}  # −2; nothing recorded there
    assert measured_c10(db.session, [demo.branch.id], 2025, 4.0) == {demo.branch.id: None}


def test_a_talk_in_time_leaves_the_dossier_without_warnings_and_c10_whole(
    demo, clock, client, login, app
):
    in_time = LATE | {"employee_no": "CQ-DEV-TIME", "submitted_on": "2026-11-02"}
    person_id = talked(demo, clock, in_time, "2026-11-23")
    assert person_defects(db.session, db.session.get(Person, person_id)) == []
    login(holder_at("HH01", "unit_org_reviewer").login, app.config["DEMO_PASSWORD"])
    page = client.get(f"/members/{person_id}/dossier").get_data(as_text=True)
    assert "林晓东" in page
    assert "程序缺陷" not in page
    assert measured_c10(db.session, [demo.branch.id], 2026, 4.0) == {demo.branch.id: 4.0}
