"""Loops keep their stored state the size of one round (app/engine/pruning.py), and pruning
changes nothing the process does: joins still wait for every branch, multi-instance tasks still
run once per item, timers still fire, called processes still return, variables stay."""

from __future__ import annotations

from datetime import timedelta

from tests.engine.driver import LANE
from tests.engine.driver import Driver
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import user_task


def assert_flat(sizes: list[int], rounds: int) -> None:
    per_round = len(sizes) // rounds
    after_warm_up = sizes[per_round * 3 :: per_round]  # the same step of every round from the 4th
    assert max(after_warm_up) <= min(after_warm_up) * 1.05, after_warm_up


LOOP_END = '<bpmn:exclusiveGateway id="g" default="back"/><bpmn:endEvent id="end"/>' + flow(
    "done", "g", "end", "approved"
)


def test_three_parallel_branches_in_a_loop_wait_for_each_other_every_round():
    """Saving drops finished branches, but not those a join still counts: with three branches
    the first to arrive is finished (its join task cancelled) while the second waits."""
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("edit")
        + user_task("a")
        + user_task("b")
        + user_task("c")
        + '<bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>'
        + LOOP_END
        + flow("f1", "start", "edit")
        + flow("f2", "edit", "fork")
        + flow("f3", "fork", "a")
        + flow("f4", "fork", "b")
        + flow("f4c", "fork", "c")
        + flow("f5", "a", "join")
        + flow("f6", "b", "join")
        + flow("f6c", "c", "join")
        + flow("f7", "join", "g")
        + flow("back", "g", "edit")
    )
    run = Driver(body, ["start", "edit", "a", "b", "c", "fork", "join", "g", "end"])
    for round_number in range(20):
        run.complete("edit", {"round": round_number})
        order = ["a", "b", "c"][round_number % 3 :] + ["a", "b", "c"][: round_number % 3]
        run.complete(order[0], {"approved": False, order[0]: round_number})
        assert run.ready() == sorted(order[1:])
        run.complete(order[1], {"approved": False, order[1]: round_number})
        assert run.ready() == [order[2]]  # two of three arrived: the join still waits
        run.complete(order[2], {"approved": False, order[2]: round_number})
        assert run.ready() == ["edit"]
        assert {run.data()[name] for name in "abc"} == {round_number}  # all three merged
    assert_flat(run.sizes, 20)


def test_a_parallel_review_in_a_loop_waits_for_both_branches_every_round():
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("edit")
        + user_task("a")
        + user_task("b")
        + '<bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/>'
        + LOOP_END
        + flow("f1", "start", "edit")
        + flow("f2", "edit", "fork")
        + flow("f3", "fork", "a")
        + flow("f4", "fork", "b")
        + flow("f5", "a", "join")
        + flow("f6", "b", "join")
        + flow("f7", "join", "g")
        + flow("back", "g", "edit")
    )
    run = Driver(body, ["start", "edit", "a", "b", "fork", "join", "g", "end"])
    for round_number in range(30):
        run.complete("edit", {"round": round_number})
        first, second = ("a", "b") if round_number % 2 else ("b", "a")
        run.complete(first, {"approved": False})
        assert run.ready() == [second]  # the join does not fire on one branch
        run.complete(second, {"approved": False})
        assert run.ready() == ["edit"]
    assert_flat(run.sizes, 30)
    run.complete("edit")
    run.complete("a", {"approved": True})
    run.complete("b", {"approved": True})  # the join merges both branches' answers
    assert run.finished()
    assert run.data()["round"] == 29


def test_a_sequential_multi_instance_in_a_loop_runs_once_per_member_every_round():
    sign = user_task("sign").replace(
        "</bpmn:userTask>",
        '<bpmn:multiInstanceLoopCharacteristics isSequential="true">'
        "<bpmn:loopDataInputRef>members</bpmn:loopDataInputRef>"
        '<bpmn:inputDataItem id="member" name="member"/>'
        "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>",
    )
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("edit")
        + sign
        + LOOP_END
        + flow("f1", "start", "edit")
        + flow("f2", "edit", "sign")
        + flow("f3", "sign", "g")
        + flow("back", "g", "edit")
    )
    run = Driver(body, ["start", "edit", "sign", "g", "end"], {"members": [11, 12, 13]})
    for _ in range(20):
        run.complete("edit")
        signed = []
        while run.ready() == ["sign"]:
            instance = run.load()
            (task,) = instance.ready_tasks()
            signed.append(instance.task_data(task.task_id)["member"])
            run.complete("sign", {"approved": False})
        assert signed == [11, 12, 13]
        assert run.ready() == ["edit"]
    assert_flat(run.sizes, 20)


def test_a_boundary_timer_in_a_loop_still_fires_after_rounds_were_dropped():
    review = user_task("review")
    timer = (
        '<bpmn:boundaryEvent id="late" attachedToRef="review">'
        '<bpmn:timerEventDefinition><bpmn:timeDuration>"P1D"</bpmn:timeDuration>'
        "</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    )
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("edit")
        + review
        + timer
        + LOOP_END
        + flow("f1", "start", "edit")
        + flow("f2", "edit", "review")
        + flow("f3", "review", "g")
        + flow("f4", "late", "edit")
        + flow("back", "g", "edit")
    )
    run = Driver(body, ["start", "edit", "review", "late", "g", "end"])
    for round_number in range(24):
        run.complete("edit")
        if round_number % 2:
            run.wait(timedelta(days=2))  # nobody reviewed: the timer sends it back
        else:
            run.complete("review", {"approved": False})
        assert run.ready() == ["edit"]
    assert_flat(run.sizes, 12)  # a pair of rounds, one of each kind, is the unit that repeats
    run.complete("edit")
    assert run.load().next_timer() == run.clock.now + timedelta(days=1)


def test_a_called_process_in_a_loop_leaves_no_finished_sub_processes_behind():
    called = document(
        "called",
        '<bpmn:startEvent id="c_start"/>'
        + user_task("c_task")
        + '<bpmn:endEvent id="c_end"/>'
        + flow("c1", "c_start", "c_task")
        + flow("c2", "c_task", "c_end"),
        {LANE: ["c_start", "c_task", "c_end"]},
    )
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("edit")
        + '<bpmn:callActivity id="call" calledElement="called"/>'
        + LOOP_END
        + flow("f1", "start", "edit")
        + flow("f2", "edit", "call")
        + flow("f3", "call", "g")
        + flow("back", "g", "edit")
    )
    run = Driver(body, ["start", "edit", "call", "g", "end"], extra={"called.bpmn": called})
    for round_number in range(15):
        run.complete("edit", {"note": f"round {round_number}"})
        run.complete("c_task", {"approved": False})
    assert len(run.load().workflow.subprocesses) <= 1
    assert_flat(run.sizes, 15)
    assert run.data()["note"] == "round 14"


def test_a_variable_set_in_the_first_round_is_still_there_after_many():
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("edit")
        + LOOP_END
        + flow("f1", "start", "edit")
        + flow("f2", "edit", "g")
        + flow("back", "g", "edit")
    )
    run = Driver(body, ["start", "edit", "g", "end"], {"branch": "一支部"})
    run.complete("edit", {"first_reason": "材料不全", "approved": False})
    for _ in range(30):
        run.complete("edit", {"approved": False})
    assert run.data()["first_reason"] == "材料不全"
    assert run.data()["branch"] == "一支部"
    run.complete("edit", {"approved": True})
    assert run.finished()
    assert run.load().element_states() == {
        "start": "completed",
        "edit": "completed",
        "g": "completed",
        "end": "completed",
    }


def test_the_task_tree_of_a_loop_is_as_large_after_forty_rounds_as_after_two():
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("edit")
        + LOOP_END
        + flow("f1", "start", "edit")
        + flow("f2", "edit", "g")
        + flow("back", "g", "edit")
    )
    run = Driver(body, ["start", "edit", "g", "end"])
    tasks = []
    for _ in range(40):
        run.complete("edit", {"approved": False})
        tasks.append(len(run.load().workflow.tasks))
    assert tasks[-1] == tasks[1]
