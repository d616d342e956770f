"""Template globals shared by every page."""

from __future__ import annotations

import json
import re
from datetime import date
from datetime import datetime

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.clock import local_zone
from app.extensions import db
from app.identity.session import current_scope
from app.notify.queries import count_unread
from app.workflow import due_display


def _local_time(value: datetime | str | None) -> str:
    """A moment in the site's zone (Beijing), whether stored as a datetime or as ISO text (the
    signatures and date-times inside recorded answers); text that is no moment is shown as is."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
        if value.tzinfo is None:  # written by a person in Beijing, not by a server
            value = value.replace(tzinfo=local_zone())
    return value.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def _due(task: object) -> str:
    """A task's deadline (``task.due_at``, ``task.created_at``) as a date, or with its time; a
    bare deadline (a datetime) reads as a date only when it ends a day."""
    if isinstance(task, datetime) or task is None:
        return due_display.shown(task, None, local_zone())
    return due_display.shown(
        getattr(task, "due_at", None), getattr(task, "created_at", None), local_zone()
    )


def _first_sentence(text: str | None) -> str:
    """The first sentence of a description (up to its first full stop), for a one-line summary."""
    if not text:
        return ""
    for stop in ("。", "；", ". "):
        if stop in text:
            return text.split(stop, 1)[0] + stop.strip()
    return text


def _date(value: date | None) -> str:
    return value.isoformat() if value else "—"


def _bilingual(zh: str, en: str | None) -> str:
    """A text the data gives in both languages (the rubric's): the English to a reader of English
    where there is one, else the Chinese."""
    locale = get_locale()
    return en if en and locale is not None and locale.language == "en" else zh


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _language_part(text: str) -> str:
    """A note the system writes in both languages, "中文 / English" (a task's placement in the
    step log): the English part to a reader of English; any other text as it is."""
    zh, sep, en = text.partition(" / ")
    locale = get_locale()
    english = locale is not None and locale.language == "en"
    if sep and english and _CJK.search(zh):  # the English half may hold a person's name
        return en
    return text


def init_app(app: Flask) -> None:
    app.add_template_filter(_local_time, "local_time")
    app.add_template_filter(_date, "day")
    app.add_template_filter(_due, "due")
    app.add_template_filter(_first_sentence, "first_sentence")
    app.add_template_filter(json.loads, "fromjson")
    app.add_template_filter(_language_part, "language_part")
    # Between the items of a list in running text: 、 in Chinese, a comma in English.
    app.add_template_global(_l(", "), "list_sep")
    app.add_template_global(_l(": "), "colon")
    app.add_template_global(_bilingual, "bilingual")

    @app.context_processor
    def _globals() -> dict[str, object]:
        authenticated = bool(current_user and current_user.is_authenticated)
        return {
            "locale": str(get_locale() or "zh_CN"),
            "nav_scope": current_scope if authenticated else None,
            "unread_count": (lambda: count_unread(db.session, current_user.id))
            if authenticated
            else None,
        }
