"""A join merges what each branch changed since the split (app/engine/joins.py): in a rework loop
the branch that did not touch an answer must not bring back the previous round's."""

from __future__ import annotations

from tests.engine.driver import Driver
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task

REVIEW_LOOP = (
    '<bpmn:startEvent id="start"/>'
    + user_task("edit")
    + user_task("review")
    + user_task("check")
    + '<bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>'
    + '<bpmn:exclusiveGateway id="g" default="forward"/><bpmn:endEvent id="end"/>'
    + flow("f1", "start", "edit")
    + flow("f2", "edit", "fork")
    + flow("f3", "fork", "review")
    + flow("f4", "fork", "check")
    + flow("f5", "review", "join")
    + flow("f6", "check", "join")
    + flow("f7", "join", "g")
    + flow("back", "g", "edit", 'outcome == "return"')
    + flow("forward", "g", "end")
)
ELEMENTS = ["start", "edit", "review", "check", "fork", "join", "g", "end"]


def test_the_branch_that_arrives_last_does_not_bring_back_last_rounds_answer():
    run = Driver(REVIEW_LOOP, ELEMENTS)
    run.complete("edit")
    run.complete("review", {"outcome": "return", "score": 60, "notes": {"A1": "缺签到表"}})
    run.complete("check", {"checked": ["纪委"]})
    assert run.ready() == ["edit"]
    run.complete("edit")
    run.complete("review", {"outcome": "forward", "score": 95, "notes": {"A1": "已补齐"}})
    run.complete("check", {"checked": ["纪委", "安全"]})  # arrives last, carrying round 1's answers
    assert run.finished()
    data = run.data()
    assert (data["outcome"], data["score"], data["notes"]) == ("forward", 95, {"A1": "已补齐"})
    assert data["checked"] == ["纪委", "安全"]


def test_when_both_branches_change_one_answer_the_last_to_arrive_wins():
    run = Driver(REVIEW_LOOP, ELEMENTS, data={"outcome": "return", "notes": {}})
    run.complete("edit")
    run.complete("check", {"outcome": "hold", "notes": {"B": 1}})
    run.complete("review", {"outcome": "forward", "notes": {"A": 1}})
    assert run.finished()
    data = run.data()
    assert data["outcome"] == "forward"
    assert data["notes"] == {"A": 1, "B": 1}  # a dict both branches added to keeps both
