"""The request class of the app: bodies that cannot be read as what they claim to be are refused
with a clear message (422) instead of failing further down or being silently altered.

- JSON: ``request.get_json`` is the one way a body becomes JSON, so reading it with the bounded
  parser of app/core/json_input bounds every route that reads one, today's and tomorrow's.
- Form posts (urlencoded): Werkzeug keeps a percent-escape that is not UTF-8 (``%ED%A0%80``, a
  lone surrogate) as the literal text ``%ED%A0%80``, which would then be stored as if typed. No
  browser sends that for a page served as UTF-8, so the whole form is refused and read as empty.
"""

from __future__ import annotations

from typing import Any
from typing import NoReturn
from urllib.parse import unquote_to_bytes

from flask import Request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict

from app.core import json_input
from app.core.errors import ValidationFailed

URLENCODED = "application/x-www-form-urlencoded"


def _is_utf8_form(body: bytes) -> bool:
    try:
        unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class BoundedRequest(Request):
    @property
    def json_module(self) -> Any:
        return json_input

    @json_module.setter
    def json_module(self, _provider: Any) -> None:
        """Flask hands every request the app's JSON provider; bodies keep the bounded parser."""

    def on_json_loading_failed(self, e: ValueError | None) -> NoReturn:
        if isinstance(e, json_input.UnsafeJson):
            raise ValidationFailed(
                _("The request body was refused."),
                {"_body": json_input.problem_message(e.problem)},
            )
        if e is None:  # not sent as application/json
            raise ValidationFailed(_("The request body must be a JSON object."))
        raise ValidationFailed(_("The request body is not valid JSON."))

    def _load_form_data(self) -> None:
        unread = "form" not in self.__dict__
        if unread and self.mimetype == URLENCODED and not _is_utf8_form(self.get_data(cache=True)):
            # Read as empty from now on (the error page must not trip over it again).
            self.__dict__["form"] = self.__dict__["files"] = ImmutableMultiDict()
            raise ValidationFailed(
                _("The form contained text that is not valid UTF-8; nothing was changed.")
            )
        super()._load_form_data()
