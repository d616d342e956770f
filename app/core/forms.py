"""Helpers shared by the WTForms of every package."""

from __future__ import annotations

from flask_wtf import FlaskForm

from app.core.errors import ValidationFailed


def show_refusal(form: FlaskForm, refused: ValidationFailed) -> None:
    """Put a command's refusal on the form: messages by field, the rest on top; input is kept."""
    for name, message in refused.field_errors.items():
        field = getattr(form, name, None)
        if field is None:
            form.form_errors.append(str(message))
        else:
            field.errors = [*field.errors, str(message)]
    if refused.message and not refused.field_errors:
        form.form_errors.append(str(refused.message))
