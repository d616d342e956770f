"""BranchFlow: the application factory."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config
from config import config_from_environment


def create_app(config: Config | None = None, *, clock: object | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, CLI and error pages; nothing else."""
    from app.web.requests import BoundedRequest

    settings = config or config_from_environment()
    app = Flask(__name__, instance_path=str(settings.INSTANCE_DIR), instance_relative_config=False)
    app.request_class = BoundedRequest
    app.config.from_object(settings)
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])  # type: ignore[method-assign]

    from app.core import clock as clock_module
    from app.core import i18n
    from app.core import security
    from app.extensions import babel
    from app.extensions import csrf
    from app.extensions import db
    from app.extensions import login_manager

    clock_module.init_app(app, clock)  # type: ignore[arg-type]
    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "identity.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = "basic"
    security.init_app(app)

    from app.api.views import bp as api_bp
    from app.auditing.views import bp as audit_bp
    from app.designer import flow_views  # noqa: F401 - its routes join the designer blueprint
    from app.designer import form_preview  # noqa: F401 - its routes join the designer blueprint
    from app.designer import form_views  # noqa: F401 - its routes join the designer blueprint
    from app.designer.views import bp as designer_bp
    from app.grading import registry as grading
    from app.grading.dashboard.views import bp as dashboard_bp
    from app.identity import labels
    from app.identity import session as identity_session
    from app.identity.views import bp as identity_bp
    from app.inbox.attachment_views import bp as files_bp
    from app.inbox.instance_views import bp as instances_bp
    from app.inbox.print_views import bp as print_bp
    from app.inbox.views import bp as inbox_bp
    from app.ledgers.computed import register_row_source
    from app.ledgers.registry import init_app as ledgers_init
    from app.members.points.ledger_rows import points_rows
    from app.members.study_hours import ledger_rows as study_hours_rows
    from app.members.views import bp as members_bp
    from app.notify.views import bp as notify_bp
    from app.web import errors
    from app.web import templating
    from app.web.admin_views import bp as admin_bp
    from app.web.help_views import bp as help_bp
    from app.web.member_points import bp as member_points_bp
    from app.web.org_page import bp as orgs_bp
    from app.web.views import bp as web_bp
    from app.workflow import english as workflow_english
    from app.workflow import labels as workflow_labels

    identity_session.init_app(app)
    labels.init_app(app)
    workflow_labels.init_app(app)
    workflow_english.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    app.register_blueprint(web_bp)
    app.register_blueprint(identity_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(member_points_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(instances_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(files_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(designer_bp)
    app.register_blueprint(print_bp)
    app.register_blueprint(help_bp)
    grading.register(app)
    app.register_blueprint(dashboard_bp)
    ledgers_init(app)
    register_row_source(app, "member_points", points_rows)  # ledgers/points_ledger.json
    register_row_source(app, "study_hours", study_hours_rows)  # ledgers/study_hours_ledger.json
    app.register_blueprint(members_bp)

    _load_forms(app)
    _register_actions(app)

    from app.cli import register_commands

    register_commands(app)
    return app


def _register_actions(app: Flask) -> None:
    """The catalogue of domain actions service tasks call: each domain registers its own."""
    from app.branches.actions import register_actions as branches_actions
    from app.grading.actions import register_actions as grading_actions
    from app.ledgers.actions import register_actions as ledgers_actions
    from app.meetings.actions import register_actions as meetings_actions
    from app.members.actions import register_actions as members_actions
    from app.workflow import actions

    actions.init_app(
        app, grading_actions, members_actions, meetings_actions, branches_actions, ledgers_actions
    )

    from app.members import actions as members
    from app.workflow import timing_rules

    timing_rules.init_app(app, members.TIMING_RULES)


def _load_forms(app: Flask) -> None:
    """Read every form file once; a broken one stops start-up, naming the file and the problem."""
    from app.formdefs.registry import FormFileError
    from app.formdefs.registry import load_registry

    try:
        app.extensions["forms"] = load_registry(app.config["FORMS_DIR"])
    except FormFileError as exc:
        raise SystemExit(f"BranchFlow cannot start: form file {exc}") from None
