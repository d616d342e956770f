"""Reading a set of BPMN/DMN files into checked, serialisable process specs, for deployment.

``parse_models`` is the deployment check: it runs the whole check pipeline (``model_check.py``)
and returns the built processes only when there is no problem at all; otherwise it raises
``DeploymentRefused`` with every problem, each with file, element id, line where known, category
and a message in English and Chinese.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from collections.abc import Set

from app.engine.errors import ModelError
from app.engine.model_check import check_models
from app.engine.parsed import ParsedProcess
from app.engine.parsed import UserTaskInfo
from app.engine.services import ActionSignature

__all__ = ["DeploymentRefused", "ParsedProcess", "UserTaskInfo", "errors_as_json", "parse_models"]


class DeploymentRefused(Exception):
    def __init__(self, errors: list[ModelError]) -> None:
        super().__init__(f"{len(errors)} problem(s)")
        self.errors = errors


def parse_models(
    sources: Mapping[str, bytes],
    *,
    known_roles: Set[str],
    known_forms: Set[str],
    step_bound: int = 300,
    max_bytes: int = 5 * 1024 * 1024,
    multi_instance_bound: int = 300,
    actions: Mapping[str, ActionSignature] | None = None,
    english_required: bool = False,
) -> list[ParsedProcess]:
    """Parse and check ``sources`` (name → bytes); raise DeploymentRefused with every problem."""
    result = check_models(
        sources,
        known_roles=known_roles,
        known_forms=known_forms,
        step_bound=step_bound,
        max_bytes=max_bytes,
        multi_instance_bound=multi_instance_bound,
        actions=actions,
        english_required=english_required,
    )
    if not result.deployable:
        raise DeploymentRefused(list(result.problems))
    return list(result.processes)


def errors_as_json(errors: list[ModelError]) -> str:
    return json.dumps([e.as_dict() for e in errors], ensure_ascii=False)
