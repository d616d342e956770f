"""Settings and the application factory."""

from __future__ import annotations

import stat

import pytest

from app import create_app
from config import DevelopmentConfig
from config import ProductionConfig
from config import config_from_environment
from config import normalise_database_url


def test_default_database_is_a_sqlite_file_under_instance(tmp_path):
    settings = DevelopmentConfig({"BRANCHFLOW_INSTANCE_DIR": str(tmp_path)})
    assert f"sqlite:///{tmp_path / 'branchflow.db'}" == settings.DATABASE_URL


@pytest.mark.parametrize(
    ("given", "used"),
    [
        (
            "postgresql://postgres@127.0.0.1:5432/bf",
            "postgresql+psycopg://postgres@127.0.0.1:5432/bf",
        ),
        ("postgres://u:p@db/bf", "postgresql+psycopg://u:p@db/bf"),
        ("postgresql+psycopg://u@db/bf", "postgresql+psycopg://u@db/bf"),
    ],
)
def test_database_url_selects_psycopg3(given, used):
    assert normalise_database_url(given) == used


def test_secret_key_is_generated_once_kept_private_and_reused(tmp_path):
    first = DevelopmentConfig({"BRANCHFLOW_INSTANCE_DIR": str(tmp_path)}).SECRET_KEY
    second = DevelopmentConfig({"BRANCHFLOW_INSTANCE_DIR": str(tmp_path)}).SECRET_KEY
    assert first == second
    assert len(first) >= 48
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_secret_key_from_the_environment_wins(tmp_path):
    settings = DevelopmentConfig(
        {"BRANCHFLOW_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "from-env"}
    )
    assert settings.SECRET_KEY == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_production_cookies_are_secure_by_default(tmp_path):
    settings = ProductionConfig({"BRANCHFLOW_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k"})
    assert settings.SESSION_COOKIE_SECURE
    assert settings.REMEMBER_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="BRANCHFLOW_ENV"):
        config_from_environment(
            {"BRANCHFLOW_ENV": "staging", "BRANCHFLOW_INSTANCE_DIR": str(tmp_path)}
        )


def test_factory_builds_an_app_from_settings(tmp_path):
    settings = DevelopmentConfig(
        {"BRANCHFLOW_INSTANCE_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    )
    app = create_app(settings)
    assert app.config["DATABASE_URL"].endswith("x.db")
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert {"identity", "web"} <= set(app.blueprints)
    assert {"db", "audit", "demo", "users"} <= set(app.cli.commands)
    app.extensions["branchflow.db"].dispose()
