"""Deployment checks: every problem of a model set is reported with file, element and line."""

from __future__ import annotations

import pytest

from app.engine.models import DeploymentRefused
from app.engine.models import parse_models
from tests.engine.models_kit import chain
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import one_task
from tests.engine.models_kit import user_task

ROLES = {"branch_secretary", "unit_org_reviewer"}
FORMS = {"test_any"}


def check(sources: dict[str, bytes], step_bound: int = 300):
    return parse_models(sources, known_roles=ROLES, known_forms=FORMS, step_bound=step_bound)


def refused(sources: dict[str, bytes], **kwargs) -> list:
    with pytest.raises(DeploymentRefused) as refusal:
        check(sources, **kwargs)
    return refusal.value.errors


def test_a_sound_model_passes():
    (process,) = check({"ok.bpmn": one_task("ok")})
    assert process.process_id == "ok"
    assert process.form_keys == {"test_any"}


def test_unknown_lane_role():
    (error,) = refused({"p.bpmn": one_task("p", role="chairman")})
    assert (error.file, error.element_id) == ("p.bpmn", "t1")
    assert "chairman" in error.message_en
    assert "角色" in error.message_zh


def test_missing_form():
    (error,) = refused({"p.bpmn": one_task("p", form="no_such_form")})
    assert "no_such_form" in error.message_en


def test_script_that_breaks_a_sandbox_rule_is_refused_with_its_line():
    (error,) = refused({"p.bpmn": one_task("p", script="import os")})
    assert error.element_id == "s1"
    assert error.line is not None
    assert "import" in error.message_en


def test_condition_that_does_not_compile():
    body = (
        '<bpmn:startEvent id="start"/><bpmn:exclusiveGateway id="g" default="fb"/>'
        + user_task("a")
        + user_task("b")
        + '<bpmn:endEvent id="end"/>'
        + flow("f0", "start", "g")
        + flow("fa", "g", "a", "score &gt;= ")
        + flow("fb", "g", "b")
        + flow("f1", "a", "end")
        + flow("f2", "b", "end")
    )
    errors = refused(
        {"p.bpmn": document("p", body, {"branch_secretary": ["start", "g", "a", "b", "end"]})}
    )
    assert [e.element_id for e in errors] == ["fa"]


def test_all_problems_are_reported_at_once():
    errors = refused(
        {"a.bpmn": one_task("a", role="nobody"), "b.bpmn": one_task("b", form="missing")}
    )
    assert {e.file for e in errors} == {"a.bpmn", "b.bpmn"}


def test_unsupported_element_is_named():
    body = (
        '<bpmn:startEvent id="start"/><bpmn:complexGateway id="cx"/><bpmn:endEvent id="end"/>'
        + flow("f1", "start", "cx")
        + flow("f2", "cx", "end")
    )
    errors = refused({"p.bpmn": document("p", body)})
    assert any(e.element_id == "cx" for e in errors)


def _review_loop(extra: str = "", extra_flows: str = "") -> bytes:
    """start → edit → review → gateway → (back to edit | end): a rework loop."""
    body = (
        '<bpmn:startEvent id="start"/>'
        + user_task("edit")
        + user_task("review")
        + '<bpmn:exclusiveGateway id="g" default="back"/><bpmn:endEvent id="end"/>'
        + extra
        + flow("f1", "start", "edit")
        + flow("f2", "edit", "review")
        + flow("f3", "review", "g")
        + flow("done", "g", "end", "approved")
        + flow("back", "g", "edit")
        + extra_flows
    )
    nodes = ["start", "edit", "review", "g", "end", "fix"]
    return document("p", body, {"branch_secretary": nodes})


def test_a_rework_loop_through_a_person_deploys():
    check({"p.bpmn": _review_loop()})


def test_a_loop_no_person_decides_is_refused():
    body = (
        '<bpmn:startEvent id="start"/>'
        '<bpmn:scriptTask id="count"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>'
        '<bpmn:exclusiveGateway id="g" default="back"/><bpmn:endEvent id="end"/>'
        + flow("f1", "start", "count")
        + flow("f2", "count", "g")
        + flow("done", "g", "end", "n &gt; 10")
        + flow("back", "g", "count")
    )
    (error,) = refused({"p.bpmn": document("p", body)})
    assert "without a person deciding" in error.message_en
    assert error.element_id in {"count", "g"}


def test_a_loop_with_one_way_round_that_skips_the_person_is_refused():
    # Besides the way through "edit", the gateway can go round through "fix" alone, a script.
    fix = '<bpmn:scriptTask id="fix"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
    flows = flow("f_fix", "g", "fix", "needs_fix") + flow("f_fixed", "fix", "g")
    errors = refused({"p.bpmn": _review_loop(fix, flows)})
    assert any("without a person deciding" in e.message_en for e in errors)


def test_paths_longer_than_the_bound_are_refused():
    check({"short.bpmn": chain("short", 50)}, step_bound=300)
    (error,) = refused({"long.bpmn": chain("long", 320)}, step_bound=300)
    assert "exceeds the bound of 300" in error.message_en


def test_malformed_and_hostile_files_are_reported_not_raised():
    errors = refused(
        {"bad.bpmn": b"<definitions><process", "evil.bpmn": b'<!DOCTYPE x [<!ENTITY e "x">]><x/>'}
    )
    assert {e.file for e in errors} == {"bad.bpmn", "evil.bpmn"}


def test_xsd_validation_catches_unknown_elements():
    body = '<bpmn:startEvent id="start"/><bpmn:fooTask id="foo"/>'
    errors = refused({"p.bpmn": document("p", body)})
    assert errors[0].line is not None


DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x">
  <decision id="level_decision" name="等级">
    <decisionTable id="table" hitPolicy="UNIQUE">
      <input id="in1" label="分数"><inputExpression id="ie1" typeRef="number"><text>score</text></inputExpression></input>
      <output id="out1" name="level" typeRef="string"/>
      <rule id="r1"><inputEntry id="e1"><text>&gt;= 90</text></inputEntry><outputEntry id="o1"><text>"red_flag"</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="e2"><text>&gt;= 90</text></inputEntry><outputEntry id="o2"><text>"model"</text></outputEntry></rule>
      <rule id="r3"><inputEntry id="e3"><text>{CELL}</text></inputEntry><outputEntry id="o3"><text>"basic"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def test_dmn_cells_and_overlapping_unique_rules_are_reported():
    errors = refused(
        {
            "levels.dmn": DMN.replace("{CELL}", "? &lt; x.__class__").encode(),
            "ok.bpmn": one_task("ok"),
        }
    )
    assert {e.element_id for e in errors} == {"r2", "e3"}


RANGES = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d2" name="d2" namespace="x">
  <decision id="ranges" name="区间">
    <decisionTable id="t2" hitPolicy="UNIQUE">
      <input id="i1"><inputExpression id="x1"><text>score</text></inputExpression></input>
      <input id="i2"><inputExpression id="x2"><text>tier</text></inputExpression></input>
      <output id="o" name="band"/>
      {RULES}
    </decisionTable>
  </decision>
</definitions>"""


def _rule(rule_id: str, score: str, tier: str) -> str:
    return (
        f'<rule id="{rule_id}"><inputEntry id="{rule_id}a"><text>{score}</text></inputEntry>'
        f'<inputEntry id="{rule_id}b"><text>{tier}</text></inputEntry>'
        f'<outputEntry id="{rule_id}o"><text>"x"</text></outputEntry></rule>'
    )


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        (("&gt;= 90", "-"), ("80 &lt;= ? &lt; 95", "-"), True),
        (("&gt;= 90", "-"), ("&lt; 90", "-"), False),
        (("80 &lt;= ? &lt; 90", "-"), ("90 &lt;= ? &lt; 95", "-"), False),
        (("&gt;= 90", '"gold"'), ("&gt;= 95", '"silver"'), False),
        (("-", '"gold"'), ("&gt;= 95", '"gold", "silver"'), True),
        (("92", "-"), ("90 &lt;= ? &lt; 95", "-"), True),
        (("?.startswith('a')", "-"), ("-", "-"), False),  # cannot tell: not reported
        (("&gt;= 90", "-"), ("&gt;= 95", '"gold"'), True),  # "-" matches text too
    ],
)
def test_overlapping_unique_rules_are_found_by_interval(first, second, overlap):
    dmn = RANGES.replace("{RULES}", _rule("ra", *first) + _rule("rb", *second)).encode()
    sources = {"ranges.dmn": dmn, "ok.bpmn": one_task("ok")}
    if overlap:
        (error,) = refused(sources)
        assert error.element_id == "rb"
        assert "ra" in error.message_en
    else:
        check(sources)


def test_a_decision_id_defined_twice_is_refused():
    copy = DMN.replace("{CELL}", "&lt; 60").replace('id="r1"', 'id="q1"')
    errors = refused(
        {
            "a.dmn": DMN.replace("{CELL}", "&lt; 60").encode(),
            "b.dmn": copy.encode(),
            "ok.bpmn": one_task("ok"),
        }
    )
    assert any("also defined in a.dmn" in e.message_en for e in errors)
