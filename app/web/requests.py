"""The request class of the app: bodies that cannot be read as what they claim to be are refused
with a clear message (422) instead of failing further down or being silently altered.

- JSON: ``request.get_json`` is the one way a body becomes JSON, so reading it with the bounded
  parser of app/core/json_input bounds every route that reads one, today's and tomorrow's.
- Form posts (urlencoded): Werkzeug keeps a percent-escape that is not UTF-8 (``%ED%A0%80``, a
  lone surrogate) as the literal text ``%ED%A0%80``, which would then be stored as if typed. No
  browser sends that for a page served as UTF-8, so the whole form is refused and read as empty.
- Multipart posts (forms with a file): Werkzeug decodes each text field with ``errors="replace"``,
  so bytes that are not UTF-8 became "\ufffd" and were stored. Text fields are decoded strictly
  here and the form is refused the same way; the files themselves are bytes and untouched.
"""

from __future__ import annotations

import codecs
from typing import IO
from typing import Any
from typing import NoReturn
from urllib.parse import unquote_to_bytes

from flask import Request
from flask_babel import gettext as _
from werkzeug.datastructures import Headers
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.formparser import FormDataParser
from werkzeug.formparser import MultiPartParser

from app.core import json_input
from app.core.errors import ValidationFailed

URLENCODED = "application/x-www-form-urlencoded"


def _is_utf8_form(body: bytes) -> bool:
    try:
        unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _NotUtf8Field(Exception):
    """Not a ValueError on purpose: Werkzeug's parser turns those into a silently empty form."""


_STRICT_UTF8 = "branchflow_strict_utf8"


def _strict_utf8_decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    """UTF-8 whatever error handling the caller asks for (Werkzeug asks for "replace")."""
    try:
        return bytes(data).decode("utf-8"), len(data)
    except UnicodeDecodeError as failure:
        raise _NotUtf8Field from failure


codecs.register(
    lambda name: (
        codecs.CodecInfo(codecs.utf_8_encode, _strict_utf8_decode, name=_STRICT_UTF8)
        if name == _STRICT_UTF8
        else None
    )
)


class _StrictPartsParser(MultiPartParser):
    def get_part_charset(self, headers: Headers) -> str:
        charset = super().get_part_charset(headers)
        return charset if charset == "iso-8859-1" else _STRICT_UTF8  # ASCII is UTF-8 too


class _FormParser(FormDataParser):
    def _parse_multipart(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: dict
    ) -> Any:
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        parser = _StrictPartsParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
        )
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


def _refuse_form(request: Request) -> NoReturn:
    # Read as empty from now on (the error page must not trip over it again).
    request.__dict__["form"] = request.__dict__["files"] = ImmutableMultiDict()
    raise ValidationFailed(
        _("The form contained text that is not valid UTF-8; nothing was changed.")
    )


class BoundedRequest(Request):
    form_data_parser_class = _FormParser

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
            _refuse_form(self)
        try:
            super()._load_form_data()
        except _NotUtf8Field:
            _refuse_form(self)
