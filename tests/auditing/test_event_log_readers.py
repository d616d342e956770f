"""The event logs open in an independent process-mining tool (issue 13 item 6): r4pm, the Python
bindings of Rust4PM (MIT or Apache-2.0, pinned in requirements-dev.txt), reads our XES and OCEL
2.0 files with its own parsers and counts the same cases, events and objects the search found.

No package on the registries this project reaches ships the published XES XSD or OCEL 2.0 JSON
schema under a permissive licence (the README lists what was examined), so a second reader
that was written without us stands in for schema validation; its OCEL reader is strict about the
standard's required fields, which the last test shows."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import r4pm
from r4pm import bindings
from sqlalchemy import func
from sqlalchemy import select

from app.extensions import db
from app.workflow.models import ProcessInstance
from tests.conftest import log_in

PROCESS = "branch_committee_meeting"


@pytest.fixture
def reader() -> Iterator[None]:
    """The reader keeps what it loads in a process-wide registry: dropped after each test."""
    before = {item["id"] for item in r4pm.list_items()}
    yield
    for item in r4pm.list_items():
        if item["id"] not in before:
            r4pm.remove_item(item["id"])


def _download(client, app, tmp_path: Path, query: dict[str, str]) -> dict[str, Path]:
    """The demo year's logs as the company's auditor downloads them: XES and OCEL files."""
    db.session.rollback()
    log_in(client, "chenziling", app.config["DEMO_PASSWORD"])
    files = {}
    for name, route in (("xes", "/audit/events.xes"), ("ocel", "/audit/events.jsonocel")):
        response = client.get(route, query_string=query)
        assert response.status_code == 200
        files[name] = tmp_path / f"log.{'xes' if name == 'xes' else 'json'}"
        files[name].write_bytes(response.data)
    return files


@pytest.fixture
def exported(demo_year, client, app, tmp_path, reader) -> dict[str, Path]:
    """The demo year's committee meetings."""
    return _download(client, app, tmp_path, {"process": PROCESS})


def _instances() -> int:
    return db.session.scalar(select(func.count()).where(ProcessInstance.process_key == PROCESS))


def test_the_xes_log_opens_with_one_case_per_instance_and_the_drawn_step_names(exported):
    log = r4pm.import_item("EventLog", str(exported["xes"]))
    projection = bindings.log_to_activity_projection(log)
    assert bindings.get_num_cases(projection) == _instances()
    assert set(bindings.get_projection_activities(projection)) == {
        "确定议题并通知委员",
        "召开会议",
        "集体讨论作出决定",
        "记录签字归档",
        "决定事项落实反馈",
    }
    # The most frequent path is a meeting held from agenda to follow-up, each step offered then
    # completed (the classifier joins name and transition; the projection shows the names).
    commonest = bindings.get_variants(projection)[0]
    assert commonest["activities"][::2] == [
        "确定议题并通知委员",
        "召开会议",
        "集体讨论作出决定",
        "记录签字归档",
        "决定事项落实反馈",
    ]


def test_the_ocel_log_opens_with_every_event_and_object(exported):
    ours = json.loads(exported["ocel"].read_text(encoding="utf-8"))
    ocel = r4pm.convert_item(r4pm.import_item("OCEL", str(exported["ocel"])), "SlimLinkedOCEL")
    assert bindings.num_events(ocel) == len(ours["events"])
    assert bindings.num_objects(ocel) == len(ours["objects"])
    stats = bindings.ocel_type_stats(ocel)
    assert stats["object_type_counts"]["procedure"] == _instances()
    assert set(stats["object_type_counts"]) == {"procedure", "branch", "person", "task"}
    assert stats["event_type_counts"] == dict(Counter(e["type"] for e in ours["events"]))


def test_the_reader_refuses_an_ocel_log_missing_a_required_field(exported, tmp_path):
    broken = json.loads(exported["ocel"].read_text(encoding="utf-8"))
    del broken["events"][0]["time"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(TypeError, match="missing field `time`"):
        r4pm.import_item("OCEL", str(path))


def test_every_procedure_of_the_demo_year_opens_including_the_stopped_ones(
    demo_year, client, app, tmp_path, reader
):
    """No procedure filter: the meetings, the grading cycle at every stage, next year's targets and
    the two declarations stopped by an incident, all read back as cases and objects."""
    files = _download(client, app, tmp_path, {})
    log = r4pm.import_item("EventLog", str(files["xes"]))
    projection = bindings.log_to_activity_projection(log)
    instances = db.session.scalar(select(func.count()).select_from(ProcessInstance))
    assert bindings.get_num_cases(projection) == instances
    steps = set(bindings.get_projection_activities(projection))
    assert {"支部自评", "二级单位审核", "支委会确认", "召开会议"} <= steps
    ours = json.loads(files["ocel"].read_text(encoding="utf-8"))
    ocel = r4pm.convert_item(r4pm.import_item("OCEL", str(files["ocel"])), "SlimLinkedOCEL")
    assert bindings.num_events(ocel) == len(ours["events"])
    assert bindings.num_objects(ocel) == len(ours["objects"])
