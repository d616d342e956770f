"""A brand proposal (``party_building_brand_creation``, processes/grading/, domain.md §10.3) ends
in one of three ways: not registered (the unit rejected it), named (单位级/公司级, all "五有" met)
or not named. In the transaction that completes the instance a registered brand goes into the
registry (``brand_models``) with every stage it reached — registered and cultivated on the days
those steps were completed (``brands.milestones``), then named or not named today — and the
outcome is audited. A rejected proposal registers nothing and is only audited.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.core.commands import CommandContext
from app.grading.brands.models import BRAND_TYPES
from app.grading.brands.models import NAMED_LEVELS
from app.grading.brands.models import BrandStage
from app.grading.brands.models import PartyBrand
from app.grading.brands.queries import Milestones
from app.grading.brands.queries import milestones
from app.workflow.models import ProcessInstance


def apply_brand_result(ctx: CommandContext, row: ProcessInstance, data: dict[str, Any]) -> None:
    """Register the brand and its stages; audit ``brand_rejected`` or ``brand_accepted``."""
    outcome = data.get("outcome")
    name = str(data.get("brand_name") or "").strip()
    if outcome == "not_registered":
        ctx.record(
            "brand_rejected",
            ("process_instance", row.id),
            org_unit_id=row.org_unit_id,
            instance_id=row.id,
            brand_name=name,
            brand_type=data.get("brand_type"),
            reason=str(data.get("outcome_reason") or ""),
        )
        return
    mark = milestones(ctx.session, [row.id]).get(row.id, Milestones())
    brand = _brand(ctx, row, name, str(data.get("brand_type")))
    named_level = data.get("named_level") if outcome == "named" else None
    score = int(data.get("five_you_score") or 0)
    # The registered and cultivated days come from the completed tasks; a stage the instance
    # somehow skipped (never, by the model) is dated today rather than left out.
    _add_stage(ctx, brand, row, "registered", mark.registered_on or ctx.today)
    _add_stage(ctx, brand, row, "cultivated", mark.cultivated_on or ctx.today)
    if named_level in NAMED_LEVELS:
        _add_stage(
            ctx,
            brand,
            row,
            "named",
            ctx.today,
            named_level=named_level,
            score=score,
            note=str(data.get("naming_doc") or ""),
        )
        if brand.named_level is None or NAMED_LEVELS.index(named_level) > NAMED_LEVELS.index(
            brand.named_level
        ):
            brand.named_level, brand.named_on = named_level, ctx.today
    else:
        _add_stage(
            ctx,
            brand,
            row,
            "not_named",
            ctx.today,
            score=score,
            note=str(data.get("outcome_reason") or ""),
        )
    brand.five_you_score = score
    ctx.session.flush()
    ctx.record(
        "brand_accepted",
        ("party_brand", brand.id),
        org_unit_id=row.org_unit_id,
        instance_id=row.id,
        brand_name=brand.name,
        brand_type=brand.brand_type,
        outcome=outcome,
        named_level=named_level,
        five_you_score=score,
        registered_on=(mark.registered_on or ctx.today).isoformat(),
        cultivated_on=(mark.cultivated_on or ctx.today).isoformat(),
    )


def _brand(ctx: CommandContext, row: ProcessInstance, name: str, brand_type: str) -> PartyBrand:
    """The branch's brand of this name (a re-proposal continues it), else a new one."""
    if brand_type not in BRAND_TYPES:  # the form allows no other; refuse rather than guess
        raise ValueError(f"unknown brand type {brand_type!r}")
    brand = ctx.session.scalars(
        select(PartyBrand).where(PartyBrand.branch_id == row.org_unit_id, PartyBrand.name == name)
    ).one_or_none()
    if brand is None:
        brand = PartyBrand(
            branch_id=row.org_unit_id,
            name=name,
            brand_type=brand_type,
            instance_id=row.id,
            created_at=ctx.now,
        )
        ctx.session.add(brand)
        ctx.session.flush()
    brand.brand_type, brand.instance_id = brand_type, row.id
    return brand


def _add_stage(
    ctx: CommandContext,
    brand: PartyBrand,
    row: ProcessInstance,
    stage: str,
    on: date,
    *,
    named_level: str | None = None,
    score: int | None = None,
    note: str = "",
) -> None:
    ctx.session.add(
        BrandStage(
            brand_id=brand.id,
            stage=stage,
            reached_on=on,
            named_level=named_level,
            five_you_score=score,
            note=note[:2000],
            instance_id=row.id,
            created_at=ctx.now,
        )
    )
