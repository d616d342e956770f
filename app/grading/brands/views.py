"""Pages of the party-building brands (党建品牌): the list of brands the user sees, filtered by
unit, stage and type (``/grading/brands``), and the brands section of a branch's page
(``branch_brands``, included by ``identity/org.html``).

Nothing is changed here: a brand is proposed, reviewed and named through its process
(``party_building_brand_creation``), started from the inbox's start page.
"""

from __future__ import annotations

from collections.abc import Container

from flask import render_template
from flask import request
from flask_babel import gettext as _

from app.core import clock
from app.core.errors import NotFound
from app.extensions import db
from app.grading.blueprint import bp
from app.grading.brands import queries as brands
from app.grading.brands.models import BRAND_TYPES
from app.identity.models import OrgUnit
from app.identity.policy import Scope
from app.identity.session import current_scope


def brand_labels() -> dict[str, dict[str, str]]:
    """Names of the brand types, stages and naming levels, in the reader's language."""
    return {
        "types": {
            "star_flag": _("Star-flag branch"),
            "regional_joint": _("Regional joint party building"),
            "party_day": _("Party building + themed party day"),
            "own": _("Own brand"),
        },
        "stages": {
            "proposed": _("Proposed, awaiting the unit's review"),
            "registered": _("Registered for cultivation"),
            "cultivated": _("Cultivated, awaiting acceptance"),
            "named": _("Named"),
            "not_named": _("Not named"),
        },
        # the same stages as steps of a brand's history, each followed by its day
        "steps": {
            "proposed": _("Applied for"),
            "registered": _("Registered"),
            "cultivated": _("Results recorded"),
            "named": _("Named"),
            "not_named": _("Not named"),
        },
        "levels": {"unit": _("Unit level"), "company": _("Company level")},
    }


def _viewer() -> Scope:
    scope = current_scope()
    if not scope.holdings and not scope.is_system_admin:
        raise NotFound()
    return scope


def _choice(name: str, allowed: Container[str]) -> str | None:
    """A filter's value from the query string: empty means all; anything unknown is not found."""
    value = request.args.get(name, "").strip() or None
    if value is not None and value not in allowed:
        raise NotFound()
    return value


@bp.get("/brands")
def brand_list():
    scope = _viewer()
    units = brands.visible_units(db.session, scope)
    by_code = {u.code: u for u in units}
    unit_code = _choice("unit", by_code)
    stage = _choice("stage", brands.LIST_STAGES)
    brand_type = _choice("type", BRAND_TYPES)
    rows = brands.list_brands(
        db.session,
        scope,
        unit=by_code[unit_code] if unit_code else None,
        stage=stage,
        brand_type=brand_type,
    )
    return render_template(
        "grading/brands.html",
        rows=rows,
        units=units,
        unit_code=unit_code,
        stage=stage,
        brand_type=brand_type,
        stages=brands.LIST_STAGES,
        types=BRAND_TYPES,
        labels=brand_labels(),
        today=clock.local_today(),
    )


@bp.app_template_global("branch_brands")
def branch_brands(branch: OrgUnit) -> list[brands.BrandRow]:
    """The brands of a branch whose page the user is on (the page checked they may see it)."""
    return brands.list_brands(db.session, current_scope(), branch=branch)


@bp.app_template_global("brand_labels")
def _brand_labels() -> dict[str, dict[str, str]]:
    return brand_labels()
