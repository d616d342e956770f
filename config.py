"""Settings for BranchFlow.

Every value comes from the environment, with a default that suits a developer's machine. This module
imports nothing from ``app/`` so that tools (alembic, gunicorn, tests) can read settings alone.

Select a settings class with ``BRANCHFLOW_ENV`` (``development`` — the default —, ``production`` or
``test``). ``create_app`` also accepts a settings object directly, which is what the tests do.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` spellings and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_or_create_secret_key(instance_dir: Path) -> str:
    """Return the key kept in ``instance/secret_key``, generating it on first use.

    The key is created with ``O_EXCL`` and mode 0600, so two processes starting at once agree on
    one key and no other local user can read it.
    """
    path = instance_dir / "secret_key"
    instance_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if not key:
            raise RuntimeError(f"{path} is empty; delete it to generate a new key") from None
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


class Config:
    """Settings shared by every environment. Instantiate to read the environment."""

    ENV_NAME = "development"
    DEBUG = False
    TESTING = False
    #: How account passwords are hashed (werkzeug's method string): scrypt, slow on purpose.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hashing method, not a password

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.INSTANCE_DIR = Path(env.get("BRANCHFLOW_INSTANCE_DIR", str(BASE_DIR / "instance")))
        default_db = f"sqlite:///{self.INSTANCE_DIR / 'branchflow.db'}"
        self.DATABASE_URL = normalise_database_url(env.get("DATABASE_URL") or default_db)
        self.SECRET_KEY = env.get("SECRET_KEY") or load_or_create_secret_key(self.INSTANCE_DIR)

        # Sessions: HttpOnly and SameSite always; Secure wherever the site is served over HTTPS.
        self.SESSION_COOKIE_NAME = "branchflow_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _flag(env.get("SESSION_COOKIE_SECURE"), self._secure_default)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PERMANENT_SESSION_LIFETIME = int(env.get("SESSION_LIFETIME_SECONDS", 8 * 3600))

        # CSRF on every POST; tokens live as long as the session.
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None

        # Requests larger than this are refused before any view runs.
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", 20 * 1024 * 1024))

        # The enterprise works on China Standard Time: role validity and deadlines are local dates.
        self.TIMEZONE = env.get("BRANCHFLOW_TIMEZONE", "Asia/Shanghai")
        self.BABEL_DEFAULT_LOCALE = "zh_CN"
        self.BABEL_DEFAULT_TIMEZONE = self.TIMEZONE
        self.LANGUAGES = ("zh_CN", "en")

        # Failed logins: after THRESHOLD failures within WINDOW seconds the key is locked for
        # BASE seconds, doubling with each further failure, up to MAX seconds.
        self.LOGIN_ACCOUNT_THRESHOLD = int(env.get("LOGIN_ACCOUNT_THRESHOLD", 5))
        self.LOGIN_ADDRESS_THRESHOLD = int(env.get("LOGIN_ADDRESS_THRESHOLD", 20))
        self.LOGIN_WINDOW_SECONDS = int(env.get("LOGIN_WINDOW_SECONDS", 15 * 60))
        self.LOGIN_LOCK_BASE_SECONDS = int(env.get("LOGIN_LOCK_BASE_SECONDS", 30))
        self.LOGIN_LOCK_MAX_SECONDS = int(env.get("LOGIN_LOCK_MAX_SECONDS", 15 * 60))

        # Number of reverse proxies in front of the app whose X-Forwarded-For may be trusted.
        self.PROXY_FIX_X_FOR = int(env.get("PROXY_FIX_X_FOR", 0))

        self.DEMO_PASSWORD = env.get("BRANCHFLOW_DEMO_PASSWORD", "demo123456")

        # Process engine: where models and forms live, and the limits deployment and runs obey.
        self.PROCESSES_DIR = Path(env.get("BRANCHFLOW_PROCESSES_DIR", str(BASE_DIR / "processes")))
        self.FORMS_DIR = Path(env.get("BRANCHFLOW_FORMS_DIR", str(BASE_DIR / "forms")))
        # How often each 三会一课 meeting is required (app/meetings/schedule.toml).
        default_schedule = BASE_DIR / "app" / "meetings" / "schedule.toml"
        self.MEETING_SCHEDULE_FILE = Path(
            env.get("BRANCHFLOW_MEETING_SCHEDULE", str(default_schedule))
        )
        # Public holidays and adjusted working days, for deadlines counted in working days.
        default_calendar = BASE_DIR / "app" / "workflow" / "working_calendar.toml"
        self.WORKING_CALENDAR_FILE = Path(
            env.get("BRANCHFLOW_WORKING_CALENDAR", str(default_calendar))
        )
        # Uploaded files, by content hash; outside the web root, served only through /files/<id>.
        self.FILES_DIR = Path(env.get("BRANCHFLOW_FILES_DIR", str(self.INSTANCE_DIR / "files")))
        # A request body above this is refused before it is read (each file has its own limit).
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", 64 * 1024 * 1024))
        self.MODEL_MAX_BYTES = int(env.get("MODEL_MAX_BYTES", 5 * 1024 * 1024))
        self.MODEL_STEP_BOUND = int(env.get("MODEL_STEP_BOUND", 300))
        # The designer workspace: a process designer's publish request waits for the company
        # organisation department's approval (False: the designer publishes in one step), and
        # the largest .bpmn/.dmn file a designer may import.
        self.DESIGNER_PUBLISH_APPROVAL = _flag(env.get("DESIGNER_PUBLISH_APPROVAL"), True)
        self.DESIGNER_UPLOAD_MAX_BYTES = int(env.get("DESIGNER_UPLOAD_MAX_BYTES", 2 * 1024 * 1024))
        # Runaways at run time become incidents: automatic steps in one engine run, and how deep
        # an instance's task tree may grow (rework loops add to it; the library fails at 1000).
        self.MODEL_RUN_STEP_BOUND = int(env.get("MODEL_RUN_STEP_BOUND", 1000))
        self.MODEL_DEPTH_BOUND = int(env.get("MODEL_DEPTH_BOUND", 800))
        # Model code runs in sandbox processes bounded by the kernel (app/engine/jail.py): CPU
        # seconds and memory per evaluation, the largest value one evaluation may return, and the
        # wall-clock budget of all evaluations of one engine run (one command's worth of steps).
        self.SCRIPT_TIME_LIMIT_SECONDS = max(1, int(float(env.get("SCRIPT_TIME_LIMIT_SECONDS", 2))))
        self.SCRIPT_MEMORY_LIMIT_MB = int(env.get("SCRIPT_MEMORY_LIMIT_MB", 256))
        self.SCRIPT_MAX_VALUE_BYTES = int(env.get("SCRIPT_MAX_VALUE_BYTES", 4 * 1024 * 1024))
        self.SCRIPT_RUN_BUDGET_SECONDS = float(env.get("SCRIPT_RUN_BUDGET_SECONDS", 10))
        # Most instances one multi-instance activity may create: a larger collection or
        # loopCardinality is an incident before any task exists (a literal: refused at deploy).
        self.MODEL_MULTI_INSTANCE_BOUND = int(env.get("MODEL_MULTI_INSTANCE_BOUND", 300))
        # A Chinese name or documentation without its English refuses a model (engine/english.py):
        # the English pages would show Chinese. Tests turn it on where they test it or check the
        # shipped models; the engine's own test models are written in one language.
        default = "1" if self._english_required_default else "0"
        self.MODEL_ENGLISH_REQUIRED = env.get("MODEL_ENGLISH_REQUIRED", default) == "1"
        self.WORKER_INTERVAL_SECONDS = float(env.get("WORKER_INTERVAL_SECONDS", 5.0))

    _secure_default = False
    _english_required_default = True


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class ProductionConfig(Config):
    ENV_NAME = "production"
    _secure_default = True


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    #: One round: the suite creates thousands of accounts, and scrypt made a quarter of the time of
    #: a test that creates people; tests/identity/test_password_hashing.py keeps production honest.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"  # noqa: S105 - a hashing method
    _english_required_default = False


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def config_from_environment(environ: Mapping[str, str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    name = env.get("BRANCHFLOW_ENV", "development")
    try:
        return CONFIGS[name](env)
    except KeyError:
        known = ", ".join(sorted(CONFIGS))
        raise RuntimeError(f"BRANCHFLOW_ENV={name!r} is not one of: {known}") from None
