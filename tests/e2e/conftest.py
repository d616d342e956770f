"""Browser tests: the real app on a live server, driven by the system Chromium through Playwright.

One server for the whole session: a SQLite file migrated by the project's migrations, the demo data
loaded (as ``flask demo load``), CSRF on, served by werkzeug on 127.0.0.1 at a free port. Each test
module deploys its processes (``E2E_PROCESSES_DIR``, default: the repository's processes/, with the
forms of ``E2E_FORMS_DIR``, default: forms/), as ``flask processes sync`` does. State is shared by
all tests of the session: write tests that do not depend on what other tests did.

The browser is Debian's ``chromium`` (/usr/bin/chromium, or ``$BRANCHFLOW_CHROMIUM``); Playwright's
own browser downloads are never used. ``scripts/ensure-chromium`` installs it. Without it the tests
are skipped on a developer's machine and fail under CI (``CI=true``).

See tests/e2e/README.md.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from app import create_app
from app.core.commands import cli_actor
from app.core.commands import run
from app.demo.enterprise import DemoSummary
from app.demo.enterprise import load_demo_data
from app.engine.models import DeploymentRefused
from app.worker import Tick
from app.worker import run_once
from app.workflow.deploy import Deployed
from app.workflow.deploy import deploy_definitions
from app.workflow.deploy import read_model_files
from tests.conftest import ROOT
from tests.conftest import make_settings
from tests.conftest import migrate
from tests.e2e.helpers import DEMO_PASSWORD
from tests.e2e.helpers import log_in

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = E2E_DIR / "artifacts"
CHROMIUM = os.environ.get("BRANCHFLOW_CHROMIUM", "/usr/bin/chromium")
DEMO_SEED = 20261123  # the default of `flask demo load`: the README's demo logins hold for it

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
#: How long an action or navigation may take before the test fails (ms); the app is local.
ACTION_TIMEOUT_MS = 10_000

_CONTEXTS = pytest.StashKey[list[BrowserContext]]()


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e carries the ``e2e`` marker, even if its module forgot it."""
    for item in items:
        if item.path.is_relative_to(E2E_DIR) and item.get_closest_marker("e2e") is None:
            item.add_marker(pytest.mark.e2e)


# --- the browser ------------------------------------------------------------------------------


def _unavailable(reason: str) -> None:
    """Under CI a missing browser is a failure; on a developer's machine a skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """The system Chromium, headless (``E2E_HEADED=1`` shows it, given a display)."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(
            f"no Chromium at {CHROMIUM}; install it with scripts/ensure-chromium "
            "(apt-get install -y chromium) or point BRANCHFLOW_CHROMIUM at one"
        )
    headed = os.environ.get("E2E_HEADED") == "1"
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, headless=not headed)
        yield chromium
        chromium.close()


# --- the live server --------------------------------------------------------------------------


class TravelClock:
    """The real time, plus an offset tests may move forward (``live_server.clock.advance(days=3)``)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> datetime:
        self.offset += timedelta(**delta)
        return self.now()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """No line per request: errors are still logged (and collected, see ServerErrors)."""


class ServerErrors(logging.Handler):
    """Collects what the server logs at ERROR level (unhandled exceptions in views, failed
    after-commit effects); an autouse fixture fails the test that caused them."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


@dataclass
class LiveServer:
    """The running app. ``url`` is its base; ``app`` gives an app context for direct queries."""

    app: Flask
    url: str
    tmp: Path
    clock: TravelClock
    demo: DemoSummary
    errors: ServerErrors
    deployed: dict[tuple[Path, Path], list[Deployed]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def deploy(self, processes_dir: Path, forms_dir: Path | None = None) -> list[Deployed]:
        """Deploy every .bpmn/.dmn under ``processes_dir`` as one set (``flask processes sync``),
        checked against the forms of ``forms_dir`` (default: the repository's forms/). Unchanged
        files make no new version; a directory already deployed this session is not read again."""
        forms_dir = Path(forms_dir or ROOT / "forms").resolve()
        processes_dir = Path(processes_dir).resolve()
        key = (processes_dir, forms_dir)
        with self._lock:
            if key in self.deployed:
                return self.deployed[key]
            sources = read_model_files([processes_dir], root=processes_dir)
            results: list[Deployed] = []
            if sources:
                # The forms directory is read at deployment only (the forms are stored with the
                # definition), so a second app object with other FORMS_DIR serves the purpose
                # without touching the settings of the app being served.
                deployer = create_app(
                    make_settings(
                        self.tmp,
                        self.app.config["DATABASE_URL"],
                        FORMS_DIR=forms_dir,
                        PROCESSES_DIR=processes_dir,
                    ),
                    clock=self.clock,
                )
                try:
                    with deployer.app_context():
                        results = run(deploy_definitions, actor=cli_actor(), sources=sources)
                except DeploymentRefused as refused:
                    problems = "\n".join(f"  {e}\n    {e.message_zh}" for e in refused.errors)
                    pytest.fail(
                        f"deployment of {processes_dir} refused:\n{problems}", pytrace=False
                    )
                finally:
                    deployer.extensions["branchflow.db"].dispose()
            self.deployed[key] = results
            return results

    def run_worker(self) -> Tick:
        """One round of the background worker: due timers, overdue notices, message retries."""
        with self.app.app_context():
            return run_once()


@pytest.fixture(scope="session")
def live_server(
    compiled_translations: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{tmp / 'e2e.db'}"  # the browser flows do not depend on the database
    migrate(url, tmp)
    settings = make_settings(
        tmp,
        url,
        # Production behaviour: unexpected errors give the 500 page (and are logged), not a
        # traceback in the response; CSRF is on as everywhere (Config.WTF_CSRF_ENABLED).
        TESTING=False,
        PROCESSES_DIR=ROOT / "processes",
        FORMS_DIR=ROOT / "forms",
        DEMO_PASSWORD=DEMO_PASSWORD,
    )
    clock = TravelClock()
    app = create_app(settings, clock=clock)
    assert app.config["WTF_CSRF_ENABLED"], "browser tests run with CSRF protection on"
    with app.app_context():
        demo = run(load_demo_data, actor=cli_actor(), seed=DEMO_SEED)

    errors = ServerErrors()
    loggers = [logging.getLogger(name) for name in ("app", "werkzeug")]
    for logger in loggers:
        logger.addHandler(errors)
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", tmp, clock, demo, errors)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        for logger in loggers:
            logger.removeHandler(errors)
        app.extensions["branchflow.db"].dispose()


@pytest.fixture(scope="module", autouse=True)
def deployed_processes(live_server: LiveServer, request: pytest.FixtureRequest) -> list[Deployed]:
    """The processes of this test module, deployed: set ``E2E_PROCESSES_DIR`` (and, for forms
    outside the repository's forms/, ``E2E_FORMS_DIR``) in the module to choose them."""
    processes_dir = getattr(request.module, "E2E_PROCESSES_DIR", ROOT / "processes")
    forms_dir = getattr(request.module, "E2E_FORMS_DIR", ROOT / "forms")
    return live_server.deploy(processes_dir, forms_dir)


@pytest.fixture(autouse=True)
def no_server_errors(live_server: LiveServer) -> Iterator[None]:
    """Fail the test if the server logged an error while it ran (e.g. a 500 from a view)."""
    before = len(live_server.errors.records)
    yield
    new = live_server.errors.records[before:]
    if new:
        pytest.fail("the server logged errors during the test:\n" + "\n".join(new), pytrace=False)


# --- pages ------------------------------------------------------------------------------------


@dataclass
class _Console:
    """What a page said on its console and what it threw, for the failure report."""

    messages: list[str] = field(default_factory=list)
    uncaught: list[str] = field(default_factory=list)


@pytest.fixture
def new_page(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """``new_page()`` (desktop) or ``new_page(phone=True)``: a page in a fresh browser context
    (its own cookies: one per user when a test needs several people at once). Chinese locale,
    Beijing time, the live server as ``base_url``. Closed after the test; screenshotted first if
    the test failed. Fails the test on uncaught JavaScript errors."""
    contexts = request.node.stash.setdefault(_CONTEXTS, [])
    consoles: list[_Console] = []

    def make(*, phone: bool = False, **options: Any) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            **{**(PHONE if phone else DESKTOP), **options},
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        console = _Console()
        consoles.append(console)
        page.on("console", lambda m: console.messages.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.uncaught.append(str(e)))
        page.console = console  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()
    uncaught = [text for console in consoles for text in console.uncaught]
    if uncaught:
        pytest.fail("uncaught JavaScript errors:\n" + "\n".join(uncaught), pytrace=False)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A desktop page (1280×800), not signed in."""
    return new_page()


@pytest.fixture
def phone_page(new_page: Callable[..., Page]) -> Page:
    """A phone page (390×844, touch, mobile viewport), not signed in."""
    return new_page(phone=True)


@pytest.fixture
def login() -> Callable[..., Page]:
    """``login(page, "chenjinpeng")``: sign in through the real form (demo password by default)."""
    return log_in


# --- screenshots of failed tests --------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    """Screenshots in tests/e2e/artifacts/ are those of the last run only."""
    if ARTIFACTS.is_dir():
        shutil.rmtree(ARTIFACTS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.when == "teardown" or not report.failed:
        return
    contexts = item.stash.get(_CONTEXTS, [])
    pages = [p for context in contexts for p in context.pages if not p.is_closed()]
    if not pages:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", item.name).strip("_")
    lines = []
    for number, shown in enumerate(pages, start=1):
        target = ARTIFACTS / (f"{stem}.png" if number == 1 else f"{stem}-{number}.png")
        try:
            shown.screenshot(path=str(target), full_page=True, timeout=ACTION_TIMEOUT_MS)
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the failure
            lines.append(f"{shown.url}: no screenshot ({exc})")
            continue
        lines.append(f"{shown.url}\n  screenshot: {target.relative_to(ROOT)}")
        console = getattr(shown, "console", None)
        if console and console.messages:
            lines.append("  console:\n" + "\n".join(f"    {m}" for m in console.messages[-20:]))
    report.sections.append(("e2e pages at failure", "\n".join(lines)))
