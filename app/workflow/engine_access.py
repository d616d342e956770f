"""The app's handle on the engine: one Runtime per app (clock, zone, time limit) and a spec cache.

Specs are immutable once deployed, so parsed spec objects are cached by content hash: a command
loads only the instance's own state, never the model again.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import current_app

from app.core import clock
from app.core.commands import command_time
from app.engine.runtime import Bounds
from app.engine.runtime import Instance
from app.engine.runtime import Runtime
from app.engine.sandbox import Limits
from app.engine.serializer import load_specs
from app.engine.workdays import WorkingCalendar
from app.engine.workdays import parse_calendar

_KEY = "branchflow.runtime"


def runtime() -> Runtime:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _KEY not in app.extensions:
        limits = Limits(
            cpu_seconds=app.config["SCRIPT_TIME_LIMIT_SECONDS"],
            memory_bytes=app.config["SCRIPT_MEMORY_LIMIT_MB"] * 1024 * 1024,
            max_value_bytes=app.config["SCRIPT_MAX_VALUE_BYTES"],
            zone=clock.local_zone().key,
            calendar_toml=_calendar()[0],
        )
        live = clock.current_clock().now
        app.extensions[_KEY] = Runtime(
            now=lambda: command_time() or live(),  # a command's steps share its logged time
            limits=limits,
            run_budget=app.config["SCRIPT_RUN_BUDGET_SECONDS"],
            bounds=Bounds(
                steps_per_run=app.config["MODEL_RUN_STEP_BOUND"],
                depth=app.config["MODEL_DEPTH_BOUND"],
            ),
            multi_instance_bound=app.config["MODEL_MULTI_INSTANCE_BOUND"],
        )
    return app.extensions[_KEY]


_CALENDAR_KEY = "branchflow.working_calendar"


def working_calendar() -> WorkingCalendar:
    """The public holidays and adjusted working days of ``WORKING_CALENDAR_FILE``."""
    return _calendar()[1]


def _calendar() -> tuple[str, WorkingCalendar]:
    """The calendar file's text (for the sandbox processes) and the calendar, read once per app;
    a broken file stops the app at its first engine run rather than miscounting quietly."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if _CALENDAR_KEY not in app.extensions:
        text = Path(app.config["WORKING_CALENDAR_FILE"]).read_text(encoding="utf-8")
        app.extensions[_CALENDAR_KEY] = (text, parse_calendar(text))
    return app.extensions[_CALENDAR_KEY]


_HOT_KEY = "branchflow.hot_instances"
_HOT_LIMIT = 200


def take_hot(instance_id: int, row_version: int) -> Instance | None:
    """The in-memory instance this process saved last, if the row has not changed since.

    Taken out of the cache (not shared): a command that fails after mutating it leaves nothing
    stale behind, and the next command simply loads from the database.
    """
    hot: OrderedDict[int, tuple[int, Instance]] = current_app.extensions.setdefault(
        _HOT_KEY, OrderedDict()
    )
    found = hot.pop(instance_id, None)
    if found is None or found[0] != row_version:
        return None
    return found[1]


def keep_hot(instance_id: int, row_version: int, instance: Instance) -> None:
    """Remember an instance as committed at ``row_version`` (call after the commit only)."""
    hot: OrderedDict[int, tuple[int, Instance]] = current_app.extensions.setdefault(
        _HOT_KEY, OrderedDict()
    )
    hot[instance_id] = (row_version, instance)
    hot.move_to_end(instance_id)
    while len(hot) > _HOT_LIMIT:
        hot.popitem(last=False)


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


_forms: dict[tuple[str, str, str], bytes] = {}


def form_bytes_for(
    process_key: str, content_hash: str, form_key: str, load_json: Callable[[], str]
) -> bytes:
    """The JSON of a form as a definition version pinned it, read once per process: a version
    never changes (its content hash covers its forms), so a command needs no query for it."""
    key = (process_key, content_hash, form_key)
    found = _forms.get(key)
    if found is None:
        if len(_forms) >= 4 * _LIMIT:
            _forms.clear()
        for name, text in json.loads(load_json()).items():
            _forms[(process_key, content_hash, name)] = text.encode()
        found = _forms[key]
    return found
