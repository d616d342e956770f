"""The grading pages' one blueprint (``/grading``): each sub-package's ``views`` adds its routes
to it; ``app.grading.registry`` imports them all and registers it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("grading", __name__, url_prefix="/grading")
