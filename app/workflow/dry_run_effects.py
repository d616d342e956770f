"""What a dry run's steps would have written (``dry_run.py``): the rows flushed outside the
engine's own bookkeeping, each as one line, and a refused command as one line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core.clock import local_zone
from app.core.errors import DomainError

#: Tables the engine keeps for itself; rows written elsewhere are a step's effects.
BOOKKEEPING = frozenset(
    {
        "process_definitions",
        "process_instances",
        "human_tasks",
        "step_log",
        "instance_snapshots",
        "message_subscriptions",
        "pending_messages",
        "notifications",
        "incidents",
    }
)


class WriteLog:
    """The rows flushed since it was last taken (listen to the session's ``after_flush``)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines

    def collect(self, session: Any, _flush_context: Any) -> None:
        for verb, objects in (("+", session.new), ("~", session.dirty), ("-", session.deleted)):
            for obj in objects:
                table = getattr(obj, "__tablename__", None)
                if table and table not in BOOKKEEPING:
                    self.lines.append(f"{verb} {table}: {row_line(obj)}")


def refusal(where: str, refused: DomainError) -> str:
    fields = "; ".join(f"{k}: {v}" for k, v in getattr(refused, "field_errors", {}).items())
    message = refused.message or refused.code
    return f"{where}: 被拒绝 / refused — {message}" + (f" ({fields})" if fields else "")


def row_line(obj: Any) -> str:
    """A row in a line: its simple columns that hold something (long values cut)."""
    shown = []
    for column in obj.__table__.columns:
        value = getattr(obj, column.key, None)
        if value is None or value == "" or column.key in ("id",):
            continue
        if isinstance(value, datetime):  # shown in the enterprise's time, as every time is
            value = value.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")
        text = str(value)
        shown.append(f"{column.key}={text[:60]}{'…' if len(text) > 60 else ''}")
    return ", ".join(shown[:8])
