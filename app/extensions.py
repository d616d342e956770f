"""Unbound extension singletons, bound to an app by ``create_app`` through ``init_app``."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from app.core.db import db

__all__ = ["babel", "csrf", "db", "login_manager"]
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
