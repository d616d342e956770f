"""What a dry run reports (``dry_run.py``), and how it reads: bilingual text or plain JSON data,
times in the enterprise's local time."""

from __future__ import annotations

import json
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.workflow.due_display import shown


@dataclass
class DryStep:
    element_id: str
    name: str
    #: user_task, or the engine's class of the element (ExclusiveGateway, ServiceTask …).
    kind: str
    role: str | None = None
    #: Where the role is held, and the people who hold it there on the day (or the assignee).
    org_name: str | None = None
    candidates: list[str] = field(default_factory=list)
    due: datetime | None = None
    arrived: datetime | None = None
    form_key: str | None = None
    data_in: dict[str, Any] = field(default_factory=dict)
    data_out: dict[str, Any] = field(default_factory=dict)
    #: What the step's domain action would have written: "+ table: column=value, …".
    effects: list[str] = field(default_factory=list)
    #: For a gateway: the elements it led to.
    path: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class DryRunReport:
    process_key: str
    org_code: str
    org_name: str
    on: date
    steps: list[DryStep] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    finished: bool = False
    #: What the instance waits for at the end when it did not finish (timers, messages).
    waiting: list[str] = field(default_factory=list)


def report_data(report: DryRunReport, zone: ZoneInfo) -> dict[str, Any]:
    data = asdict(report)
    data["on"] = report.on.isoformat()
    for step, raw in zip(data["steps"], report.steps, strict=True):
        step["due"] = shown(raw.due, raw.arrived, zone) if raw.due else None
        step["arrived"] = raw.arrived.astimezone(zone).isoformat() if raw.arrived else None
    return json.loads(json.dumps(data, ensure_ascii=False, default=str))


def report_lines(data: dict[str, Any]) -> list[str]:
    lines = [
        f"dry run / 试运行: {data['process_key']} at / 于 {data['org_code']} {data['org_name']}"
        f" on / 日期 {data['on']} — nothing was kept / 未保存任何数据",
    ]
    for number, step in enumerate(data["steps"], 1):
        lines += _step_lines(number, step)
    if data["finished"]:
        lines.append("result / 结果: the process ends / 流程结束")
    elif data["waiting"]:
        lines.append(
            "result / 结果: the process waits for / 流程等待: " + "; ".join(data["waiting"])
        )
    if data["problems"]:
        lines.append(f"problems / 问题 ({len(data['problems'])}):")
        lines += [f"  - {problem}" for problem in data["problems"]]
    else:
        lines.append("problems / 问题: none / 无")
    return lines


def _step_lines(number: int, step: dict[str, Any]) -> list[str]:
    lines = [f"{number:>3}. [{step['kind']}] {step['element_id']} {step['name']}"]
    if step["kind"] == "user_task":
        people = "、".join(step["candidates"]) or "— nobody / 无人"
        lines.append(f"       role / 角色: {step['role']} @ {step['org_name']} → {people}")
        lines.append(
            f"       due / 期限: {step['due'] or '—'}   form / 表单: {step['form_key'] or '—'}"
        )
    if step["path"]:
        lines.append(f"       path taken / 走向: → {', '.join(step['path'])}")
    if step["data_in"]:
        lines.append(f"       answers / 提交: {_short(step['data_in'])}")
    if step["data_out"]:
        lines.append(f"       sets / 设置: {_short(step['data_out'])}")
    lines += [f"       writes / 写入: {effect}" for effect in step["effects"]]
    lines += [f"       note / 说明: {note}" for note in step["notes"]]
    return lines


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"
