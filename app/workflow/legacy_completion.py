"""Instances of definition versions deployed before their writes became service tasks.

Until issue 10 a process's records were written by a hook keyed by its process id when an instance
completed. The models now call those writes as domain actions from service tasks, but an instance
pins the version it started on: one started on an older version has no service task and must
still write its records when it ends. So when an instance of a version *without any service task*
completes, the actions its process now calls run here, in the diagram's order, as the hook did
(a DomainError refuses the completing command, exactly as before).

Remove this module once no instance of such a version is running (``processes`` of the keys below
deployed before the service tasks; check with ``flask workflow show`` or a query on
``process_instances`` joined to definitions whose ``spec_json`` has no ``ServiceTask``).
"""

from __future__ import annotations

from typing import Any

from app.core.commands import CommandContext
from app.workflow.actions import ActionCall
from app.workflow.actions import catalogue
from app.workflow.models import ProcessDefinition
from app.workflow.models import ProcessInstance

#: process key → the actions its service tasks call, in order, with their literal parameters.
#: (Parameters naming a variable take it from the instance's final data, by the same name.)
LEGACY_ACTIONS: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    # the two hooks of grading_cycle ran in import order: the level, then the rating
    "grading_cycle": (("record_grading_level", {}), ("rate_at_acceptance", {})),
    "semiannual_supervision": (("record_supervision_rating", {}),),
    "reinspection": (("record_reinspection_outcome", {}),),
    "party_building_brand_creation": (("register_brand", {}),),
    "results_application": (("publish_grading_results", {}),),
    "annual_dynamic_analysis": (("record_dynamic_analysis", {}),),
    "branch_improvement_plan": (("record_improvement_plan", {}),),
    "model_site_selection": (("record_model_sites", {}),),
    "model_site_preparation": (("record_site_visit", {}),),
    "annual_grading_target_setting": (("store_company_targets", {}),),
    "unit_target_breakdown": (("store_unit_targets", {}),),
    "branch_target_declaration": (("store_branch_target", {}),),
}


def has_service_tasks(definition: ProcessDefinition) -> bool:
    return '"ServiceTask"' in definition.spec_json


def run_legacy_actions(
    ctx: CommandContext,
    row: ProcessInstance,
    definition: ProcessDefinition,
    data: dict[str, Any],
) -> None:
    """The completion writes of an old version's instance (see the module's docstring)."""
    planned = LEGACY_ACTIONS.get(row.process_key)
    if not planned or has_service_tasks(definition):
        return
    for name, literals in planned:
        action = catalogue().get(name)
        if action is None:
            continue
        # Not type-checked: the hook it replaces read the same data as it was, and an old
        # instance must end as it would have (its data never met a service task's checks).
        values = {p.name: data[p.name] for p in action.parameters if p.name in data}
        action.run(ActionCall(ctx, row, {**values, **literals}, dict(data)))
