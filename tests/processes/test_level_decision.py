"""等级判定 (``level_decision``, processes/grading/): the level a branch gets for a grading cycle.

The rules (domain.md §5 "Level transition rules", §7, §9), as the two DMN tables decide them:

* the score band comes from four thresholds that are *inputs*, not constants (a rubric version
  carries them; the proposal is 95 / 90 / 80 / 70): at or above ``threshold_model`` 示范, above
  ``threshold_red_flag`` 红旗, ``threshold_standard`` 标准化, ``threshold_basic`` 基本达标, below it
  未达标 (``level_score_band.dmn``);
* any veto (V1–V6; the decision only sees ``has_veto``) gives 未达标 whatever the score;
* an upgrade moves at most one level per cycle; 红旗 needs 标准化 held now; 示范 needs 红旗 held
  for at least one cycle *and* a named brand;
* a level the score still reaches is kept; a downgrade goes straight to the score's level, skipping
  levels (``level_transition.dmn``).

Outputs: ``level`` (a code of ``app.identity.kinds.Level``) and ``level_reason`` — ``score``,
``veto``, ``capped_one_level``, ``needs_standard_first``, ``needs_red_flag_cycle`` or
``needs_brand`` — so the cycle can show why. The process has no human task: started with the data,
it completes at once, and the result is the instance's final data. Inputs the tables do not know
(a wrong level code, thresholds out of order) stop it with an incident instead of a missing level.
"""

from __future__ import annotations

import json
from itertools import product
from typing import Any

import pytest
from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.engine.models import parse_models
from app.engine.serializer import load_specs
from app.extensions import db
from app.identity import catalogue
from app.identity.kinds import Level
from app.workflow import commands
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from app.workflow.engine_access import runtime
from app.workflow.models import Incident
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance
from tests.conftest import ROOT
from tests.factories import Tree
from tests.factories import make_tree

PROCESSES = ROOT / "processes"
NOT, BASIC, STANDARD, RED, MODEL = (level.value for level in Level)
ORDER = [NOT, BASIC, STANDARD, RED, MODEL]
THRESHOLDS = {
    "threshold_model": 95,
    "threshold_red_flag": 90,
    "threshold_standard": 80,
    "threshold_basic": 70,
}


@pytest.fixture
def tree(app) -> Tree:
    """A small organisation tree and everything under processes/ deployed, as ``make run`` does."""
    app.config["FORMS_DIR"] = ROOT / "forms"
    tree = make_tree()
    run(
        deploy_definitions,
        actor=SYSTEM,
        sources=read_model_files([PROCESSES], root=PROCESSES),
    )
    return tree


def _data(score: float, current: str, **given: Any) -> dict[str, Any]:
    return {
        **THRESHOLDS,
        "final_score": score,
        "current_level": current,
        "has_veto": False,
        "held_red_flag_cycles": 0,
        "brand_named": False,
        **given,
    }


def _start(tree: Tree, data: dict[str, Any]) -> ProcessInstance:
    instance_id = run(
        commands.start_instance,
        actor=SYSTEM,
        process_key="level_decision",
        org_code=tree.branch1,
        data=data,
    )
    return db.session.get(ProcessInstance, instance_id)


def decide(tree: Tree, score: float, current: str, **given: Any) -> tuple[str, str]:
    """Run the process through the commands; (level, level_reason) from its final data."""
    data = _data(score, current, **given)
    row = _start(tree, data)
    assert row.status is InstanceStatus.COMPLETED
    final = json.loads(row.state_json)["data"]
    assert {k: final[k] for k in data} == data  # the inputs are left as given
    return final["level"], final["level_reason"]


# -- score thresholds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "current", "given", "expected"),
    [
        pytest.param(69.99, BASIC, {}, (NOT, "score"), id="69.99-at-basic-drops-to-not-met"),
        pytest.param(70, BASIC, {}, (BASIC, "score"), id="70-at-basic-keeps-basic"),
        pytest.param(70, NOT, {}, (BASIC, "score"), id="70-at-not-met-rises-to-basic"),
        pytest.param(79.99, STANDARD, {}, (BASIC, "score"), id="79.99-at-standard-drops-to-basic"),
        pytest.param(80, STANDARD, {}, (STANDARD, "score"), id="80-at-standard-keeps-standard"),
        pytest.param(80, BASIC, {}, (STANDARD, "score"), id="80-at-basic-rises-to-standard"),
        pytest.param(89.99, RED, {}, (STANDARD, "score"), id="89.99-at-red-flag-drops-to-standard"),
        pytest.param(90, RED, {}, (RED, "score"), id="90-at-red-flag-keeps-red-flag"),
        pytest.param(90, STANDARD, {}, (RED, "score"), id="90-at-standard-rises-to-red-flag"),
        pytest.param(94.99, MODEL, {}, (RED, "score"), id="94.99-at-model-drops-to-red-flag"),
        pytest.param(95, MODEL, {}, (MODEL, "score"), id="95-at-model-keeps-model"),
        pytest.param(
            94.99,
            RED,
            {"held_red_flag_cycles": 1, "brand_named": True},
            (RED, "score"),
            id="94.99-at-red-flag-with-cycle-and-brand-stays",
        ),
        pytest.param(
            95,
            RED,
            {"held_red_flag_cycles": 1, "brand_named": True},
            (MODEL, "score"),
            id="95-at-red-flag-with-cycle-and-brand-rises-to-model",
        ),
    ],
)
def test_score_thresholds(tree, score, current, given, expected):
    assert decide(tree, score, current, **given) == expected


# -- vetoes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "current", "given"),
    [
        pytest.param(
            100, MODEL, {"held_red_flag_cycles": 3, "brand_named": True}, id="100-at-model"
        ),
        pytest.param(
            99, RED, {"held_red_flag_cycles": 1, "brand_named": True}, id="99-at-red-flag"
        ),
        pytest.param(95, STANDARD, {}, id="95-at-standard"),
        pytest.param(90, BASIC, {}, id="90-at-basic"),
        pytest.param(80, NOT, {}, id="80-at-not-met"),
        pytest.param(60, BASIC, {}, id="60-at-basic"),
    ],
)
def test_any_veto_gives_not_met_whatever_the_score(tree, score, current, given):
    """V1–V6 all reach the decision as ``has_veto``; each is tried at a top score and level."""
    assert decide(tree, score, current, has_veto=True, **given) == (NOT, "veto")


# -- upgrades: one level per cycle, prerequisites --------------------------------------------------


@pytest.mark.parametrize(
    ("score", "current", "given", "expected"),
    [
        pytest.param(99, BASIC, {}, (STANDARD, "capped_one_level"), id="basic-at-99-to-standard"),
        pytest.param(99, NOT, {}, (BASIC, "capped_one_level"), id="not-met-at-99-to-basic"),
        pytest.param(85, NOT, {}, (BASIC, "capped_one_level"), id="not-met-at-85-to-basic"),
        pytest.param(
            99,
            STANDARD,
            {"held_red_flag_cycles": 2, "brand_named": True},
            (RED, "capped_one_level"),
            id="standard-at-99-to-red-flag-even-with-brand",
        ),
        pytest.param(
            92, BASIC, {}, (STANDARD, "needs_standard_first"), id="basic-at-92-to-standard"
        ),
        pytest.param(92, NOT, {}, (BASIC, "needs_standard_first"), id="not-met-at-92-to-basic"),
        pytest.param(92, STANDARD, {}, (RED, "score"), id="standard-at-92-to-red-flag"),
        pytest.param(
            97,
            RED,
            {"held_red_flag_cycles": 0, "brand_named": True},
            (RED, "needs_red_flag_cycle"),
            id="red-flag-at-97-without-a-full-cycle",
        ),
        pytest.param(
            97,
            RED,
            {"held_red_flag_cycles": 1, "brand_named": False},
            (RED, "needs_brand"),
            id="red-flag-at-97-without-brand",
        ),
        pytest.param(
            97,
            RED,
            {"held_red_flag_cycles": 1, "brand_named": True},
            (MODEL, "score"),
            id="red-flag-at-97-with-cycle-and-brand-to-model",
        ),
        pytest.param(97, MODEL, {}, (MODEL, "score"), id="model-at-97-kept"),
    ],
)
def test_upgrades_move_one_level_and_need_their_prerequisites(
    tree, score, current, given, expected
):
    assert decide(tree, score, current, **given) == expected


# -- downgrades ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "current", "expected"),
    [
        pytest.param(72, MODEL, BASIC, id="model-at-72-to-basic"),
        pytest.param(60, RED, NOT, id="red-flag-at-60-to-not-met"),
        pytest.param(50, MODEL, NOT, id="model-at-50-to-not-met"),
        pytest.param(85, MODEL, STANDARD, id="model-at-85-to-standard"),
    ],
)
def test_downgrades_may_skip_levels(tree, score, current, expected):
    assert decide(tree, score, current, held_red_flag_cycles=2, brand_named=True) == (
        expected,
        "score",
    )


# -- thresholds are configuration ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("thresholds", "score", "current", "expected"),
    [
        pytest.param({}, 82, STANDARD, STANDARD, id="82-at-standard-default-80-keeps"),
        pytest.param(
            {"threshold_standard": 85}, 82, STANDARD, BASIC, id="82-at-standard-with-85-drops"
        ),
        pytest.param({}, 88, STANDARD, STANDARD, id="88-at-standard-default-90-stays"),
        pytest.param({"threshold_red_flag": 88}, 88, STANDARD, RED, id="88-with-red-flag-at-88"),
        pytest.param({"threshold_basic": 60}, 65, NOT, BASIC, id="65-with-basic-at-60"),
        pytest.param(
            {"threshold_model": 98}, 97, MODEL, RED, id="97-at-model-with-model-at-98-drops"
        ),
    ],
)
def test_thresholds_come_from_the_data(tree, thresholds, score, current, expected):
    assert decide(tree, score, current, **thresholds)[0] == expected


# -- the process itself ----------------------------------------------------------------------------


def test_the_process_runs_in_the_system_lane_and_leaves_a_step(tree):
    definition = db.session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.process_key == "level_decision")
    ).one()
    assert json.loads(definition.starter_roles_json) == ["system"]
    assert set(json.loads(definition.sources_json)) == {
        "grading/level_decision.bpmn",
        "grading/level_score_band.dmn",
        "grading/level_transition.dmn",
    }
    row = _start(tree, _data(92, STANDARD))
    assert row.status is InstanceStatus.COMPLETED
    final = json.loads(row.state_json)["data"]
    assert (final["score_level"], final["level"], final["level_reason"]) == (RED, RED, "score")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param({"current_level": "standard"}, "not a level code", id="unknown-level-code"),
        pytest.param({"has_veto": "no"}, "must be booleans", id="veto-not-a-boolean"),
        pytest.param({"final_score": "92"}, "must be numbers", id="score-not-a-number"),
        pytest.param(
            {"threshold_standard": 91}, "thresholds must decrease", id="thresholds-out-of-order"
        ),
    ],
)
def test_inputs_the_tables_do_not_know_stop_with_an_incident(tree, given, message):
    row = _start(tree, {**_data(92, STANDARD), **given})
    assert row.status is InstanceStatus.RUNNING
    assert row.open_incidents == 1
    incident = db.session.scalars(select(Incident).where(Incident.instance_id == row.id)).one()
    assert incident.element_id == "check_inputs"
    assert message in incident.message


# -- every combination hits exactly one rule -------------------------------------------------------


def reference(
    has_veto: bool, score_level: str, current: str, red_flag_cycles: int, brand_named: bool
) -> tuple[str, str]:
    """The domain rules in plain Python, to hold the table against."""
    if has_veto:
        return NOT, "veto"
    band, held = ORDER.index(score_level), ORDER.index(current)
    if band <= held:
        return score_level, "score"  # kept, or a downgrade of any size
    one_up = ORDER[held + 1]
    if score_level == RED and current != STANDARD:
        return one_up, "needs_standard_first"
    if band > held + 1:
        return one_up, "capped_one_level"
    if score_level == MODEL and red_flag_cycles < 1:
        return RED, "needs_red_flag_cycle"
    if score_level == MODEL and not brand_named:
        return RED, "needs_brand"
    return score_level, "score"


def test_every_input_combination_matches_exactly_one_rule(app):
    """The transition table runs here with hit policy COLLECT (every matching rule answers) over all
    its inputs: exactly one rule answers each combination, and it answers as the rules say."""
    grading = PROCESSES / "grading"
    files = ("level_decision.bpmn", "level_score_band.dmn", "level_transition.dmn")
    sources = read_model_files([grading / f for f in files], root=PROCESSES)
    name = "grading/level_transition.dmn"
    assert sources[name].count(b'hitPolicy="UNIQUE"') == 1
    sources[name] = sources[name].replace(b'hitPolicy="UNIQUE"', b'hitPolicy="COLLECT"')
    (parsed,) = parse_models(sources, known_roles=set(catalogue.roles()), known_forms=set())
    specs = load_specs(parsed.spec_json)
    score_in_band = {MODEL: 97, RED: 92, STANDARD: 85, BASIC: 75, NOT: 50}
    combinations = list(product([False, True], ORDER, ORDER, [0, 1, 2], [False, True]))
    for veto, band, current, cycles, brand in combinations:
        given = {"has_veto": veto, "held_red_flag_cycles": cycles, "brand_named": brand}
        data = runtime().start(specs, _data(score_in_band[band], current, **given)).data()
        level, reason = reference(veto, band, current, cycles, brand)
        case = (veto, band, current, cycles, brand)
        assert (data["score_level"], data["level"], data["level_reason"]) == (
            band,
            [level],
            [reason],
        ), case
    assert len(combinations) == 300
