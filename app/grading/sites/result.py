"""A model-site selection ends with the committee's sites; a site's preparation with its visit.

* ``model_site_selection`` completed: each confirmed site becomes a ``model_sites`` row (year,
  cycle, branch, the level it was chosen with, decided on, decision number, the instance), and gets
  its own ``model_site_preparation`` instance at its branch (the secretary prepares the display, the
  company organisation department records the visit) — started by whoever arranged the visits.
* ``model_site_preparation`` completed: the visit (day, visiting units, visitors, feedback) is
  written onto the site's row.

Both run as service tasks before the end event (``app.grading.actions``), in the completing
command: a refusal here is an incident on the instance (a wrong answer refuses the submission).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.commands import CommandContext
from app.core.errors import Conflict
from app.grading.sites.models import ModelSite
from app.identity.models import OrgUnit
from app.workflow.instances import start_instance
from app.workflow.models import ProcessInstance

SELECTION_KEY = "model_site_selection"
PREPARATION_KEY = "model_site_preparation"


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def record_sites(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    """A row and a preparation instance per confirmed site; a site already recorded is kept."""
    offered = {c["value"]: c for c in data.get("candidates") or [] if isinstance(c, dict)}
    cycle_id, year = data.get("cycle_id"), data.get("cycle_year")
    taken = set(
        ctx.session.scalars(select(ModelSite.branch_id).where(ModelSite.cycle_id == cycle_id))
    )
    recorded = []
    for branch_id in data.get("sites") or []:
        if branch_id not in offered:  # the form refuses it already; never trust a retry's data
            raise Conflict(
                _("A model site must be a branch of the cycle at Standardised or above.")
            )
        if branch_id in taken:
            continue
        branch = ctx.session.get(OrgUnit, branch_id)
        site = ModelSite(
            cycle_id=cycle_id,
            year=year,
            branch_id=branch.id,
            level=str(offered[branch_id].get("level") or ""),
            decided_on=ctx.today,
            decision_no=str(data.get("decision_no") or "").strip(),
            selection_instance_id=row.id,
            recorded_at=ctx.now,
        )
        ctx.session.add(site)
        site.preparation_instance_id = start_instance(
            ctx,
            process_key=PREPARATION_KEY,
            org_code=branch.code,
            business_key=f"{year}年度观摩点",
            data={
                "cycle_id": cycle_id,
                "cycle_year": year,
                "selection_instance_id": row.id,
                "visit_plan": data.get("visit_plan"),
                "materials_due": data.get("materials_due"),
            },
        )
        taken.add(branch.id)
        recorded.append(branch.id)
    ctx.session.flush()
    ctx.record(
        "model_sites_selected",
        ("process_instance", row.id),
        org_unit_id=row.org_unit_id,
        cycle_id=cycle_id,
        year=year,
        sites=recorded,
        decision_no=data.get("decision_no"),
    )


def record_visit(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    """Write the recorded visit onto the site this instance prepared."""
    site = ctx.session.scalars(
        select(ModelSite).where(ModelSite.preparation_instance_id == row.id)
    ).first()
    if site is None:  # started by hand, not from a selection: there is no site to update
        return
    site.visited_on = _day(data.get("visited_on"))
    site.visitor_count = data.get("visitor_count")
    site.visiting_units = data.get("visiting_units")
    site.feedback = data.get("feedback") or None
    ctx.record(
        "model_site_visited",
        ("org_unit", site.branch_id),
        org_unit_id=site.branch_id,
        model_site_id=site.id,
        instance_id=row.id,
        visited_on=data.get("visited_on"),
        visitor_count=data.get("visitor_count"),
    )
