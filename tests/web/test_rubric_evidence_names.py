"""The rubric's evidence column names only procedures that exist, by their name, with a link;
no process keys and no citations of internal documents."""

from __future__ import annotations

from pathlib import Path

from app.core.commands import SYSTEM
from app.core.commands import run
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from tests.factories import grant
from tests.factories import make_tree
from tests.factories import make_user

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def test_evidence_names_deployed_procedures_and_links_to_them(client, login, app):
    tree = make_tree()
    make_user("secretary")
    grant("secretary", "branch_secretary", tree.branch1)
    sources = read_model_files([PROCESSES / "meetings" / "party_lecture.bpmn"])
    run(deploy_definitions, actor=SYSTEM, sources=sources)
    login("secretary")
    page = client.get("/grading/rubric").get_data(as_text=True)
    assert '<a href="/inbox/start#process-party_lecture"' in page
    assert ">党课</a>" in page
    for key in ("party_lecture<", "themed_party_day", "branch_committee_meeting", "heart_to_heart"):
        assert key not in page  # neither the deployed key as text nor procedures not deployed
    assert "§" not in page
    assert "业务说明" not in page
