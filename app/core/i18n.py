"""Language selection: Chinese by default, English on request (a cookie set by the switch)."""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask import current_app
from flask import request

LANGUAGE_COOKIE = "branchflow_lang"


def select_locale() -> Locale:
    chosen = request.cookies.get(LANGUAGE_COOKIE) if request else None
    if chosen not in current_app.config["LANGUAGES"]:
        chosen = current_app.config["BABEL_DEFAULT_LOCALE"]
    return _locale(chosen)


@cache
def _locale(code: str) -> Locale:
    """Parsed once: babel looks a code up among all its locales each time (a third of a
    millisecond per page)."""
    return Locale.parse(code)
