"""Error pages: every refusal gets a clear message in the user's language and the right status.

Under /api/ the same refusals are JSON: ``{"error": {"status", "code", "message", "fields"}}``.
"""

from __future__ import annotations

import logging

from flask import Flask
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException

from app.core.errors import DomainError
from app.core.errors import ValidationFailed

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


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


def _page(
    status: int, message: str | None = None, fields: dict | None = None, code: str | None = None
) -> tuple[str | Response, int]:
    text = message or _messages().get(status, _messages()[400])
    if request.path.startswith("/api/"):
        body = {"status": status, "code": code or CODES.get(status, "error"), "message": text}
        if fields:
            body["fields"] = {name: str(value) for name, value in fields.items()}
        response = jsonify(error=body)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response, status
    return render_template("errors/error.html", status=status, message=text), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str | Response, int]:
        return _page(400, _("The form has expired or came from elsewhere. Reload and try again."))

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> tuple[str | Response, int]:
        fields = error.field_errors if isinstance(error, ValidationFailed) else None
        message = str(error.message) if error.message else None
        return _page(error.status_code, message, fields, error.code)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str | Response, int]:
        if error.code == 413:
            # The body was refused unread: the page's own forms must not try to read it again.
            request.__dict__["form"] = request.__dict__["files"] = ImmutableMultiDict()
        return _page(error.code or 500)

    if app.testing:
        return  # let tests see the real exception

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str | Response, int]:
        log.exception("unhandled error", exc_info=error)
        return _page(500)
