"""Display names of the identity enumerations (English msgids, zh_CN in the catalogue)."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.identity import catalogue
from app.identity.kinds import BranchType
from app.identity.kinds import Gender
from app.identity.kinds import Level
from app.identity.kinds import OrgKind
from app.identity.kinds import PartyStatus

ORG_KIND = {
    OrgKind.COMPANY: _l("Company party committee"),
    OrgKind.UNIT: _l("Secondary-unit party committee"),
    OrgKind.GENERAL_BRANCH: _l("General party branch"),
    OrgKind.BRANCH: _l("Party branch"),
    OrgKind.PARTY_GROUP: _l("Party group"),
}

BRANCH_TYPE = {
    BranchType.PRODUCTION_FLOW: _l("Production-process type"),
    BranchType.JOINT_BUSINESS: _l("Joint-business type"),
    BranchType.TERRITORIAL: _l("Territorial-management type"),
    BranchType.PROJECT_CONSTRUCTION: _l("Project-construction type"),
}

LEVEL = {
    Level.NOT_UP_TO_STANDARD: _l("Not up to standard"),
    Level.BASIC: _l("Basically up to standard"),
    Level.STANDARDISED: _l("Standardised"),
    Level.RED_FLAG: _l("Red-flag"),
    Level.MODEL: _l("Model"),
}

PARTY_STATUS = {
    PartyStatus.APPLICANT: _l("Membership applicant"),
    PartyStatus.ACTIVIST: _l("Activist"),
    PartyStatus.DEVELOPMENT_TARGET: _l("Development target"),
    PartyStatus.PROBATIONARY: _l("Probationary member"),
    PartyStatus.FULL: _l("Full member"),
    PartyStatus.SUSPENDED: _l("Party membership suspended"),
    PartyStatus.REMOVED: _l("No longer a party member"),
}

GENDER = {Gender.MALE: _l("Male"), Gender.FEMALE: _l("Female")}


def role_label(code: str) -> str:
    role = catalogue.get_role(code)
    return role.label(str(get_locale() or "zh_CN")) if role else code


def _lookup(table: dict) -> object:
    def label(value: object) -> str:
        if value is None:
            return "—"
        return str(table.get(value, value))

    return label


def init_app(app: Flask) -> None:
    app.add_template_filter(_lookup(ORG_KIND), "org_kind")
    app.add_template_filter(_lookup(BRANCH_TYPE), "branch_type")
    app.add_template_filter(_lookup(LEVEL), "level")
    app.add_template_filter(_lookup(PARTY_STATUS), "party_status")
    app.add_template_filter(_lookup(GENDER), "gender")
    app.add_template_filter(role_label, "role")
