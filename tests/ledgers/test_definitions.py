"""Ledger files (issue 15 item 5): the shipped ones load, a broken one is refused by its path."""

from __future__ import annotations

import json
from pathlib import Path

from app.ledgers.cli import ledgers_cli
from app.ledgers.definitions import check_directory
from tests.conftest import ROOT

GOOD = {
    "title": "党课记录",
    "x-title-en": "Party lecture register",
    "process_keys": ["party_lecture"],
    "date_field": "lecture_at",
    "columns": [{"field": "title", "title": "题目", "x-title-en": "Title"}],
}


def _write(folder: Path, name: str, document: dict) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(document, ensure_ascii=False), "utf-8")


def test_every_shipped_ledger_loads_with_its_english():
    ledgers, problems = check_directory(ROOT / "ledgers")
    assert problems == []
    assert {
        "branch_committee_minutes",
        "general_assembly_minutes",
        "party_group_minutes",
        "party_lecture_register",
        "attendance_register",
        "decisions_follow_up",
    } <= set(ledgers)
    for ledger in ledgers.values():
        assert ledger.title_en
        assert all(c.title_en or not c.title for c in ledger.columns)


def test_a_broken_ledger_is_refused_naming_the_file_and_the_place(tmp_path):
    folder = tmp_path / "ledgers"
    _write(folder, "good", GOOD)
    broken = {**GOOD, "rows": "everyone"}
    broken["columns"] = [
        {"field": "title", "title": "题目"},
        {"field": "item.owner", "title": "责任人", "x-title-en": "Owner", "show": "colour"},
    ]
    _write(folder, "broken", broken)
    ledgers, problems = check_directory(folder)
    assert set(ledgers) == {"good"}
    assert "ledgers/broken.json: columns[0].x-title-en: required beside title" in problems
    assert "ledgers/broken.json: columns[1].field: item.owner needs rows by items" in problems
    assert any(p.startswith("ledgers/broken.json: columns[1].show: one of") for p in problems)
    assert any(p.startswith("ledgers/broken.json: rows:") for p in problems)


def test_chinese_without_english_is_refused_as_forms_are(tmp_path):
    folder = tmp_path / "ledgers"
    _write(folder, "untranslated", {**GOOD, "description": "每次党课"})
    _ledgers, problems = check_directory(folder)
    assert problems == ["ledgers/untranslated.json: description: Chinese text without its English"]


def test_the_check_command_fails_on_a_broken_file(app, tmp_path):
    folder = tmp_path / "ledgers"
    _write(folder, "unknown_process", {**GOOD, "process_keys": ["no_such_process"]})
    app.config["LEDGERS_DIR"] = str(folder)
    result = app.test_cli_runner().invoke(ledgers_cli, ["check"])
    assert result.exit_code == 1
    assert "ledgers/unknown_process.json: process_keys: no model" in result.output


def test_the_check_command_passes_on_the_shipped_files(app):
    app.config["LEDGERS_DIR"] = str(ROOT / "ledgers")
    result = app.test_cli_runner().invoke(ledgers_cli, ["check"])
    assert result.exit_code == 0, result.output
    assert "0 problems" in result.output
