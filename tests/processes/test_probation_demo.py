"""The demo's probations: every probationary member of HH01-01 and HH01-02 followed, their next
quarterly review open; 于冰清 at HH01-01, placed and sworn in, finds her application for full
membership in her inbox, told it can be made only from the day her year ends."""

from __future__ import annotations

from sqlalchemy import select

from app.core import clock
from app.demo.probation import DUE_SOON
from app.demo.probation import OTHER_BRANCH
from app.extensions import db
from app.identity.kinds import PartyStatus
from app.identity.models import Person
from app.identity.models import User
from app.members.dossier import dossier_rows
from app.members.probation import probation_end
from app.workflow.models import HumanTask
from app.workflow.models import HumanTaskState
from app.workflow.models import ProcessInstance
from app.workflow.queries import earlier_answers
from tests.processes.test_member_moves_demo import DEMO_PASSWORD
from tests.processes.test_member_moves_demo import _instances
from tests.processes.test_member_moves_demo import _org


def _open_steps(instance_id: int) -> list[HumanTask]:
    return list(
        db.session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == instance_id, HumanTask.state == HumanTaskState.READY
            )
        )
    )


def test_the_demo_has_probations_followed_and_one_year_ending(demo_year, client, login):
    followed = {
        earlier_answers(db.session, i.id)["person"]: i
        for code in (demo_year.branch.code, OTHER_BRANCH)
        for i in _instances("probationary_to_full_conversion", code)
    }
    branches = [_org(code).id for code in (demo_year.branch.code, OTHER_BRANCH)]
    on_rolls = set(
        db.session.scalars(
            select(Person.id).where(
                Person.party_status == PartyStatus.PROBATIONARY, Person.branch_id.in_(branches)
            )
        )
    )
    assert on_rolls == set(followed)  # every probationary member of the two branches
    name, *_rest, login_name = DUE_SOON
    person = db.session.scalars(select(Person).where(Person.name == name)).one()
    for person_id, instance in followed.items():
        steps = [t.element_id for t in _open_steps(instance.id)]
        due = person_id == person.id
        assert steps == (["conversion_application"] if due else ["continued_review"])

    assert person.party_group_id is not None
    today = clock.local_today()
    end = probation_end(person.admission_date)
    assert 0 < (end - today).days <= 30
    rows = {r.step.number: r for r in dossier_rows(db.session, person)}
    assert [n for n in (19, 20, 21) if not rows[n].reached] == []

    (task,) = _open_steps(followed[person.id].id)
    user = db.session.scalars(select(User).where(User.person_id == person.id)).one()
    assert task.assignee_user_id == user.id
    login(login_name, DEMO_PASSWORD)
    page = client.get(f"/inbox/tasks/{task.id}").get_data(as_text=True)
    assert "第三十二条" in page
    assert end.isoformat() in page
    assert db.session.get(ProcessInstance, task.instance_id).org_unit_id == demo_year.branch.id
