"""WTForms for the identity pages (login, role grant and revoke). CSRF comes with FlaskForm."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from app.identity.kinds import OrgKind
from app.identity.labels import BRANCH_TYPE
from app.identity.labels import LEVEL
from app.identity.labels import ORG_KIND


class LoginForm(FlaskForm):
    login = StringField(
        _l("Login"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class GrantRoleForm(FlaskForm):
    login = StringField(_l("User login"), validators=[DataRequired(), Length(max=64)])
    role_code = SelectField(_l("Role"), validators=[DataRequired()])
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid until"), validators=[Optional()])
    #: Offered once the grant was refused because someone else holds the post (a handover).
    confirm_other_holder = BooleanField(
        _l("Grant it anyway: both hold the role until one is revoked")
    )


class RevokeRoleForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


def _choices(labels: dict, blank: bool = True) -> list[tuple[str, str]]:
    options = [(str(key.value), str(label)) for key, label in labels.items()]
    return [("", "—"), *options] if blank else options


class OrgDetailsForm(FlaskForm):
    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    branch_type = SelectField(_l("Branch type"), validators=[Optional()])
    term_start = DateField(_l("Committee term starts"), validators=[Optional()])
    term_end = DateField(_l("Committee term ends"), validators=[Optional()])

    def fill_choices(self) -> None:
        self.branch_type.choices = _choices(BRANCH_TYPE)


class NewOrgForm(OrgDetailsForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    level = SelectField(_l("Level already held"), validators=[Optional()])

    def fill_kinds(self, kinds: list[OrgKind]) -> None:
        self.fill_choices()
        self.kind.choices = [(kind.value, str(ORG_KIND[kind])) for kind in kinds]
        self.level.choices = _choices(LEVEL)


class AccountForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class TokenForm(FlaskForm):
    name = StringField(_l("What is the token for?"), validators=[DataRequired(), Length(max=100)])
