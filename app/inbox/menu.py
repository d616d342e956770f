"""What every page shows of the inbox: the to-do count on the menu (and the home page), and the
filters that show its times as people read them."""

from __future__ import annotations

from datetime import datetime

from flask import g
from flask_login import current_user

from app.core import clock
from app.extensions import db
from app.inbox.queries import TODO
from app.inbox.queries import View
from app.inbox.queries import view_counts


def todo_context() -> dict[str, object]:
    """``todo_count()`` for the menu's badge and the home page: the size of the default view, read
    when a page first asks for it and kept for the rest of the request (one query per page)."""
    if not (current_user and current_user.is_authenticated):
        return {"todo_count": None}
    return {"todo_count": todo_count}


def todo_count() -> int:
    if "todo_count" not in g:
        g.todo_count = view_counts(db.session, current_user.id, clock.local_today(), views=TODO)[
            View.TODO.value
        ]
    return g.todo_count


def local_day(value: datetime | None) -> str:
    """The local (Beijing by default) date of a moment, as on the upcoming list's start dates."""
    return value.astimezone(clock.local_zone()).date().isoformat() if value else "—"
