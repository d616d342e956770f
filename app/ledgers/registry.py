"""The ledger files, read once at start-up, and the pages' registration."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask import current_app

from app.ledgers.definitions import LedgerDef
from app.ledgers.definitions import check_directory
from app.ledgers.policy import LEDGER_READERS

_KEY = "ledgers"
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Read every ledger file once. A broken file is left out and logged rather than stopping
    the app (the other ledgers stay usable); ``flask ledgers check`` and the tests refuse it."""
    from app.ledgers import archive_views  # noqa: F401, PLC0415 - adds the archive pages to bp
    from app.ledgers.views import bp  # noqa: PLC0415 - the views read this module's registry

    ledgers, problems = check_directory(ledgers_dir(app))
    for line in problems:
        log.error("ledger file refused: %s", line)
    app.extensions[_KEY] = ledgers
    app.register_blueprint(bp)
    # The menu shows "Ledgers" to those who hold a role that reads them.
    app.add_template_global(sorted(LEDGER_READERS), "ledger_roles")


def ledgers_dir(app: Flask) -> Path:
    return Path(app.config.get("LEDGERS_DIR") or Path(app.root_path).parent / "ledgers")


def all_ledgers() -> dict[str, LedgerDef]:
    return current_app.extensions[_KEY]
