"""The timing-rule engine (``notBefore``): a rule counts from a recorded date, in calendar or
working days; a completion before the first allowed day, or a date entered before it, is refused
with the rule, its article and that day; deployment refuses a task naming an unknown rule."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.extensions import db
from app.identity.models import Person
from app.workflow.deploy import check_sources
from app.workflow.timing_rules import check_not_before
from app.workflow.timing_rules import read_rules
from app.workflow.timing_rules import timing_rules
from tests.conftest import ROOT

INTAKE = ROOT / "processes" / "members" / "membership_application_intake.bpmn"


def _beijing_morning(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T02:00:00").replace(tzinfo=UTC)


def test_the_rule_file_of_member_development_is_loaded(app):
    rules = timing_rules()
    assert rules["activist_one_year"].at_least == "P1Y"
    assert "第十三条" in rules["activist_one_year"].article


def test_a_year_counts_to_the_same_day_of_the_next_year(app):
    data = {"activist_date": "2026-11-23"}
    with pytest.raises(ValidationFailed) as refused:
        check_not_before("activist_one_year", data, {}, _beijing_morning("2027-11-22"))
    assert "2027-11-23" in refused.value.message
    assert "一年以上" in refused.value.message
    check_not_before(
        "activist_one_year", data, {"gate_on": "2027-11-23"}, _beijing_morning("2027-11-23")
    )


def test_working_days_skip_the_weekend_and_new_year(app):
    data = {"publicity_start": "2026-12-29"}  # a Tuesday
    with pytest.raises(ValidationFailed) as refused:
        check_not_before("activist_publicity", data, {}, _beijing_morning("2027-01-05"))
    assert "2027-01-06" in refused.value.message
    check_not_before("activist_publicity", data, {}, _beijing_morning("2027-01-06"))


def test_a_date_entered_before_the_rule_allows_is_refused_on_its_field(app):
    data = {"first_review_on": "2027-01-15"}
    with pytest.raises(ValidationFailed) as refused:
        check_not_before(
            "second_half_year_review",
            data,
            {"reviewed_on": "2027-07-01"},
            _beijing_morning("2027-08-01"),
        )
    assert "reviewed_on" in refused.value.field_errors


def test_a_missing_start_date_is_refused_not_ignored(app):
    with pytest.raises(ValidationFailed) as refused:
        check_not_before("activist_one_year", {}, {}, _beijing_morning("2030-01-01"))
    assert "_form" in refused.value.field_errors


def test_a_rule_file_with_a_wrong_duration_is_refused(tmp_path: Path):
    broken = tmp_path / "rules.toml"
    broken.write_text(
        '[[rule]]\nid = "x"\nzh = "x"\nen = "x"\narticle = "x"\narticle_en = "x"\n'
        'after = "d"\nat_least = "one year"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="rule x"):
        read_rules(broken)


def test_deployment_refuses_a_task_naming_an_unknown_rule(app):
    app.config["FORMS_DIR"] = ROOT / "forms"
    source = INTAKE.read_bytes()
    assert not check_sources({"intake.bpmn": source}).problems
    wrong = source.replace(
        b'<spiffworkflow:property name="formKey" value="dev_interview"/>',
        b'<spiffworkflow:property name="formKey" value="dev_interview"/>'
        b'<spiffworkflow:property name="notBefore" value="no_such_rule"/>',
    )
    problems = check_sources({"intake.bpmn": wrong}).problems
    assert [p.element_id for p in problems if "no_such_rule" in p.message_en] == ["interview"]


def test_a_rule_may_count_from_a_key_date_on_the_persons_record(app, demo):
    activist = db.session.scalars(
        select(Person).where(Person.branch_id == demo.branch.id, Person.activist_date.is_not(None))
    ).first()
    first_day = activist.activist_date.replace(year=activist.activist_date.year + 1)
    day_before = (first_day - timedelta(days=1)).isoformat()
    data = {"candidate": activist.id}
    with pytest.raises(ValidationFailed) as refused:
        check_not_before(
            "target_after_one_year", data, {}, _beijing_morning(day_before), db.session
        )
    assert first_day.isoformat() in refused.value.message
    check_not_before(
        "target_after_one_year",
        data,
        {"decided_on": first_day.isoformat()},
        _beijing_morning(first_day.isoformat()),
        db.session,
    )


def test_a_rule_file_naming_an_unknown_key_date_is_refused(tmp_path: Path):
    broken = tmp_path / "rules.toml"
    broken.write_text(
        '[[rule]]\nid = "y"\nzh = "y"\nen = "y"\narticle = "y"\narticle_en = "y"\n'
        'after = "candidate"\nat_least = "P1Y"\nperson_date = "birthday"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="person_date"):
        read_rules(broken)
