"""What a ready task's data says about who it goes to (``assigneeFrom``) and where (``orgFrom``).

Each property names a variable of the instance's data; the task carries that name and the value it
holds in the task's own data (for a multi-instance, the instance's input item), and the app decides
what the value means against its records (``app/workflow/assignment.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Properties naming a variable of the data: the person a task goes to, the organisation it serves.
DATA_PROPERTIES = ("assigneeFrom", "orgFrom")


def data_references(properties: Mapping[str, str], data: Mapping[str, Any]) -> dict[str, Any]:
    """``ReadyTask`` fields: each property's variable name and its value in ``data``."""
    assignee_from, org_from = properties.get("assigneeFrom"), properties.get("orgFrom")
    return {
        "assignee_from": assignee_from,
        "assignee_value": data.get(assignee_from) if assignee_from else None,
        "org_from": org_from,
        "org_value": data.get(org_from) if org_from else None,
    }
