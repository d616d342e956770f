"""What ``processes check`` says about a file set: a verdict per file, its problems, and a summary
grouped by what kind of work the models need — as bilingual text or as JSON (the designer
workspace reads the same JSON)."""

from __future__ import annotations

from typing import Any

from app.engine.errors import CATEGORIES
from app.engine.errors import CONVENTION
from app.engine.errors import ENGINE
from app.engine.errors import XML
from app.engine.errors import ModelError
from app.engine.model_check import ModelCheck

SET = "(set)"  # where problems that concern no single file are listed

VERDICTS = {
    True: ("would deploy", "可以部署"),
    False: ("would not deploy", "不能部署"),
}

#: What each category asks of the designer, in the order a designer would tackle them.
CATEGORY_NEEDS = {
    XML: ("not readable as safe, well-formed XML", "不是安全、格式正确的 XML"),
    ENGINE: ("uses something the engine cannot run", "包含引擎无法运行的内容"),
    CONVENTION: (
        "needs BranchFlow's lanes (role codes) and form keys",
        "需要按 BranchFlow 约定设置泳道（角色编码）和表单（formKey）",
    ),
}


def report_data(check: ModelCheck) -> dict[str, Any]:
    """The whole report as plain data: what ``--json`` prints and the text is made from."""
    files = [_file_entry(name, check.problems_of(name)) for name in check.files]
    set_problems = check.set_problems()
    if set_problems:
        files.append(_file_entry(SET, set_problems))
    deployable = sum(1 for entry in files if entry["deployable"] and entry["file"] != SET)
    by_category = {
        category: [entry["file"] for entry in files if category in entry["categories"]]
        for category in CATEGORIES
    }
    return {
        "deployable": check.deployable,
        "verdict_en": VERDICTS[check.deployable][0],
        "verdict_zh": VERDICTS[check.deployable][1],
        "files": files,
        "summary": {
            "files": len(check.files),
            "deployable_files": deployable,
            "problems": len(check.problems),
            "files_by_category": {c: names for c, names in by_category.items() if names},
        },
    }


def _file_entry(name: str, problems: list[ModelError]) -> dict[str, Any]:
    ok = not problems
    problems = sorted(problems, key=lambda p: (CATEGORIES.index(p.category), p.line or 0))
    return {
        "file": name,
        "deployable": ok,
        "verdict_en": VERDICTS[ok][0],
        "verdict_zh": VERDICTS[ok][1],
        "categories": [c for c in CATEGORIES if any(p.category == c for p in problems)],
        "problems": [p.as_dict() for p in problems],
    }


def report_lines(data: dict[str, Any]) -> list[str]:
    lines = []
    for entry in data["files"]:
        lines.append(f"{entry['file']}: {entry['verdict_en']} / {entry['verdict_zh']}")
        lines += [f"  {line}" for p in entry["problems"] for line in problem_lines(p)]
    summary = data["summary"]
    lines += [
        "",
        f"{summary['deployable_files']} of {summary['files']} file(s) would deploy"
        f" / {summary['files']} 个文件中 {summary['deployable_files']} 个可以部署;"
        f" as one set: {data['verdict_en']} / 作为一组：{data['verdict_zh']}",
    ]
    for category, names in summary["files_by_category"].items():
        en, zh = CATEGORY_NEEDS[category]
        lines.append(f"  [{category}] {en} / {zh}: {', '.join(names)}")
    return lines


def problem_lines(problem: dict[str, Any]) -> list[str]:
    """``[category] file:line [element]: English`` and the Chinese below it."""
    where = ":".join(str(p) for p in (problem["file"], problem["line"]) if p)
    element = f" [{problem['element_id']}]" if problem["element_id"] else ""
    return [
        f"[{problem['category']}] {where}{element}: {problem['message_en']}",
        f"    {problem['message_zh']}",
    ]
