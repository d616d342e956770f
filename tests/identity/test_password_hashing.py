"""Production hashes passwords with scrypt; the suite's one-round method is the test config's
alone, and a password hashed either way still logs in."""

from __future__ import annotations

from werkzeug.security import check_password_hash

import config
from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.identity.commands.users import create_user
from app.identity.models import User
from config import Config
from config import ProductionConfig


def test_production_and_development_hash_with_scrypt():
    assert Config.PASSWORD_HASH_METHOD == "scrypt"
    assert ProductionConfig.PASSWORD_HASH_METHOD == "scrypt"
    assert config.TestConfig.PASSWORD_HASH_METHOD != "scrypt"


def test_an_account_created_under_the_production_method_is_scrypt_and_checks(app):
    app.config["PASSWORD_HASH_METHOD"] = ProductionConfig.PASSWORD_HASH_METHOD
    run(create_user, actor=SYSTEM, login="scrypted", password="a-long-secret-42", display_name="S")
    stored = db.session.query(User).filter_by(login="scrypted").one().password_hash
    assert stored.startswith("scrypt:")
    assert check_password_hash(stored, "a-long-secret-42")
    assert not check_password_hash(stored, "a-long-secret-43")
