"""Password hashes by the configured method (``PASSWORD_HASH_METHOD``: scrypt in production)."""

from __future__ import annotations

from flask import current_app
from werkzeug.security import generate_password_hash


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
