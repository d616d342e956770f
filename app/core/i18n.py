"""Language selection: Chinese by default, English on request (a cookie set by the switch)."""

from __future__ import annotations

from flask import current_app
from flask import request

LANGUAGE_COOKIE = "branchflow_lang"


def select_locale() -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE) if request else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
