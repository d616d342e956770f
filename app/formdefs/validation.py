"""Checking submitted data against a form's JSON Schema, with messages in the user's language."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from jsonschema import Draft202012Validator
from jsonschema import FormatChecker

from app.formdefs.registry import form_def

FORMAT_CHECKER = FormatChecker()


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_timestamp(value: object) -> bool:
    """RFC 3339 as the pages send it: a date, a time and an offset."""
    if not isinstance(value, str):
        return True
    moment = datetime.fromisoformat(value)
    return "T" in value.upper() and moment.tzinfo is not None


_validators: dict[tuple[str, ...], Draft202012Validator] = {}


def validator_for(
    key: tuple[str, ...], form_bytes: Callable[[], bytes], name: str
) -> Draft202012Validator:
    """A compiled validator per immutable form version (``key``); ``form_bytes`` read on a miss."""
    found = _validators.get(key)
    if found is None:
        if len(_validators) > 1024:
            _validators.clear()
        found = _validators[key] = Draft202012Validator(
            form_def(form_bytes(), name).schema, format_checker=FORMAT_CHECKER
        )
    return found


def validation_errors(
    schema: Mapping[str, Any] | Draft202012Validator, data: Any
) -> dict[str, str]:
    """Field path → first message in the user's language, for data that does not fit the schema."""
    validator = (
        schema
        if isinstance(schema, Draft202012Validator)
        else Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
    )
    errors: dict[str, str] = {}
    for error in validator.iter_errors(data):
        parts = [str(p) for p in error.absolute_path]
        if error.validator == "required" and "'" in error.message:
            parts.append(error.message.split("'")[1])  # the missing field itself
        errors.setdefault(
            ".".join(parts) or "_form", message_for(error.validator, error.validator_value)
        )
    return errors


def message_for(keyword: str, limit: Any) -> str:
    """What a failed JSON Schema keyword means to the person filling in the form."""
    messages = {
        "required": lambda: _("This field is required."),
        "type": lambda: _("Enter a value of the right kind."),
        "minimum": lambda: _("Must be at least %(n)s.", n=limit),
        "exclusiveMinimum": lambda: _("Must be more than %(n)s.", n=limit),
        "maximum": lambda: _("Must be at most %(n)s.", n=limit),
        "exclusiveMaximum": lambda: _("Must be less than %(n)s.", n=limit),
        "minLength": lambda: _("At least %(n)s characters.", n=limit),
        "maxLength": lambda: _("At most %(n)s characters.", n=limit),
        "minItems": lambda: _("Choose at least %(n)s.", n=limit),
        "maxItems": lambda: _("Choose at most %(n)s.", n=limit),
        "uniqueItems": lambda: _("Each entry may appear only once."),
        "enum": lambda: _("Choose one of the options."),
        "const": lambda: _("This must be confirmed."),
        "pattern": lambda: _("The format is not right."),
        "format": lambda: _("The format is not right."),
        "additionalProperties": lambda: _("This value is not accepted."),
    }
    return str(messages.get(keyword, lambda: _("This value is not accepted."))())
