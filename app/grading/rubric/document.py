"""The grading rubric (domain.md §6–§10) as a typed, frozen value, and its JSON document.

A rubric is configuration: 6 aspects of 22 criteria worth 100 points, an optional bonus, 6 veto
categories, the level thresholds, the star bands and the A/B/C classes. It is kept as a JSON
*document* (stored whole in ``rubric_versions``, shipped as ``default_rubric.json``) and read into
``Rubric`` only after ``validate`` found nothing wrong. The shipped values are the project's
proposal [P]; ``proposals`` names the value groups the company has not confirmed yet, so the pages
can say so. Pure Python: no Flask, no database.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.grading.rubric.checks import GROUPS
from app.grading.rubric.checks import LEVEL_IDS
from app.grading.rubric.checks import Problem
from app.grading.rubric.checks import validate

__all__ = [
    "GROUPS",
    "LEVEL_IDS",
    "NOT_MET",
    "Aspect",
    "Criterion",
    "LevelThreshold",
    "Problem",
    "Rubric",
    "RubricInvalid",
    "ScoreClass",
    "StarBand",
    "Veto",
    "canonical_json",
    "changed_groups",
    "changed_paths",
    "content_hash",
    "default_document",
    "flatten",
    "parse",
    "validate",
]

DEFAULT_PATH = Path(__file__).with_name("default_rubric.json")
#: The level below every threshold, and the level of any vetoed branch.
NOT_MET = "not_up_to_standard"
#: Which top-level keys hold each value group (``Rubric.proposals`` names groups).
GROUP_KEYS = {
    "aspects": "aspects",
    "bonus": "bonus",
    "vetoes": "vetoes",
    "levels": "levels",
    "model_quota": "model_quota_percent",
    "acceptance_sample": "acceptance_sample_percent",
    "stars": "stars",
    "classes": "classes",
}

Number = int | float
#: domain.md §5 G5 [P]: at least 30% of the 标准化 candidates are accepted on site.
DEFAULT_ACCEPTANCE_SAMPLE_PERCENT = 30


class RubricInvalid(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.en}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Criterion:
    id: str
    zh: str
    en: str
    points: Number
    scoring: str
    evidence: tuple[str, ...]
    scoring_en: str = ""


@dataclass(frozen=True)
class Aspect:
    id: str
    zh: str
    en: str
    points: Number
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Veto:
    id: str
    zh: str
    en: str
    basis: str


@dataclass(frozen=True)
class LevelThreshold:
    id: str
    zh: str
    min_score: Number
    condition: str
    en: str = ""
    condition_en: str = ""


@dataclass(frozen=True)
class StarBand:
    stars: int
    min_score: Number


@dataclass(frozen=True)
class ScoreClass:
    id: str
    zh: str
    stars: tuple[int, ...]
    supervision: str
    measures: str
    en: str = ""
    supervision_en: str = ""
    measures_en: str = ""


@dataclass(frozen=True)
class Rubric:
    title: str
    scoring_note: str
    aspects: tuple[Aspect, ...]
    bonus_cap: Number
    bonus_zh: str
    vetoes: tuple[Veto, ...]
    levels: tuple[LevelThreshold, ...]
    model_quota_percent: Number
    #: The least share of 标准化 candidates the company accepts on site (the rest by their files).
    acceptance_sample_percent: Number
    stars: tuple[StarBand, ...]
    classes: tuple[ScoreClass, ...]
    proposals: frozenset[str]
    #: The English of the texts above, where the document gives it ("" where it does not).
    title_en: str
    scoring_note_en: str
    bonus_en: str
    #: The document this rubric was read from, in canonical JSON (see ``to_document``).
    source: str

    def to_document(self) -> dict[str, Any]:
        """A fresh copy of the document, to edit and publish as a new version."""
        document = json.loads(self.source)
        # Versions stored before the sampling rate existed get the default to edit.
        document.setdefault("acceptance_sample_percent", self.acceptance_sample_percent)
        return document

    @property
    def total_points(self) -> Number:
        return _number(sum((Decimal(str(a.points)) for a in self.aspects), Decimal(0)))

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for a in self.aspects for c in a.criteria)

    def is_proposal(self, group: str) -> bool:
        return group in self.proposals

    def level_for(self, final_score: Number, *, vetoed: bool = False) -> str:
        """The level id a final score (base + bonus) reaches; any veto means 未达标."""
        if not vetoed:
            for level in self.levels:
                if final_score >= level.min_score:
                    return level.id
        return NOT_MET

    def stars_for(self, final_score: Number, *, vetoed: bool = False) -> int:
        if vetoed:
            return 1
        return next((b.stars for b in self.stars if final_score >= b.min_score), 1)

    def class_for(self, stars: int, *, vetoed: bool = False) -> str:
        if vetoed:
            return "C"
        return next(c.id for c in self.classes if stars in c.stars)


def parse(document: Any) -> Rubric:
    """The rubric of a valid document; ``RubricInvalid`` with every problem otherwise."""
    problems = validate(document)
    if problems:
        raise RubricInvalid(problems)
    doc = copy.deepcopy(document)
    return Rubric(
        title=doc["title"],
        scoring_note=doc.get("scoring_note") or "",
        aspects=tuple(
            Aspect(
                a["id"],
                a["zh"],
                a.get("en") or "",
                a["points"],
                tuple(
                    Criterion(
                        c["id"],
                        c["zh"],
                        c.get("en") or "",
                        c["points"],
                        c["scoring"],
                        tuple(c.get("evidence", ())),
                        c.get("scoring_en") or "",
                    )
                    for c in a["criteria"]
                ),
            )
            for a in doc["aspects"]
        ),
        bonus_cap=doc["bonus"]["cap"],
        bonus_zh=doc["bonus"].get("zh") or "",
        vetoes=tuple(
            Veto(v["id"], v["zh"], v.get("en") or "", v.get("basis") or "") for v in doc["vetoes"]
        ),
        levels=tuple(
            LevelThreshold(
                x["id"],
                x["zh"],
                x["min_score"],
                x.get("condition") or "",
                x.get("en") or "",
                x.get("condition_en") or "",
            )
            for x in doc["levels"]
        ),
        model_quota_percent=doc["model_quota_percent"],
        acceptance_sample_percent=doc.get(
            "acceptance_sample_percent", DEFAULT_ACCEPTANCE_SAMPLE_PERCENT
        ),
        stars=tuple(StarBand(b["stars"], b["min_score"]) for b in doc["stars"]),
        classes=tuple(
            ScoreClass(
                k["id"],
                k["zh"],
                tuple(sorted(k["stars"], reverse=True)),
                k.get("supervision") or "",
                k.get("measures") or "",
                k.get("en") or "",
                k.get("supervision_en") or "",
                k.get("measures_en") or "",
            )
            for k in doc["classes"]
        ),
        proposals=frozenset(doc["proposals"]),
        title_en=doc.get("title_en") or "",
        scoring_note_en=doc.get("scoring_note_en") or "",
        bonus_en=doc["bonus"].get("en") or "",
        source=canonical_json(doc),
    )


@functools.cache
def _default_text() -> str:
    return DEFAULT_PATH.read_text(encoding="utf-8")


def default_document() -> dict[str, Any]:
    """A fresh copy of the shipped default (the proposal of domain.md §6–§10)."""
    return json.loads(_default_text())


def canonical_json(document: Any) -> str:
    """The one spelling of a document that is stored and hashed."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(document: Any) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Every leaf of a document by path (``aspects[0].criteria[1].points``); lists of plain values
    (evidence, a class's stars, proposals) are one leaf."""
    if isinstance(value, dict):
        leaves: dict[str, Any] = {}
        for key, item in value.items():
            leaves.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return leaves
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        leaves = {}
        for index, item in enumerate(value):
            leaves.update(flatten(item, f"{prefix}[{index}]"))
        return leaves
    return {prefix: value}


def changed_paths(old: Any, new: Any) -> dict[str, list[Any]]:
    """``{path: [old, new]}`` for every leaf that differs (None where a side has no such leaf)."""
    before, after = flatten(old), flatten(new)
    paths = [*before, *(p for p in after if p not in before)]
    return {
        path: [before.get(path), after.get(path)]
        for path in paths
        if before.get(path) != after.get(path)
    }


def changed_groups(old: Any, new: Any) -> set[str]:
    """The value groups (see ``GROUPS``) in which anything differs."""
    return {
        group
        for group, key in GROUP_KEYS.items()
        if not isinstance(old, dict) or not isinstance(new, dict) or old.get(key) != new.get(key)
    }


def _number(value: Decimal) -> Number:
    return int(value) if value == value.to_integral_value() else float(value)
