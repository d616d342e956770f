"""What ``workflow show`` prints about one instance, as bilingual text or as JSON; times in the
enterprise's local time (``BRANCHFLOW_TIMEZONE``, Beijing by default)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.workflow.queries import InstanceOverview


def overview_data(overview: InstanceOverview, zone: ZoneInfo) -> dict[str, Any]:
    """The overview as plain data, every time converted to ``zone`` (ISO 8601 with its offset)."""

    def local(value: object) -> object:
        if isinstance(value, datetime):
            return value.astimezone(zone).isoformat(timespec="seconds")
        if isinstance(value, dict):
            return {k: local(v) for k, v in value.items()}
        if isinstance(value, list):
            return [local(v) for v in value]
        return value

    return {**local(asdict(overview)), "timezone": zone.key}


def overview_lines(data: dict[str, Any]) -> list[str]:
    lines = [
        f"instance / 实例 {data['id']}: {data['process_key']} v{data['version']}"
        f" — {data['status']}",
        f"  organisation / 组织: {data['org_code']} {data['org_name']}",
        f"  business key / 业务键: {data['business_key'] or '-'}",
        f"  initiator / 发起人: {_person(data['initiator_name'], data['initiator_login'])}",
        f"  started / 开始: {_time(data['started_at'])}   ended / 结束: {_time(data['ended_at'])}"
        f"   ({data['timezone']})",
        f"  steps / 步数: {data['step_count']}",
        f"open tasks / 待办任务: {len(data['open_tasks'])}",
    ]
    for task in data["open_tasks"]:
        role = f"{task['role_zh'] or '-'} ({task['role_code'] or '-'})"
        overdue = " OVERDUE / 已超期" if task["overdue"] else ""
        lines += [
            f"  {task['title']} [{task['element_id']}] role / 角色: {role}"
            f" at / 范围: {task['org_code']} {task['org_name']}",
            f"    assignee / 处理人: {_person(task['assignee_name'], task['assignee_login'])}"
            f"   due / 期限: {_time(task['due_at'])}{overdue}",
        ]
    lines.append(f"open incidents / 未解决的故障: {len(data['open_incidents'])}")
    for incident in data["open_incidents"]:
        lines += [
            f"  #{incident['id']} [{incident['element_id'] or '-'}] attempts / 尝试"
            f" {incident['attempts']}, created / 发生 {_time(incident['created_at'])}",
            f"    {incident['message'].splitlines()[0] if incident['message'] else ''}",
        ]
    lines.append(f"next timer / 下一个定时: {_time(data['next_timer_at'])}")
    waits = [
        f"{w['message']} {w['correlations']}" if w["correlations"] else w["message"]
        for w in data["waiting_for_messages"]
    ]
    lines.append(f"waiting for messages / 等待的消息: {', '.join(waits) or '-'}")
    return lines


def _person(name: str | None, login: str | None) -> str:
    return f"{name} ({login})" if login else "-"


def _time(value: str | None) -> str:
    # ISO with offset → "YYYY-MM-DD HH:MM", the form the pages use.
    return value[:16].replace("T", " ") if value else "-"
