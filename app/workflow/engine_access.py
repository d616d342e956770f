"""The app's handle on the engine: one Runtime per app (clock, zone, time limit) and a spec cache.

Specs are immutable once deployed, so parsed spec objects are cached by content hash: a command
loads only the instance's own state, never the model again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from app.core import clock
from app.engine.runtime import Runtime
from app.engine.serializer import load_specs

_KEY = "branchflow.runtime"


def runtime() -> Runtime:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _KEY not in app.extensions:
        app.extensions[_KEY] = Runtime(
            now=clock.current_clock().now,
            zone=clock.local_zone(),
            time_limit=app.config["SCRIPT_TIME_LIMIT_SECONDS"],
        )
    return app.extensions[_KEY]


_specs: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}
_LIMIT = 256


def specs_for(process_key: str, content_hash: str, load_json: Callable[[], str]) -> tuple[Any, Any]:
    """Specs of a definition version, parsed once per process (``load_json`` only on a miss)."""
    key = (process_key, content_hash)
    found = _specs.get(key)
    if found is None:
        if len(_specs) >= _LIMIT:
            _specs.clear()
        found = _specs[key] = load_specs(load_json())
    return found
