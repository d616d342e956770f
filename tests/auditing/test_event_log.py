"""Event logs for process mining (issue 13 item 6): the demo year's committee meetings as XES and
CSV, one trace per instance, each event named as the model draws its step, with who, which role
and when; a unit auditor's log holds only the unit's instances."""

from __future__ import annotations

import csv
import io

from lxml import etree
from sqlalchemy import func
from sqlalchemy import select

from app.extensions import db
from app.workflow.models import ProcessInstance
from tests.conftest import log_in

NS = {"x": "http://www.xes-standard.org/"}


def _value(element: etree._Element, key: str) -> str | None:
    found = element.find(f"x:*[@key='{key}']", NS)
    return found.get("value") if found is not None else None


def test_the_demo_committee_meetings_as_xes_and_csv(demo_year, client, app):
    db.session.rollback()
    meetings = db.session.scalar(
        select(func.count()).where(ProcessInstance.process_key == "branch_committee_meeting")
    )
    log_in(client, "cuisiwei", app.config["DEMO_PASSWORD"])  # HH01's process auditor
    query = {"process": "branch_committee_meeting"}
    response = client.get("/audit/events.xes", query_string=query)
    assert response.status_code == 200
    log = etree.fromstring(response.data)
    assert log.tag == "{http://www.xes-standard.org/}log"
    assert log.get("xes.version") == "1849-2016"
    prefixes = {e.get("prefix") for e in log.findall("x:extension", NS)}
    assert {"concept", "time", "lifecycle", "org"} <= prefixes
    traces = log.findall("x:trace", NS)
    assert len(traces) == meetings  # every meeting is HH01's: all of them, once
    held = next(t for t in traces if len(t.findall("x:event", NS)) >= 8)
    events = held.findall("x:event", NS)
    names = [_value(e, "concept:name") for e in events]
    assert names[0] == "确定议题并通知委员"
    assert [_value(e, "lifecycle:transition") for e in events[:2]] == ["schedule", "complete"]
    completed = [e for e in events if _value(e, "lifecycle:transition") == "complete"]
    assert all(_value(e, "org:resource") for e in completed)  # a person's name on each
    assert _value(completed[0], "org:role") == "支部书记"
    times = [_value(e, "time:timestamp") for e in events]
    assert times == sorted(times)

    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/audit/events.csv", query_string=query)
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert {r["case"] for r in rows} == {_value(t, "concept:name") for t in traces}
    assert {"schedule", "assign", "complete"} >= {r["transition"] for r in rows} - {"reassign"}
    ocel = client.get("/audit/events.jsonocel", query_string=query).get_json()
    ids = {o["id"] for o in ocel["objects"]}
    assert {o["type"] for o in ocel["objects"]} == {"procedure", "branch", "person", "task"}
    assert len([i for i in ids if i.startswith("instance:")]) == meetings
    assert len(ocel["events"]) == len(rows)
    declared = {t["name"] for t in ocel["eventTypes"]}
    for event in ocel["events"]:  # every reference resolves, every type is declared
        assert event["type"] in declared
        assert all(r["objectId"] in ids for r in event["relationships"])


def test_the_command_line_writes_the_same_log(demo_year, app, tmp_path):
    db.session.rollback()
    out = tmp_path / "meetings.xes"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "audit",
            "export",
            "--process",
            "branch_committee_meeting",
            "--org",
            "HH01-01",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    log = etree.fromstring(out.read_bytes())
    traces = log.findall("x:trace", NS)
    assert len(traces) == 12  # HH01-01's: the eleven months before, and this month's
    bad = runner.invoke(args=["audit", "export", "--from", "12/01/2026", "--out", str(out)])
    assert bad.exit_code != 0


def test_an_event_is_named_as_the_step_is_drawn_not_by_its_task_title(demo_year, client, app):
    """IEEE 1849's activity is the element as drawn in the model: the committee's confirmation
    is drawn 支委会确认 though its task reads 确认支部创建目标 in the inbox."""
    db.session.rollback()
    log_in(client, "chenziling", app.config["DEMO_PASSWORD"])  # the company's process auditor
    response = client.get(
        "/audit/events.xes", query_string={"process": "branch_target_declaration"}
    )
    assert response.status_code == 200
    log = etree.fromstring(response.data)
    events = log.findall("x:trace/x:event", NS)
    confirmations = [e for e in events if _value(e, "bpmn:element") == "confirm"]
    assert confirmations  # the demo's declared targets were confirmed by their committees
    assert {_value(e, "concept:name") for e in confirmations} == {"支委会确认"}
