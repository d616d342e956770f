"""阵地建设 (venue_standard_maintenance): the "十有" checklist and the "五室一体" home of a branch's
venue (``venue_checklist.toml``), as the branch checks itself and the unit verifies it.

The record is the unit's verification: the items it found missing (answer ``missing``, keys of the
checklist; ``home`` for the home) on the day it verified (``verified_on``). Each verification is
recorded by ``record_venue_check``, also the one that sends missing items to rectification, so a
check whose rectification is still waiting has its finding on record; no table of its own.

* ``assess_venue_checklist`` (after the self-check): the items the branch did not mark in place,
  which the unit's verification starts from;
* ``record_venue_check`` (after each verification): refuses unknown items, gives the score and
  tells the branch secretary the result;
* ``measured_c17``: rubric criterion C17 from the year's latest verification.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.branches.instance_answers import answered
from app.core.errors import ValidationFailed
from app.identity.models import RoleAssignment
from app.identity.queries.roles import active_on
from app.notify.commands import notify
from app.workflow.actions import Action
from app.workflow.actions import ActionCall
from app.workflow.actions import Parameter

PROCESS_KEY = "venue_standard_maintenance"
CHECKLIST_FILE = Path(__file__).with_name("venue_checklist.toml")


@dataclass(frozen=True)
class Entry:
    key: str
    zh: str
    en: str


@dataclass(frozen=True)
class Checklist:
    items: tuple[Entry, ...]
    home: Entry
    rooms: tuple[Entry, ...]
    item_points: float
    home_points: float

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key a verification may name missing: the ten items, then the home."""
        return (*(i.key for i in self.items), self.home.key)

    def score(self, missing: list[str]) -> float:
        """The venue's points (C17): each item in place, and the home when it is."""
        in_place = sum(i.key not in missing for i in self.items)
        home = 0.0 if self.home.key in missing else self.home_points
        return round(self.item_points * in_place + home, 2)


@cache
def checklist(path: Path = CHECKLIST_FILE) -> Checklist:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    home = raw["home"]
    return Checklist(
        items=tuple(Entry(i["key"], i["zh"], i["en"]) for i in raw["item"]),
        home=Entry(home["key"], home["zh"], home["en"]),
        rooms=tuple(Entry(r["key"], r["zh"], r["en"]) for r in home["room"]),
        item_points=float(raw["item_points"]),
        home_points=float(raw["home_points"]),
    )


def self_check_gaps(answers: dict[str, Any]) -> list[str]:
    """The keys the self-check did not mark in place: items not ticked, and the home unless all
    of its rooms are (the form answers an item by its key, the rooms in ``home_rooms``)."""
    items = checklist()
    gaps = [i.key for i in items.items if answers.get(i.key) is not True]
    rooms = set(answers.get("home_rooms") or [])
    if not {r.key for r in items.rooms} <= rooms:
        gaps.append(items.home.key)
    return gaps


def _assess(call: ActionCall) -> list[str]:
    return self_check_gaps(dict(call.data))


def _record(call: ActionCall) -> dict[str, Any]:
    items = checklist()
    missing = call.data.get("missing")
    if not isinstance(missing, list) or not set(missing) <= set(items.keys):
        message = _("Choose the missing items from the checklist.")
        raise ValidationFailed(message, {"missing": message})
    missing = [k for k in items.keys if k in missing]  # the checklist's order, each once
    score = items.score(missing)
    day = date.fromisoformat(call.params["verified_on"])
    secretaries = call.ctx.session.scalars(
        select(RoleAssignment.user_id).where(
            RoleAssignment.role_code == "branch_secretary",
            RoleAssignment.org_unit_id == call.org.id,
            active_on(day),
        )
    )
    left = f"，{len(missing)}项待整改" if missing else "，全部达标"
    left_en = f", {len(missing)} to rectify" if missing else ", all in place"
    notify(
        call.ctx,
        [u for u in secretaries if u is not None],
        kind="published",
        title=f"阵地建设核验结果：{score:g}分{left}",
        title_en=f"Venue verified: {score:g} points{left_en}",
        instance_id=call.row.id,
    )
    return {
        "verified_on": day.isoformat(),
        "missing": missing,
        "score": score,
        "in_place": not missing,
    }


def latest_verifications(
    session: Session, branch_ids: list[int], year: int
) -> dict[int, dict[str, Any]]:
    """Branch id → the answers of its latest verification in ``year`` (by ``verified_on``; of
    checks completed or still waiting for rectification)."""
    latest: dict[int, dict[str, Any]] = {}
    for found in answered(session, branch_ids, PROCESS_KEY):
        day = str(found.answers.get("verified_on") or "")
        if not day.startswith(f"{year}-") or not isinstance(found.answers.get("missing"), list):
            continue
        if day >= str(latest.get(found.org_unit_id, {}).get("verified_on", "")):
            latest[found.org_unit_id] = found.answers
    return latest


def measured_c17(
    session: Session, branch_ids: list[int], year: int, points: float | None
) -> dict[int, float | None]:
    """Criterion C17 (domain.md §6 [P]): 0.3 per "十有" item the year's latest verification found
    in place and 1 for the "五室一体" home (at most the criterion's points). None for a branch the
    unit has not verified in the year: nothing measured, the branch scores it itself."""
    measured: dict[int, float | None] = dict.fromkeys(branch_ids)
    if points is None:
        return measured
    for branch_id, answers in latest_verifications(session, branch_ids, year).items():
        measured[branch_id] = min(points, checklist().score(answers["missing"]))
    return measured


ACTIONS = (
    Action(
        "assess_venue_checklist",
        "汇总阵地自查缺项",
        "List the self-check's gaps",
        "From the self-check's answers: the 十有 items the branch did not mark in place, and "
        "the 五室一体 home unless every room is (venue_checklist.toml). Returns the list of keys, "
        "which the unit's verification starts from; writes nothing outside the instance.",
        ("自查缺项（实例数据） gaps found (the instance's data)",),
        (),
        _assess,
    ),
    Action(
        "record_venue_check",
        "记录阵地核验结果",
        "Record the venue verification",
        "Records the unit's verification: the items found missing (refused unless they are "
        "checklist items), the score of criterion C17 (0.3 per 十有 item in place, 1 for the "
        "五室一体 home) and whether the venue is fully in place; tells the branch secretary. "
        "Returns {verified_on, missing, score, in_place}.",
        ("阵地建设检查表 venue checklist", "通知 notification"),
        (Parameter("verified_on", "date", "核验日期", "verified on"),),
        _record,
    ),
)
