"""Replay every instance each test leaves behind (opt-in, for checking replay over all scenarios):

    .venv/bin/python -m pytest -p tests.auditing.replay_plugin tests/processes tests/workflow -m "not e2e"

After each test that used the app, every instance in its database is replayed; the instances
not replayed identically are listed at the end of the run (a test that tampers with a stored
state on purpose shows up there too). It fails no test: it reports.
"""

from __future__ import annotations

import pytest

from app.auditing.replay import replay_all
from app.extensions import db

_FOUND: list[str] = []
_COUNT = [0]


@pytest.fixture(autouse=True)
def _replay_what_the_test_left(request):
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")  # taken now: it is torn down after this fixture
    yield
    with app.app_context():
        db.session.rollback()
        try:
            for result in replay_all(db.session):
                _COUNT[0] += 1
                if not result.identical:
                    _FOUND.append(f"{request.node.nodeid}: {result.describe()}")
        except Exception as crash:  # noqa: BLE001 - reported, the test itself is not at stake
            _FOUND.append(f"{request.node.nodeid}: replay crashed: {crash!r}")
        finally:
            db.session.rollback()


def pytest_terminal_summary(terminalreporter) -> None:
    terminalreporter.section("replay of every instance")
    terminalreporter.write_line(f"{_COUNT[0]} instances replayed, {len(_FOUND)} not identically")
    for line in _FOUND:
        terminalreporter.write_line(line)
