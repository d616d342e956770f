"""Star ratings and A/B/C classes (domain.md §10): the rules at every band edge, ``rate_branch``
(row, audit, a two-star drop notifying the unit's reviewers), the acceptance hook on a real grading
cycle, and the dashboard's rating, C-class, cycle-progress and overdue-rectification sections."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import DatabaseError

from app.core.commands import SYSTEM
from app.core.commands import Actor
from app.core.commands import run
from app.core.errors import Forbidden
from app.core.errors import ValidationFailed
from app.extensions import db
from app.grading.cycle.commands import cycle_progress
from app.grading.ratings.commands import rate_branch
from app.grading.ratings.rules import class_for
from app.grading.ratings.rules import stars_for
from app.grading.rubric.document import parse
from app.grading.rubric.queries import shipped_default
from app.identity.kinds import Level
from app.identity.models import OrgUnit
from app.identity.models import User
from app.levels.models import BranchRating
from app.notify.models import Notification
from app.workflow.deploy import deploy_definitions
from app.workflow.instances import start_instance
from tests.conftest import ROOT
from tests.conftest import last_audit_event
from tests.conftest import log_in
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user
from tests.plugins.demo import open_task
from tests.processes.test_grading_cycle import _final
from tests.processes.test_grading_cycle import _self_assess
from tests.processes.test_grading_cycle import _start
from tests.processes.test_grading_cycle import _unit_review

RUBRIC = shipped_default().rubric


# -- the rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "veto", "stars", "klass"),
    [
        (100, False, 5, "A"),
        (95, False, 5, "A"),
        (94.99, False, 4, "A"),
        (90, False, 4, "A"),
        (89.99, False, 3, "B"),
        (80, False, 3, "B"),
        (79.99, False, 2, "C"),
        (70, False, 2, "C"),
        (69.99, False, 1, "C"),
        (0, False, 1, "C"),
        (Decimal("95.00"), False, 5, "A"),
        (100, True, 1, "C"),
        (85, True, 1, "C"),
        (None, True, 1, "C"),
    ],
)
def test_stars_and_class_at_every_band_edge(score, veto, stars, klass):
    assert stars_for(score, veto, RUBRIC) == stars
    assert class_for(stars, veto, RUBRIC) == klass


def test_a_veto_makes_any_stars_class_c():
    assert [class_for(s, True, RUBRIC) for s in (5, 4, 3, 2, 1)] == ["C"] * 5
    assert [class_for(s, False, RUBRIC) for s in (5, 4, 3, 2, 1)] == ["A", "A", "B", "C", "C"]


def test_the_rubric_bands_decide():
    document = RUBRIC.to_document()
    document["stars"] = [
        {"stars": 5, "min_score": 98},
        {"stars": 4, "min_score": 92},
        {"stars": 3, "min_score": 85},
        {"stars": 2, "min_score": 75},
        {"stars": 1, "min_score": 0},
    ]
    strict = parse(document)
    assert stars_for(95, False, strict) == 4
    assert stars_for(80, False, strict) == 2


# -- rate_branch -------------------------------------------------------------------------------


@pytest.fixture
def tree(app):
    tree = make_tree()
    for login, role, org in (
        ("orgdept", "company_org_dept", tree.company),
        ("reviewer", "unit_org_reviewer", tree.unit1),
        ("reviewer2", "unit_org_reviewer", tree.unit2),
        ("secretary", "branch_secretary", tree.branch1),
    ):
        make_user(login)
        grant(login, role, org)
    return tree


def _id(code: str) -> int:
    return db.session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one()


def _user(login: str) -> int:
    return db.session.scalars(select(User.id).where(User.login == login)).one()


def rate(code: str, score, day: date, *, veto: bool = False, actor: Actor = SYSTEM, **extra):
    return run(
        rate_branch,
        actor=actor,
        branch_id=_id(code),
        score=score,
        has_veto=veto,
        source=extra.pop("source", "manual"),
        rated_on=day,
        **extra,
    )


def _rows() -> list[BranchRating]:
    return list(db.session.scalars(select(BranchRating).order_by(BranchRating.id)))


def _notifications() -> list[Notification]:
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def test_rate_branch_stores_a_row_and_an_audit_event(tree):
    row_id = rate(tree.branch1, 92.5, date(2026, 6, 30), cycle=2025)
    (row,) = _rows()
    assert row.id == row_id
    assert (row.stars, row.rating_class, row.score, row.has_veto) == (
        4,
        "A",
        Decimal("92.5"),
        False,
    )
    assert (row.source, row.cycle, row.rated_on) == ("manual", "2025", date(2026, 6, 30))
    assert row.rubric_version_id is None  # the shipped default: nothing published yet
    event = last_audit_event()
    assert event.event_type == "branch_rated"
    data = json.loads(event.payload)
    assert data["stars"] == 4
    assert data["rating_class"] == "A"
    assert data["early_reinspection"] is False
    assert data["previous_stars"] is None


def test_a_two_star_drop_asks_for_an_early_reinspection(tree):
    rate(tree.branch1, 92, date(2026, 1, 10))  # 4★
    rate(tree.branch1, 85, date(2026, 3, 10))  # 3★: one star down, nothing to flag
    assert _notifications() == []
    rate(tree.branch1, 72, date(2026, 6, 30), source="half_year")  # 2★: one more
    assert _notifications() == []
    rate(tree.branch1, 95, date(2026, 7, 1))  # 5★
    rate(tree.branch1, 75, date(2026, 7, 2))  # 2★: three stars down
    event = last_audit_event()
    data = json.loads(event.payload)
    assert data["early_reinspection"] is True
    assert data["previous_stars"] == 5
    (note,) = _notifications()
    assert note.user_id == _user("reviewer")  # the unit's reviewer, not the other unit's
    assert note.kind == "reminder"
    assert note.title.endswith("建议提前复查")
    assert "U1-B1（" not in note.title  # the branch by name and code
    assert "（U1-B1）由5星降至2星" in note.title
    rate(tree.branch2, 96, date(2026, 7, 1))
    rate(tree.branch2, 85, date(2026, 7, 2), veto=True)  # a veto: 1★, four stars down
    assert len(_notifications()) == 2
    assert (_rows()[-1].stars, _rows()[-1].rating_class) == (1, "C")


def test_exactly_two_stars_down_says_two(tree):
    rate(tree.branch3, 90, date(2026, 1, 10))  # 4★
    rate(tree.branch3, 79.5, date(2026, 6, 30))  # 2★
    (note,) = _notifications()
    assert note.user_id == _user("reviewer2")
    assert "星级下降两级，建议提前复查" in note.title


def test_rate_branch_refusals(tree):
    with pytest.raises(ValidationFailed) as refused:
        rate(tree.branch1, 90, date(2026, 11, 24))
    assert "rated_on" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:
        rate(tree.branch1, None, date(2026, 1, 1))
    assert "score" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:
        rate(tree.branch1, 90, date(2026, 1, 1), source="guess")
    assert "source" in refused.value.field_errors
    with pytest.raises(ValidationFailed):
        rate(tree.unit1, 90, date(2026, 1, 1))
    secretary = Actor(user_id=_user("secretary"), login="secretary", source="test")
    with pytest.raises(Forbidden):
        rate(tree.branch1, 90, date(2026, 1, 1), actor=secretary)
    orgdept = Actor(user_id=_user("orgdept"), login="orgdept", source="test")
    rate(tree.branch1, 90, date(2026, 1, 1), actor=orgdept)
    assert len(_rows()) == 1


def test_ratings_are_never_changed_or_deleted(tree):
    rate(tree.branch1, 90, date(2026, 1, 1))
    with pytest.raises(DatabaseError):
        db.session.execute(update(BranchRating).values(stars=5))
    with pytest.raises(DatabaseError):
        db.session.execute(BranchRating.__table__.delete())


# -- at acceptance -----------------------------------------------------------------------------


def test_the_grading_cycle_rates_the_branch_after_recording_its_level():
    """The diagram says where and in which order: level, then rating, then the end."""
    root = etree.parse(str(ROOT / "processes" / "grading" / "grading_cycle.bpmn")).getroot()
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    next_of = {
        f.get("sourceRef"): f.get("targetRef") for f in root.iterfind(".//bpmn:sequenceFlow", ns)
    }
    operators = {
        task.get("id"): task.find(".//{*}serviceTaskOperator").get("id")
        for task in root.iterfind(".//bpmn:serviceTask", ns)
    }
    first = next(t for t in operators if next_of[next_of[t]] == "end")
    assert [operators[first], operators[next_of[first]], next_of[next_of[first]]] == [
        "record_grading_level",
        "rate_at_acceptance",
        "end",
    ]


def _newest_rating(branch_id: int) -> BranchRating:
    return db.session.scalars(
        select(BranchRating)
        .where(BranchRating.branch_id == branch_id)
        .order_by(BranchRating.rated_on.desc(), BranchRating.id.desc())
        .limit(1)
    ).one()


def test_a_completed_grading_cycle_rates_the_branch(demo):
    _cycle_id, instance_id = _start(demo, Level.STANDARDISED)
    _self_assess(demo, instance_id, lost=4)
    _unit_review(instance_id, minus={"A4": 15, "A6": 10})  # 75: the unit decides 基本达标
    final = _final(instance_id)
    rating = _newest_rating(demo.branch.id)
    assert rating.source == "acceptance"
    assert (rating.stars, rating.rating_class, rating.score) == (2, "C", Decimal("75"))
    assert rating.rubric_version_id == final["rubric_version_id"]
    assert rating.cycle == "2026"
    assert rating.rated_on == date(2026, 11, 23)


def test_a_veto_at_acceptance_rates_one_star_class_c(demo):
    _cycle_id, instance_id = _start(demo, Level.RED_FLAG)
    _self_assess(demo, instance_id, vetoes=("V4",))
    _unit_review(instance_id)
    assert _final(instance_id)["has_veto"] is True
    rating = _newest_rating(demo.branch.id)
    assert (rating.stars, rating.rating_class, rating.has_veto) == (1, "C", True)


# -- the dashboard -----------------------------------------------------------------------------


@pytest.fixture
def rated(tree):
    # U1-B1: 3★ B, then 1★ (low score) C; U1-B2: 2★ C, then a veto (C since the first);
    # U2-B1: 5★ A.
    rate(tree.branch1, 85, date(2026, 1, 10))
    rate(tree.branch1, 65, date(2026, 6, 30), source="half_year")
    rate(tree.branch2, 75, date(2025, 12, 31))
    rate(tree.branch2, 88, date(2026, 6, 30), veto=True, source="half_year")
    rate(tree.branch3, 96, date(2026, 3, 12), source="acceptance", cycle=2025)
    return tree


UNIT_OF = {"U1-B1": "U1", "U1-B2": "U1", "U2-B1": "U2"}


def _current_by_hand(day: date) -> dict[str, BranchRating]:
    current: dict[str, BranchRating] = {}
    for row in _rows():
        if row.rated_on > day:
            continue
        code = row.branch.code
        if code not in current or (row.rated_on, row.id) > (
            current[code].rated_on,
            current[code].id,
        ):
            current[code] = row
    return current


def _rating_cells(page: str) -> dict[tuple[str, str], tuple[int, str]]:
    section = page.split('id="ratings-by-unit"')[1].split('id="c-class"')[0]
    cells = {}
    for href, number in re.findall(r'<a href="(/dashboard/ratings\?[^"]*)">(\d+)</a>', section):
        href = href.replace("&amp;", "&")
        unit = re.search(r"unit=([^&]+)", href)
        key = re.search(r"key=([^&]+)", href)
        cells[(unit.group(1) if unit else "total", key.group(1) if key else "all")] = (
            int(number),
            href,
        )
    return cells


@pytest.mark.parametrize("day", [date(2026, 3, 1), date(2026, 11, 23)])
def test_the_star_and_class_counts_equal_the_rating_rows(client, login, rated, day):
    login("orgdept")
    page = client.get(f"/dashboard?on={day.isoformat()}").get_data(as_text=True)
    cells = _rating_cells(page)
    current = _current_by_hand(day)
    expected = Counter()
    for code, row in current.items():
        for key in (str(row.stars), row.rating_class):
            expected[(UNIT_OF[code], key)] += 1
            expected[("total", key)] += 1
        expected[(UNIT_OF[code], "all")] += 1
        expected[("total", "all")] += 1
    assert len(cells) == 3 * 9
    for (unit, key), (number, href) in cells.items():
        assert number == expected[(unit, key)], (unit, key, day)
        listed = re.findall(
            r'<small class="code">(U\d-B\d)</small>', client.get(href).get_data(as_text=True)
        )
        assert set(listed) == {
            code
            for code, row in current.items()
            if unit in ("total", UNIT_OF[code]) and key in ("all", str(row.stars), row.rating_class)
        }, href


def test_the_c_class_list_equals_the_rating_rows(client, login, rated):
    login("orgdept")
    page = client.get("/dashboard").get_data(as_text=True)
    section = page.split('id="c-class"')[1].split('id="cycle-progress"')[0]
    listed = re.findall(r'data-branch="([^"]+)"', section)
    current = _current_by_hand(date(2026, 11, 23))
    assert listed == sorted(c for c, r in current.items() if r.rating_class == "C")
    assert listed == ["U1-B1", "U1-B2"]
    rows = dict(re.findall(r'data-branch="([^"]+)">(.*?)</tr>', section, re.S))
    assert "2026-06-30" in rows["U1-B1"]  # C since the 1★ rating
    assert "2025-12-31" in rows["U1-B2"]  # C since the 2★ rating, still C after the veto
    assert 'href="/orgs/U1-B1"' in rows["U1-B1"]
    assert "tag delisted" in rows["U1-B2"]  # why: a veto
    assert "tag delisted" not in rows["U1-B1"]  # why: low stars


def test_a_unit_reviewer_sees_only_their_units_ratings(client, login, rated):
    login("reviewer")
    page = client.get("/dashboard").get_data(as_text=True)
    assert {unit for unit, _ in _rating_cells(page)} == {"U1", "total"}
    assert client.get("/dashboard/ratings?unit=U2").status_code == 404
    assert client.get("/dashboard/ratings?key=9").status_code == 404
    assert "U2-B1" not in client.get("/dashboard/ratings").get_data(as_text=True)


def test_no_ratings_no_cycle_no_overdue(client, login, tree):
    login("orgdept")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="ratings-by-unit"' in page
    assert 'id="cycle-progress"' in page
    assert 'id="overdue-rectifications"' not in page  # shown only when there are some


def test_the_cycle_section_counts_equal_cycle_progress(app, client, login, demo):
    cycle_id, instance_id = _start(demo, Level.STANDARDISED)
    _self_assess(demo, instance_id)  # the demo branch moves on to the unit's review
    make_user("watcher")
    grant("watcher", "company_org_dept", "HH")
    login("watcher")
    page = client.get("/dashboard").get_data(as_text=True)
    section = page.split('id="cycle-progress"')[1].split("</section>")[0]
    assert f"/grading/cycles/{cycle_id}" in section  # the cycle's own page
    shown = {
        stage: (int(n), href.replace("&amp;", "&"))
        for href, stage, n in re.findall(
            r'<a href="([^"]+)" data-stage="([^"]+)">(\d+)</a>', section
        )
    }
    progress = cycle_progress(db.session, cycle_id)
    assert {s: n for s, (n, _) in shown.items()} == progress.counts
    assert shown["unit_review"][0] == 1
    for stage, (number, href) in shown.items():
        listed = client.get(href).get_data(as_text=True)
        assert listed.count('href="/instances/') == number, stage
        assert {b.branch.code for b in progress.at(stage)} <= set(
            re.findall(r'<small class="code">([^<]+)</small>', listed)
        )


def test_overdue_rectifications_are_listed(app, client, login, tree, clock):
    app.config["FORMS_DIR"] = ROOT / "forms"  # the stand-in borrows a shipped form
    run(deploy_definitions, actor=SYSTEM, sources={"reinspection.bpmn": REINSPECTION_STUB.encode()})
    instance_id = run(
        start_instance,
        actor=SYSTEM,
        process_key="reinspection",
        org_code=tree.branch1,
        business_key="复查",
        data={},
    )
    task = open_task(instance_id)
    login("orgdept")
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="overdue-rectifications"' not in page  # due in 30 days: not overdue yet
    clock.advance(days=31)
    page = client.get("/dashboard").get_data(as_text=True)
    section = page.split('id="overdue-rectifications"')[1].split("</section>")[0]
    assert f'data-task="{task.id}"' in section
    assert f'href="/inbox/tasks/{task.id}"' in section
    assert f'href="/instances/{instance_id}"' in section
    assert "U1-B1" in section
    other_client = app.test_client()
    log_in(other_client, "reviewer2")  # another unit's reviewer: not theirs
    other = other_client.get("/dashboard").get_data(as_text=True)
    assert 'id="overdue-rectifications"' not in other


#: A stand-in for processes/grading/reinspection.bpmn: just its rectification step with a deadline.
REINSPECTION_STUB = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs_ri" targetNamespace="https://branchflow.example/tests">
  <bpmn:collaboration id="collab_ri">
    <bpmn:participant id="pool_ri" name="复查" processRef="reinspection"/>
  </bpmn:collaboration>
  <bpmn:process id="reinspection" name="复查" isExecutable="true">
    <bpmn:laneSet id="lanes_ri">
      <bpmn:lane id="lane_system" name="system">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_secretary" name="branch_secretary">
        <bpmn:flowNodeRef>rectify</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rectify"/>
    <bpmn:userTask id="rectify" name="限期整改">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="mm_explain"/>
        <spiffworkflow:property name="dueIn" value="P30D"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="rectify" targetRef="end"/>
    <bpmn:endEvent id="end" name="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
