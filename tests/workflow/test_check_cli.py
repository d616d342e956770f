"""``flask processes check``: every deployment check without deploying, a verdict per file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlalchemy import select

from app.extensions import db
from app.workflow.models import ProcessDefinition
from tests.engine.models_kit import chain
from tests.engine.models_kit import document
from tests.engine.models_kit import flow
from tests.engine.models_kit import one_task
from tests.plugins.people import FIXTURES


@pytest.fixture
def check(app, tmp_path):
    """Write the given files, run ``processes check`` on them, return (exit code, output)."""
    app.config["FORMS_DIR"] = FIXTURES / "forms"

    def run_check(files: dict[str, bytes], *options: str):
        paths = []
        for name, data in files.items():
            (tmp_path / name).write_bytes(data)
            paths.append(str(tmp_path / name))
        result = app.test_cli_runner().invoke(args=["processes", "check", *options, *paths])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert "Traceback" not in result.output
        return result.exit_code, result.output

    return run_check


def report(check, files: dict[str, bytes]) -> tuple[int, dict]:
    code, output = check(files, "--json")
    return code, json.loads(output)


def problems(data: dict, file: str) -> list[dict]:
    (entry,) = [e for e in data["files"] if e["file"] == file]
    return entry["problems"]


def test_a_sound_model_would_deploy_and_exits_0(check):
    code, output = check({"ok.bpmn": one_task("ok")})
    assert code == 0
    assert "ok.bpmn: would deploy / 可以部署" in output


def test_nothing_is_deployed(check):
    check({"ok.bpmn": one_task("ok")})
    assert db.session.scalar(select(func.count()).select_from(ProcessDefinition)) == 0


def test_a_lane_that_is_not_a_role_code_is_a_convention_problem(check):
    code, data = report(check, {"p.bpmn": one_task("p", role="chairman")})
    assert code == 1
    (problem,) = problems(data, "p.bpmn")
    assert (problem["category"], problem["element_id"]) == ("convention", "t1")
    assert "chairman" in problem["message_en"]
    assert "角色" in problem["message_zh"]
    assert data["summary"]["files_by_category"] == {"convention": ["p.bpmn"]}


def test_a_missing_form_key_is_a_convention_problem(check):
    body = (
        '<bpmn:startEvent id="start"/><bpmn:userTask id="plain"/><bpmn:endEvent id="end"/>'
        + flow("f1", "start", "plain")
        + flow("f2", "plain", "end")
    )
    lanes = {"branch_secretary": ["start", "plain", "end"]}
    code, data = report(check, {"p.bpmn": document("p", body, lanes)})
    assert code == 1
    (problem,) = problems(data, "p.bpmn")
    assert (problem["category"], problem["element_id"]) == ("convention", "plain")
    assert "formKey" in problem["message_en"]


def test_an_unsupported_element_is_an_engine_problem(check):
    body = (
        '<bpmn:startEvent id="start"/><bpmn:complexGateway id="cx"/><bpmn:endEvent id="end"/>'
        + flow("f1", "start", "cx")
        + flow("f2", "cx", "end")
    )
    code, data = report(check, {"p.bpmn": document("p", body)})
    assert code == 1
    assert {(p["category"], p["element_id"]) for p in problems(data, "p.bpmn")} == {
        ("engine", "cx")
    }


def test_a_script_the_sandbox_refuses_is_an_engine_problem(check):
    code, output = check({"p.bpmn": one_task("p", script="import os")})
    assert code == 1
    assert "[engine] " in output
    assert "[s1]" in output
    assert "沙箱" in output


def test_malformed_xml_and_a_doctype_are_xml_problems(check):
    code, data = report(
        check,
        {
            "bad.bpmn": b"<definitions><process",
            "evil.bpmn": b'<!DOCTYPE x [<!ENTITY e "x">]><x/>',
            "p.bpmn": one_task("p", role="chairman"),
        },
    )
    assert code == 1
    assert [p["category"] for p in problems(data, "bad.bpmn")] == ["xml"]
    assert [p["category"] for p in problems(data, "evil.bpmn")] == ["xml"]
    assert "DOCTYPE" in problems(data, "evil.bpmn")[0]["message_en"]
    # One unreadable file does not hide the problems of the others.
    assert [p["element_id"] for p in problems(data, "p.bpmn")] == ["t1"]


def test_conventions_are_checked_even_where_the_library_refuses_the_document(check):
    body = (
        '<bpmn:startEvent id="start"/>'
        '<bpmn:userTask id="t1"/><bpmn:fooTask id="foo"/><bpmn:endEvent id="end"/>'
        + flow("f1", "start", "t1")
        + flow("f2", "t1", "end")
    )
    code, data = report(check, {"p.bpmn": document("p", body, {"chairman": ["start", "t1"]})})
    assert code == 1
    found = problems(data, "p.bpmn")
    assert {p["category"] for p in found} == {"engine", "convention"}
    (xsd,) = [p for p in found if p["category"] == "engine"]
    assert xsd["element_id"] == "foo"
    assert xsd["line"]


def test_a_500_node_chain_is_a_problem_not_a_traceback(check):
    code, data = report(check, {"long.bpmn": chain("long", 500)})
    assert code == 1
    assert all(p["element_id"] for p in problems(data, "long.bpmn"))
    assert any("too long" in p["message_en"] for p in problems(data, "long.bpmn"))


CALLER = (
    '<bpmn:startEvent id="start"/><bpmn:callActivity id="call" calledElement="callee"/>'
    '<bpmn:endEvent id="end"/>' + flow("f1", "start", "call") + flow("f2", "call", "end")
)
CALLEE = (
    '<bpmn:startEvent id="cs"/><bpmn:scriptTask id="work"><bpmn:script>x = 1</bpmn:script>'
    '</bpmn:scriptTask><bpmn:endEvent id="ce"/>'
    + flow("g1", "cs", "work")
    + flow("g2", "work", "ce")
)


def test_files_are_checked_as_one_set_so_calls_across_files_resolve(check):
    files = {"caller.bpmn": document("caller", CALLER), "callee.bpmn": document("callee", CALLEE)}
    assert check(files)[0] == 0
    code, data = report(check, {"caller.bpmn": files["caller.bpmn"]})
    assert code == 1
    (problem,) = problems(data, "caller.bpmn")
    assert (problem["category"], problem["element_id"]) == ("engine", "call")
    assert "callee" in problem["message_en"]


def test_usage_errors_exit_2(app, tmp_path):
    runner = app.test_cli_runner()
    (tmp_path / "notes.txt").write_text("x")
    assert runner.invoke(args=["processes", "check"]).exit_code == 2
    assert runner.invoke(args=["processes", "check", str(tmp_path / "nope.bpmn")]).exit_code == 2
    assert runner.invoke(args=["processes", "check", str(tmp_path / "notes.txt")]).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(args=["processes", "check", str(empty)]).exit_code == 2


def test_the_shipped_models_check_clean(app):
    folder = app.config["PROCESSES_DIR"]
    result = app.test_cli_runner().invoke(args=["processes", "check", str(folder)])
    assert result.exit_code == 0, result.output
    assert "would not deploy" not in result.output


def test_deploy_refusals_name_the_category(app, people, tmp_path):
    (tmp_path / "bad.bpmn").write_bytes(one_task("bad", role="chairman", script="import os"))
    result = app.test_cli_runner().invoke(args=["processes", "deploy", str(tmp_path / "bad.bpmn")])
    assert result.exit_code == 1
    assert "[convention] bad.bpmn" in result.output
    assert "[engine] bad.bpmn" in result.output


def test_a_crash_inside_the_checks_is_a_problem_of_that_file_only(check):
    deep = one_task("deep", script="x = " + "-" * 5000 + "1")  # too deep for Python's own parser
    code, data = report(check, {"deep.bpmn": deep, "p.bpmn": one_task("p", role="chairman")})
    assert code == 1
    assert problems(data, "deep.bpmn")
    assert all(p["element_id"] for p in problems(data, "deep.bpmn"))
    assert [p["element_id"] for p in problems(data, "p.bpmn")] == ["t1"]
