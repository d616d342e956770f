"""Error pages: every refusal gets a clear message in the user's language and the right status."""

from __future__ import annotations

import logging

from flask import Flask
from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.core.errors import DomainError

log = logging.getLogger(__name__)


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in."),
        403: _("You do not have permission to do this."),
        404: _("This page does not exist, or you cannot see it."),
        405: _("This action is not allowed here."),
        409: _("Someone else changed this in the meantime. Reload the page and try again."),
        413: _("The upload is too large."),
        422: _("The input was refused."),
        429: _("Too many requests. Please wait and try again."),
        500: _("Something went wrong on our side. The error was logged."),
        503: _("The service is temporarily unavailable."),
    }


def _page(status: int, message: str | None = None) -> tuple[str, int]:
    text = message or _messages().get(status, _messages()[400])
    return render_template("errors/error.html", status=status, message=text), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        return _page(400, _("The form has expired or came from elsewhere. Reload and try again."))

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> tuple[str, int]:
        return _page(error.status_code, str(error.message) if error.message else None)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        return _page(error.code or 500)

    if app.testing:
        return  # let tests see the real exception

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        log.exception("unhandled error", exc_info=error)
        return _page(500)
