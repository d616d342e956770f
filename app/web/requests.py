"""The request class of the app: JSON bodies are read by the bounded parser of app/core/json_input.

``request.get_json`` is the one way a body becomes JSON, so bounding it here bounds every route
that reads one, today's and tomorrow's; a refusal is a 422 in the error shape of the page or API.
"""

from __future__ import annotations

from typing import Any
from typing import NoReturn

from flask import Request
from flask_babel import gettext as _

from app.core import json_input
from app.core.errors import ValidationFailed


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
