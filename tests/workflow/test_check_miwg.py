"""``processes check`` over the BPMN MIWG reference models: models from other tools, full of
things BranchFlow does not run. None may crash the check; each gets a verdict; each problem about
an element names it. (In CI the repository is cloned beside ``shared/``.)"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

MIWG = Path(__file__).resolve().parents[2].parent / "shared" / "miwg"


def _model_files() -> list[Path]:
    if not MIWG.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the MIWG reference models are missing: {MIWG}")
        pytest.skip(f"no MIWG reference models at {MIWG}")
    return sorted(p for p in MIWG.rglob("*") if p.suffix.lower() in (".bpmn", ".dmn"))


def _check(app, *paths: Path) -> tuple[int, dict]:
    result = app.test_cli_runner().invoke(
        args=["processes", "check", "--json", *(str(p) for p in paths)]
    )
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def _assert_sound_report(code: int, data: dict, expected_files: int) -> None:
    entries = [e for e in data["files"] if e["file"] != "(set)"]
    assert len(entries) == expected_files
    for entry in entries:
        assert entry["verdict_en"] in ("would deploy", "would not deploy")
        assert entry["deployable"] == (not entry["problems"])
        for problem in entry["problems"]:
            assert problem["category"] in ("xml", "engine", "convention")
            assert problem["message_en"]
            assert problem["message_zh"]
            if problem["category"] != "xml":  # anything past reading the XML is about an element
                assert problem["element_id"], problem
    assert code == (0 if data["deployable"] else 1)


def test_each_miwg_file_alone(app):
    files = _model_files()
    assert files
    for path in files:
        code, data = _check(app, path)
        _assert_sound_report(code, data, 1)


def test_all_miwg_files_as_one_set(app):
    files = _model_files()
    code, data = _check(app, *files)
    _assert_sound_report(code, data, len(files))
    assert code == 1  # copies of one model define the same process ids


def test_the_text_report_gives_every_miwg_file_a_verdict(app):
    files = _model_files()
    result = app.test_cli_runner().invoke(args=["processes", "check", str(MIWG)])
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.output
    verdicts = {
        line.split(": would")[0]
        for line in result.output.splitlines()
        if line.endswith(("would deploy / 可以部署", "would not deploy / 不能部署"))
    }
    # Files are named by their name, or by their path where tools exported the same name.
    assert len(verdicts) == len(files)
    for path in files:
        assert path.name in verdicts or str(path) in verdicts
