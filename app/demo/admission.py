"""The demo's admissions of probationary members (预备党员的接收), through the same commands as the
rest of the demo history, so that a newcomer finds each side of the procedure with work waiting:

* at the showcase branch, a development target reviewed by the committee three weeks ago, announced
  the next day, pre-reviewed by the unit once the notice had run its 5 working days and with the
  application form filled in: the branch assembly's vote is the secretary's to record;
* at a second branch, a development target announced yesterday: the unit's pre-review waits in
  the organisation department's inbox and is refused until the notice has run 5 working days
  (the task page says until when).

The last development target on each branch's rolls is the one taken (another demo may take the
first for an earlier step)."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from typing import Any

from app.core.commands import Actor
from app.demo.timeline import holder
from app.demo.timeline import moment
from app.demo.timeline import people
from app.demo.timeline import start
from app.demo.timeline import step
from app.demo.timeline import upload
from app.extensions import db
from app.identity.models import User
from app.workflow.timing_rules import timing_rules

PROCESS = "probationary_member_admission"


def load_admissions(showcase: str, other: str, today: date, zone: Any) -> int:
    """The two admissions above; how many were started."""
    started = 0
    for code, reviewed in (
        (showcase, today - timedelta(days=21)),
        (other, today - timedelta(days=2)),
    ):
        targets = people("targets", code, reviewed)
        if not targets:
            continue
        _admission(code, targets[-1], reviewed, today, zone)
        started += 1
    return started


def _admission(code: str, person_id: int, reviewed: date, today: date, zone: Any) -> None:
    org_member = holder("org_member", code, reviewed)
    instance_id = start(org_member, PROCESS, code, moment(reviewed, 9, zone))
    review = {
        "candidate": person_id,
        "sponsors": people("full_members", code, reviewed)[:2],
        "materials_complete": True,
        "agreed": True,
        "reviewed_on": str(reviewed),
        "committee_opinion": "经支委会审查，该同志具备党员条件，材料齐全，同意报上级党委预审。",
    }
    step(org_member, instance_id, moment(reviewed, 10, zone), review)
    announced = reviewed + timedelta(days=1)
    notice = {
        "publicity_start": str(announced),
        "publicity_end": str(announced + timedelta(days=7)),
        "publicity_place": "站务公开栏及党员微信群",
    }
    step(org_member, instance_id, moment(announced, 9, zone), notice)
    pre_review_day = timing_rules()["admission_publicity"].earliest(str(announced))
    if pre_review_day >= today - timedelta(days=1):
        return  # the notice is still running: the unit's pre-review waits (and says until when)
    pre_review = {
        "pre_review_agreed": True,
        "pre_reviewed_on": str(pre_review_day),
        "pre_review_opinion": "预审合格，同意发放入党志愿书。",
        "form_no": f"{code}-{pre_review_day.year}-{person_id:03d}",
    }
    unit_code = code.split("-")[0]
    reviewer = holder("unit_org_reviewer", unit_code, pre_review_day)
    step(reviewer, instance_id, moment(pre_review_day, 10, zone), pre_review)
    filled_day = pre_review_day + timedelta(days=1)
    target = _own_actor(person_id)
    scan = upload(target, instance_id, "form_scan", "入党志愿书.pdf", moment(filled_day, 9, zone))
    filled = {
        "form_scan": scan[0],
        "sponsor_opinions": "该同志入党动机端正，工作积极肯干，同意介绍其加入中国共产党。",
        "filled_on": str(filled_day),
    }
    step(target, instance_id, moment(filled_day, 10, zone), filled)


def _own_actor(person_id: int) -> Actor:
    """The development target fills in their own form, with their own account."""
    user = db.session.query(User).filter_by(person_id=person_id).one()
    return Actor(user_id=user.id, login=user.login, source="demo")
