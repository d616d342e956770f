"""The member points scheme (domain.md §11) as configuration: a JSON document, versioned, checked
before use, and marked as a proposal until the company's organisation department confirms it.

Each item says where its points come from AS DATA (``source.kind``): attendance answers of the
meetings (``attendance``), the lecturer of a party lecture (``lecture``), the dues rounds' ``lines``
(``dues``), study hours from a pluggable provider (``study_hours``), talk records (``talks``), the
democratic appraisal's grades (``appraisal``), the pairing progress records
(``pairing_progress``), or a member's claim confirmed through ``member_points_management``
(``claim``). Pure Python: no Flask, no database.

``attendance`` names, per procedure, the answer holding who came (``field``), the meeting's day
(``date``), the people rule of who was entitled (``people``) and, for a party group's meeting,
the answer naming the group whose roll counts (``group``); an absence with a reason in the
meeting's ``absentees`` is excused.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).with_name("default_scheme.json")
SOURCE_KINDS = frozenset(
    {
        "attendance",
        "lecture",
        "dues",
        "study_hours",
        "talks",
        "appraisal",
        "pairing_progress",
        "claim",
    }
)
ZEROING_KINDS = frozenset({"attendance_gap", "manual"})
PER = frozenset({"occurrence", "month", "year", "year_max"})
BLOCK_IDS = ("basic", "performance", "incentive")


class SchemeInvalid(ValueError):
    """The document's problems, each as ``path: what is wrong``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Item:
    id: str
    zh: str
    en: str
    block: str
    points: float
    per: str
    source: dict[str, Any]
    cap: float | None = None

    @property
    def kind(self) -> str:
        return self.source["kind"]


@dataclass(frozen=True)
class Block:
    id: str
    zh: str
    en: str
    max: float
    start: float
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Zeroing:
    """A condition that voids the year's points (domain.md §11 "Veto (清零)")."""

    id: str
    zh: str
    en: str
    #: ``attendance_gap`` (computed: ``months`` in a row entitled to meetings, at none) or
    #: ``manual`` (no record in the system yet: shown, not applied).
    source: dict[str, Any]


@dataclass(frozen=True)
class Scheme:
    version: int
    proposal: bool
    status_note: str
    status_note_en: str
    blocks: tuple[Block, ...]
    attendance: dict[str, dict[str, str]]
    zeroing: tuple[Zeroing, ...] = ()

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for b in self.blocks for i in b.items)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def items_of(self, kind: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind == kind)

    @property
    def claimable(self) -> tuple[Item, ...]:
        """The items a member claims through the procedure (the rest are computed)."""
        return self.items_of("claim")


def validate(document: Any) -> list[str]:
    """What is wrong with a scheme document, as ``path: problem`` lines (empty: usable)."""
    if not isinstance(document, dict):
        return ["$: the scheme must be an object"]
    problems = []
    if not isinstance(document.get("version"), int) or document["version"] < 1:
        problems.append("version: a whole number from 1")
    if document.get("status") not in ("proposal", "confirmed"):
        problems.append("status: 'proposal' or 'confirmed'")
    blocks = document.get("blocks")
    if not isinstance(blocks, list) or [b.get("id") for b in blocks] != list(BLOCK_IDS):
        return [*problems, f"blocks: exactly {', '.join(BLOCK_IDS)}, in that order"]
    seen: set[str] = set()
    for b, block in enumerate(blocks):
        if not _number(block.get("max")) or block["max"] <= 0:
            problems.append(f"blocks[{b}].max: a positive number")
        for i, item in enumerate(block.get("items") or []):
            problems += _item_problems(f"blocks[{b}].items[{i}]", item, block, seen)
    if not isinstance(document.get("attendance"), dict):
        problems.append("attendance: the meetings whose attendance counts, by procedure")
    for z, zeroing in enumerate(document.get("zeroing") or []):
        problems += _zeroing_problems(f"zeroing[{z}]", zeroing)
    return problems


def _zeroing_problems(path: str, zeroing: Any) -> list[str]:
    if not isinstance(zeroing, dict) or not zeroing.get("id") or not zeroing.get("en"):
        return [f"{path}: an object with id, zh and en"]
    source = zeroing.get("source") or {}
    if source.get("kind") not in ZEROING_KINDS:
        return [f"{path}.source.kind: one of {', '.join(sorted(ZEROING_KINDS))}"]
    months = source.get("months")
    if source["kind"] == "attendance_gap" and not (isinstance(months, int) and 1 <= months <= 12):
        return [f"{path}.source.months: 1 to 12"]
    return []


def _item_problems(path: str, item: Any, block: dict, seen: set[str]) -> list[str]:
    if not isinstance(item, dict):
        return [f"{path}: an object"]
    problems = []
    if not item.get("id") or item["id"] in seen:
        problems.append(f"{path}.id: a unique name")
    seen.add(item.get("id", ""))
    if not item.get("zh") or not item.get("en"):
        problems.append(f"{path}: zh and en names")
    points = item.get("points")
    if not _number(points) or (points < 0) != (block["id"] == "basic"):
        problems.append(f"{path}.points: deductions below zero in basic, additions elsewhere")
    if item.get("per") not in PER:
        problems.append(f"{path}.per: one of {', '.join(sorted(PER))}")
    cap = item.get("cap")
    if cap is not None and (not _number(cap) or cap <= 0 or cap > block.get("max", 0)):
        problems.append(f"{path}.cap: positive and at most the block's max")
    source = item.get("source")
    if not isinstance(source, dict) or source.get("kind") not in SOURCE_KINDS:
        problems.append(f"{path}.source.kind: one of {', '.join(sorted(SOURCE_KINDS))}")
    elif source["kind"] == "study_hours" and ":" not in str(source.get("provider", "")):
        problems.append(f"{path}.source.provider: 'module:function'")
    return problems


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse(document: dict[str, Any]) -> Scheme:
    problems = validate(document)
    if problems:
        raise SchemeInvalid(problems)
    blocks = []
    for block in document["blocks"]:
        items = tuple(
            Item(
                id=i["id"],
                zh=i["zh"],
                en=i["en"],
                block=block["id"],
                points=float(i["points"]),
                per=i["per"],
                source=dict(i["source"]),
                cap=float(i["cap"]) if i.get("cap") is not None else None,
            )
            for i in block["items"]
        )
        start = float(block.get("start", 0))
        blocks.append(
            Block(block["id"], block["zh"], block["en"], float(block["max"]), start, items)
        )
    return Scheme(
        version=document["version"],
        proposal=document["status"] == "proposal",
        status_note=document.get("status_note", ""),
        status_note_en=document.get("status_note_en", ""),
        blocks=tuple(blocks),
        attendance={k: dict(v) for k, v in document["attendance"].items()},
        zeroing=tuple(
            Zeroing(z["id"], z.get("zh", ""), z["en"], dict(z.get("source") or {"kind": "manual"}))
            for z in document.get("zeroing") or []
        ),
    )


@functools.cache
def default_scheme() -> Scheme:
    """The shipped scheme (the project's proposal)."""
    return parse(json.loads(DEFAULT_PATH.read_text(encoding="utf-8")))
