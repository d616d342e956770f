"""Domain errors: what a command or query raises when it refuses, mapped to HTTP in one place.

Each error carries a message for the user (already translated where raised, or a lazy string), and
never the internals of another organisation: a request for something outside the actor's scope gets
``NotFound``, exactly as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: Any = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    """The thing changed under the actor's feet (claimed, completed, edited by someone else)."""

    status_code = 409
    code = "conflict"


class ValidationFailed(DomainError):
    """Input was refused; ``field_errors`` maps field names to messages."""

    status_code = 422
    code = "invalid"

    def __init__(self, message: Any = None, field_errors: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.field_errors = dict(field_errors or {})
