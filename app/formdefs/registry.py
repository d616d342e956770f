"""Reading form files and validating submissions against their JSON Schema (draft 2020-12)."""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

MAX_FORM_BYTES = 512 * 1024


class FormFileError(ValueError):
    pass


def read_form_files(directory: Path) -> dict[str, bytes]:
    """Every ``<key>.json`` in ``directory``, by key (the bytes, for hashing and storing)."""
    if not directory.is_dir():
        return {}
    forms = {}
    for path in sorted(directory.glob("*.json")):
        data = path.read_bytes()
        if len(data) > MAX_FORM_BYTES:
            raise FormFileError(f"{path.name}: larger than {MAX_FORM_BYTES // 1024} KiB")
        forms[path.stem] = data
    return forms


def schema_of(form_bytes: bytes, key: str = "?") -> dict[str, Any]:
    try:
        document = json.loads(form_bytes)
    except ValueError as exc:
        raise FormFileError(f"{key}: not valid JSON ({exc})") from None
    schema = document.get("schema", {"type": "object"}) if isinstance(document, dict) else None
    if not isinstance(schema, dict):
        raise FormFileError(f"{key}: 'schema' must be an object")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise FormFileError(f"{key}: invalid JSON Schema ({exc.message})") from None
    return schema


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
            schema_of(form_bytes(), name), format_checker=Draft202012Validator.FORMAT_CHECKER
        )
    return found


def validation_errors(
    schema: Mapping[str, Any] | Draft202012Validator, data: Any
) -> dict[str, str]:
    """Field path → first message in the user's language, for data that does not fit the schema."""
    validator = (
        schema
        if isinstance(schema, Draft202012Validator)
        else Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
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
        "enum": lambda: _("Choose one of the options."),
        "pattern": lambda: _("The format is not right."),
        "format": lambda: _("The format is not right."),
    }
    return str(messages.get(keyword, lambda: _("This value is not accepted."))())
