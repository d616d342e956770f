"""The catalogue of domain actions: what a BPMN service task may call by name.

Everything a process writes outside its own data — a level, a rating, a plaque withdrawn, a
follow-up process for each unit — is an action here, placed in the diagram as a service task
(``spiffworkflow:serviceTaskOperator id="<action>"``), so designers and auditors see where each
record is written. Each domain registers its own actions when the app is built (``create_app``
calls ``register_actions``); deployment checks every service task against the catalogue
(``signatures``), and ``describe`` is the catalogue as data (CLI ``processes actions``, the
designer's properties panel).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import current_app

from app.core.commands import CommandContext
from app.engine.action_types import is_known_type
from app.engine.services import ActionSignature
from app.engine.services import ParameterSignature
from app.identity.models import OrgUnit
from app.workflow.models import ProcessInstance

_KEY = "branchflow.actions"


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    label_zh: str
    label_en: str
    required: bool = True


@dataclass
class ActionCall:
    """What an action gets: the command, the instance row and its organisation, its typed
    parameters, and the instance's variables at the service task (read-only) — never the engine."""

    ctx: CommandContext
    row: ProcessInstance
    params: dict[str, Any]
    data: Mapping[str, Any]
    element_id: str | None = None
    _org: OrgUnit | None = field(default=None, repr=False)

    @property
    def org(self) -> OrgUnit:
        if self._org is None:
            self._org = self.ctx.session.get(OrgUnit, self.row.org_unit_id)
        return self._org


@dataclass(frozen=True)
class Action:
    name: str
    label_zh: str
    label_en: str
    description: str
    #: What it writes, in words a designer and an auditor use (Chinese / English).
    writes: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    run: Callable[[ActionCall], Any]

    def signature(self) -> ActionSignature:
        return ActionSignature(
            self.name,
            {p.name: ParameterSignature(p.type, p.required) for p in self.parameters},
        )

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": {"zh": self.label_zh, "en": self.label_en},
            "description": self.description,
            "writes": list(self.writes),
            "parameters": [
                {
                    "name": p.name,
                    "type": p.type,
                    "required": p.required,
                    "label": {"zh": p.label_zh, "en": p.label_en},
                }
                for p in self.parameters
            ],
        }


class Catalogue:
    def __init__(self) -> None:
        self._actions: dict[str, Action] = {}

    def register(self, action: Action) -> None:
        if action.name in self._actions:
            raise ValueError(f"domain action {action.name!r} registered twice")
        unknown = [p.type for p in action.parameters if not is_known_type(p.type)]
        if unknown:
            raise ValueError(f"domain action {action.name!r}: unknown parameter types {unknown}")
        self._actions[action.name] = action

    def get(self, name: str) -> Action | None:
        return self._actions.get(name)

    def signatures(self) -> dict[str, ActionSignature]:
        return {name: action.signature() for name, action in self._actions.items()}

    def describe(self) -> list[dict[str, Any]]:
        return [self._actions[name].describe() for name in sorted(self._actions)]


def init_app(app: Any, *registrars: Callable[[Catalogue], None]) -> None:
    """Build the app's catalogue from each domain's ``register_actions``."""
    catalogue = Catalogue()
    for register in registrars:
        register(catalogue)
    app.extensions[_KEY] = catalogue


def catalogue() -> Catalogue:
    return current_app.extensions[_KEY]


def describe_actions() -> list[dict[str, Any]]:
    """The catalogue as data: name, labels, description, what each writes, typed parameters."""
    return catalogue().describe()
