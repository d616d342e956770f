"""Whether a re-derived engine state is the stored one, up to what no replay can reproduce.

A state (serializer.py) names its tasks by random UUIDs and stamps each with the wall-clock time
of its last change (SpiffWorkflow reads ``time.time()`` itself). A replay creates the same tasks
under new names at new instants, and hands submissions over in the log's sorted key order. So
the two states are compared after (1) pairing the replay's tasks with the stored ones by their
place in the task tree (same parent, same position among its children), renaming them, (2)
taking the stored wall-clock stamps for the paired tasks, and (3) ignoring the order of keys
(and of a task's deleted variables, listed in the order of the submission's keys). Everything
else — each task's element, state, data and data changes, the variables, timers, correlations,
visited elements — must be equal.
"""

from __future__ import annotations

import json
from typing import Any


class Pairing:
    """Replay task id ↔ stored task id, kept over the whole replay (tasks live across steps)."""

    def __init__(self) -> None:
        self.to_stored: dict[str, str] = {}
        self.to_replay: dict[str, str] = {}

    def pair(self, replay_id: str, stored_id: str) -> bool:
        known = self.to_stored.get(replay_id)
        if known is not None:
            return known == stored_id
        self.to_stored[replay_id] = stored_id
        self.to_replay[stored_id] = replay_id
        return True

    def replay_id(self, stored_id: str) -> str:
        return self.to_replay.get(stored_id, stored_id)


def first_difference(
    replayed_json: str, stored_json: str, pairing: Pairing, stored: dict | None = None
) -> str | None:
    """None when the states match; otherwise where they first differ (a dotted path).
    ``stored`` is ``stored_json`` already parsed, if the caller has it (only read here)."""
    replayed = json.loads(replayed_json)
    if stored is None:
        stored = json.loads(stored_json)
    problem = _pair_workflow(replayed, stored, pairing)
    if problem:
        return problem
    renamed_json = _renamed(replayed_json, pairing)
    if _same_values(renamed_json, stored_json):
        return None
    renamed, stored = json.loads(renamed_json), json.loads(stored_json)
    _take_stamps(renamed, stored)
    _sort_deletions(renamed)
    _sort_deletions(stored)
    if _canonical(renamed) == _canonical(stored):
        return None
    return _difference(renamed, stored, "") or "(state)"


def _same_values(renamed_json: str, stored_json: str) -> bool:
    """The usual case, decided without writing both states out with sorted keys (which cost
    more than the rest of the comparison): parsed with every number kept as its kind and its
    text, ``==`` is equality of JSON values up to key order — a plain parse would let
    ``true == 1 == 1.0`` pass. True only when the sorted texts would be equal too; False sends
    the caller to that exact comparison (so a number spelt two ways is no divergence)."""
    renamed, stored = _tagged(renamed_json), _tagged(stored_json)
    _take_stamps(renamed, stored)
    _sort_deletions(renamed)
    _sort_deletions(stored)
    return renamed == stored


def _tagged(text: str) -> Any:
    return json.loads(text, parse_int=_int_tag, parse_float=_float_tag, parse_constant=_other)


def _int_tag(text: str) -> tuple[str, str]:
    return ("int", text)


def _float_tag(text: str) -> tuple[str, str]:
    return ("float", text)


def _other(text: str) -> tuple[str, str]:
    return ("constant", text)


def _canonical(state: dict) -> str:
    return json.dumps(state, sort_keys=True, ensure_ascii=False)


def _sort_deletions(state: dict) -> None:
    """A task's deleted variables are listed in the order of the submission's keys."""
    for task in state.get("tasks", {}).values():
        deletions = (task.get("delta") or {}).get("deletions")
        if isinstance(deletions, list):
            deletions.sort(key=str)
    for sub in state.get("subprocesses", {}).values():
        _sort_deletions(sub)


def _pair_workflow(replayed: dict, stored: dict, pairing: Pairing, where: str = "") -> str | None:
    r_tasks, s_tasks = replayed.get("tasks", {}), stored.get("tasks", {})
    if len(r_tasks) != len(s_tasks):
        return f"{where}tasks: {len(r_tasks)} re-derived, {len(s_tasks)} stored"
    pending = [(replayed.get("root"), stored.get("root"))]
    while pending:
        r_id, s_id = pending.pop()
        if r_id is None or s_id is None:
            if r_id != s_id:
                return f"{where}root"
            continue
        r_task, s_task = r_tasks.get(r_id), s_tasks.get(s_id)
        if r_task is None or s_task is None:
            return f"{where}tasks: task {s_id} has no counterpart"
        if r_task.get("task_spec") != s_task.get("task_spec"):
            return f"{where}tasks[{s_id}].task_spec"
        if len(r_task["children"]) != len(s_task["children"]) or not pairing.pair(r_id, s_id):
            return f"{where}tasks[{s_id}].children"
        pending += zip(r_task["children"], s_task["children"], strict=True)
    r_subs, s_subs = replayed.get("subprocesses", {}), stored.get("subprocesses", {})
    if len(r_subs) != len(s_subs):
        return f"{where}subprocesses"
    for r_key, r_sub in r_subs.items():
        s_key = pairing.to_stored.get(r_key)
        if s_key is None or s_key not in s_subs:
            return f"{where}subprocesses[{r_key}]"
        problem = _pair_workflow(r_sub, s_subs[s_key], pairing, f"{where}subprocesses[{s_key}].")
        if problem:
            return problem
    return None


def _renamed(state_json: str, pairing: Pairing) -> str:
    """The replayed state with every paired task id (as a key or inside a string) renamed."""
    # One plain replacement per paired id rather than a regular expression over the text for
    # any UUID (which cost more than the rest of the comparison): the replay's ids are fresh
    # random UUIDs, so they occur nowhere but where the replay wrote them.
    for replay_id, stored_id in pairing.to_stored.items():
        if replay_id != stored_id:
            state_json = state_json.replace(replay_id, stored_id)
    return state_json


def _take_stamps(renamed: dict, stored: dict) -> None:
    stored_tasks = stored.get("tasks", {})
    for task_id, task in renamed.get("tasks", {}).items():
        if task_id in stored_tasks and "last_state_change" in task:
            task["last_state_change"] = stored_tasks[task_id].get("last_state_change")
    for key, sub in renamed.get("subprocesses", {}).items():
        _take_stamps(sub, stored.get("subprocesses", {}).get(key, {}))


def _difference(a: Any, b: Any, path: str) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            if key not in a or key not in b:
                return f"{path}{key}"
            found = _difference(a[key], b[key], f"{path}{key}.")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _difference(x, y, f"{path}{index}.")
            if found:
                return found
        return None
    return None if a == b and type(a) is type(b) else path.rstrip(".") or "(state)"
