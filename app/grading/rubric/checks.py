"""Checks of a rubric document: every problem with its path and a message in Chinese and English.

``validate`` accepts anything (a document read from JSON, a form turned into a document) and never
raises: a value of the wrong type is a problem like any other. Paths name the value the way the
edit page names its fields (``aspects[2].criteria[1].points``), so each message lands next to its
field. Pure Python: no Flask, no database.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

FORMAT = 1
TOTAL_POINTS = Decimal(100)
ASPECT_COUNT = 6
CRITERION_COUNT = 22
VETO_COUNT = 6
MAX_BONUS = Decimal(5)
#: The four scored levels, highest first; below the last one a branch is 未达标.
LEVEL_IDS = ("model", "red_flag", "standardised", "basic")
LEVEL_NAMES = {"model": "示范", "red_flag": "红旗", "standardised": "标准化", "basic": "基本达标"}
CLASS_IDS = ("A", "B", "C")
#: Value groups that can be marked as a proposal still awaiting the company's confirmation.
GROUPS = (
    "aspects",
    "bonus",
    "vetoes",
    "levels",
    "model_quota",
    "acceptance_sample",
    "stars",
    "classes",
)
TOP_KEYS = frozenset(
    {"format", "title", "title_en", "scoring_note", "scoring_note_en", "bonus", "aspects"}
    | {"vetoes", "levels"}
    | {"model_quota_percent", "acceptance_sample_percent", "stars", "classes", "proposals"}
)

ASPECT_ID = re.compile(r"^A[1-9][0-9]?$")
CRITERION_ID = re.compile(r"^C[0-9]{2}$")
VETO_ID = re.compile(r"^V[1-6]$")
TEXT_LIMIT = 500


@dataclass(frozen=True)
class Problem:
    path: str
    zh: str
    en: str

    def message(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


def fmt(value: Decimal) -> str:
    """A number as people write it: 100, 4.5 (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, zh: str, en: str) -> None:
        self.problems.append(Problem(path, zh, en))

    def number(self, value: Any, path: str, low: Decimal, high: Decimal) -> Decimal | None:
        """``value`` as a Decimal within [low, high] with at most two decimals, else a problem."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(path, "请填写数字。", "Enter a number.")
            return None
        number = Decimal(str(value))
        if not number.is_finite():
            self.add(path, "请填写数字。", "Enter a number.")
            return None
        if number < low or number > high:
            self.add(
                path,
                f"须在{fmt(low)}到{fmt(high)}之间。",
                f"Must be between {fmt(low)} and {fmt(high)}.",
            )
            return None
        if number != number.quantize(Decimal("0.01")):
            self.add(path, "最多保留两位小数。", "Use at most two decimals.")
            return None
        return number

    def points(self, value: Any, path: str) -> Decimal | None:
        number = self.number(value, path, Decimal(0), TOTAL_POINTS)
        if number is not None and number <= 0:
            self.add(path, "分值须大于0。", "Points must be more than 0.")
            return None
        return number

    def text(
        self, value: Any, path: str, *, required: bool = True, limit: int = TEXT_LIMIT
    ) -> None:
        if value is None and not required:
            return
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(path, "请填写内容。", "This text is required.")
        elif len(value) > limit:
            self.add(path, f"最多{limit}个字。", f"Use at most {limit} characters.")

    def items(self, value: Any, path: str, count: int | None) -> list[Any]:
        if not isinstance(value, list):
            self.add(path, "须为列表。", "Must be a list.")
            return []
        if count is not None and len(value) != count:
            self.add(
                path,
                f"须为{count}项，现有{len(value)}项。",
                f"Needs {count} entries, has {len(value)}.",
            )
        return value

    def entry(self, value: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(path, "格式不正确。", "Malformed entry.")
            return None
        return value

    def ident(self, value: Any, path: str, pattern: re.Pattern[str], seen: set[str]) -> None:
        if not isinstance(value, str) or not pattern.match(value):
            self.add(path, "编号格式不正确。", "Malformed id.")
        elif value in seen:
            self.add(path, f"编号{value}重复。", f"The id {value} is used twice.")
        else:
            seen.add(value)


def validate(document: Any) -> list[Problem]:
    """Every problem of ``document``; an empty list means it can be published."""
    c = _Checker()
    if not isinstance(document, dict):
        c.add("", "评分细则须为一个JSON对象。", "The rubric must be a JSON object.")
        return c.problems
    for key in sorted(set(document) - TOP_KEYS):
        c.add(key, "未知的项。", "Unknown entry.")
    if document.get("format") != FORMAT:
        c.add("format", f"格式版本须为{FORMAT}。", f"The format must be {FORMAT}.")
    c.text(document.get("title"), "title")
    c.text(document.get("title_en"), "title_en", required=False)
    c.text(document.get("scoring_note"), "scoring_note", required=False, limit=2000)
    c.text(document.get("scoring_note_en"), "scoring_note_en", required=False, limit=2000)
    cap = _bonus(c, document.get("bonus"))
    _aspects(c, document.get("aspects"))
    _vetoes(c, document.get("vetoes"))
    ceiling = TOTAL_POINTS + (MAX_BONUS if cap is None else cap)
    _levels(c, document.get("levels"), ceiling)
    c.number(document.get("model_quota_percent"), "model_quota_percent", Decimal(0), Decimal(100))
    if "acceptance_sample_percent" in document:  # absent in versions stored before it existed
        c.number(
            document["acceptance_sample_percent"],
            "acceptance_sample_percent",
            Decimal(0),
            Decimal(100),
        )
    _stars(c, document.get("stars"), ceiling)
    _classes(c, document.get("classes"))
    _proposals(c, document.get("proposals"))
    return c.problems


def _bonus(c: _Checker, value: Any) -> Decimal | None:
    bonus = c.entry(value, "bonus")
    if bonus is None:
        return None
    c.text(bonus.get("zh"), "bonus.zh", required=False)
    c.text(bonus.get("en"), "bonus.en", required=False)
    return c.number(bonus.get("cap"), "bonus.cap", Decimal(0), MAX_BONUS)


def _aspects(c: _Checker, value: Any) -> None:
    aspects = c.items(value, "aspects", ASPECT_COUNT)
    aspect_ids: set[str] = set()
    criterion_ids: set[str] = set()
    total: Decimal | None = Decimal(0)
    criteria_seen = 0
    for i, item in enumerate(aspects):
        path = f"aspects[{i}]"
        aspect = c.entry(item, path)
        if aspect is None:
            total = None
            continue
        c.ident(aspect.get("id"), f"{path}.id", ASPECT_ID, aspect_ids)
        c.text(aspect.get("zh"), f"{path}.zh")
        c.text(aspect.get("en"), f"{path}.en", required=False)
        points = c.points(aspect.get("points"), f"{path}.points")
        subtotal = _criteria(c, aspect.get("criteria"), f"{path}.criteria", criterion_ids)
        criteria_seen += len(aspect["criteria"]) if isinstance(aspect.get("criteria"), list) else 0
        if points is not None and subtotal is not None and subtotal != points:
            c.add(
                f"{path}.points",
                f"本方面各项指标分值合计{fmt(subtotal)}分，与方面分值{fmt(points)}分不符。",
                f"The criteria add up to {fmt(subtotal)} points, not {fmt(points)}.",
            )
        total = None if points is None or total is None else total + points
    if aspects and criteria_seen != CRITERION_COUNT:
        c.add(
            "aspects",
            f"须共有{CRITERION_COUNT}项指标，现有{criteria_seen}项。",
            f"Needs {CRITERION_COUNT} criteria in all, has {criteria_seen}.",
        )
    if aspects and total is not None and total != TOTAL_POINTS:
        c.add(
            "aspects",
            f"各方面分值合计须为{fmt(TOTAL_POINTS)}分，现为{fmt(total)}分。",
            f"The aspects must add up to {fmt(TOTAL_POINTS)} points, not {fmt(total)}.",
        )


def _criteria(c: _Checker, value: Any, path: str, seen: set[str]) -> Decimal | None:
    """Check an aspect's criteria; their point total, or None when a value is missing."""
    criteria = c.items(value, path, None)
    if isinstance(value, list) and not value:
        c.add(path, "每个方面至少要有一项指标。", "Each aspect needs at least one criterion.")
    subtotal: Decimal | None = Decimal(0)
    for j, item in enumerate(criteria):
        where = f"{path}[{j}]"
        criterion = c.entry(item, where)
        if criterion is None:
            subtotal = None
            continue
        c.ident(criterion.get("id"), f"{where}.id", CRITERION_ID, seen)
        c.text(criterion.get("zh"), f"{where}.zh")
        c.text(criterion.get("en"), f"{where}.en", required=False)
        c.text(criterion.get("scoring"), f"{where}.scoring")
        c.text(criterion.get("scoring_en"), f"{where}.scoring_en", required=False)
        evidence = criterion.get("evidence", [])
        if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            c.add(f"{where}.evidence", "须为流程编号列表。", "Must be a list of procedure ids.")
        points = c.points(criterion.get("points"), f"{where}.points")
        subtotal = None if points is None or subtotal is None else subtotal + points
    return subtotal


def _vetoes(c: _Checker, value: Any) -> None:
    seen: set[str] = set()
    for i, item in enumerate(c.items(value, "vetoes", VETO_COUNT)):
        path = f"vetoes[{i}]"
        veto = c.entry(item, path)
        if veto is None:
            continue
        c.ident(veto.get("id"), f"{path}.id", VETO_ID, seen)
        c.text(veto.get("zh"), f"{path}.zh")
        c.text(veto.get("en"), f"{path}.en", required=False)
        c.text(veto.get("basis"), f"{path}.basis", required=False)


def _levels(c: _Checker, value: Any, ceiling: Decimal) -> None:
    previous: tuple[str, Decimal] | None = None
    for i, item in enumerate(c.items(value, "levels", len(LEVEL_IDS))):
        path = f"levels[{i}]"
        level = c.entry(item, path)
        if level is None:
            previous = None
            continue
        expected = LEVEL_IDS[i] if i < len(LEVEL_IDS) else None
        if level.get("id") != expected:
            c.add(
                f"{path}.id",
                f"第{i + 1}个等级须为{LEVEL_NAMES.get(expected or '', '—')}（{expected}）。",
                f"Level {i + 1} must be {expected}.",
            )
        c.text(level.get("zh"), f"{path}.zh")
        c.text(level.get("en"), f"{path}.en", required=False)
        c.text(level.get("condition"), f"{path}.condition", required=False)
        c.text(level.get("condition_en"), f"{path}.condition_en", required=False)
        score = c.number(level.get("min_score"), f"{path}.min_score", Decimal(0), ceiling)
        if score is not None and score <= 0:
            c.add(f"{path}.min_score", "分数线须大于0。", "The threshold must be more than 0.")
        if score is not None and previous is not None and score >= previous[1]:
            name = LEVEL_NAMES.get(previous[0], previous[0])
            c.add(
                f"{path}.min_score",
                f"须低于上一等级（{name}）的分数线{fmt(previous[1])}分。",
                f"Must be below the threshold of the level above ({fmt(previous[1])}).",
            )
        previous = (str(level.get("id")), score) if score is not None else None


def _stars(c: _Checker, value: Any, ceiling: Decimal) -> None:
    bands = c.items(value, "stars", 5)
    previous: Decimal | None = None
    for i, item in enumerate(bands):
        path = f"stars[{i}]"
        band = c.entry(item, path)
        if band is None:
            previous = None
            continue
        expected = 5 - i
        if band.get("stars") != expected or isinstance(band.get("stars"), bool):
            c.add(
                f"{path}.stars",
                f"第{i + 1}档须为{expected}星。",
                f"Band {i + 1} must be {expected} stars.",
            )
        low = c.number(band.get("min_score"), f"{path}.min_score", Decimal(0), ceiling)
        if low is not None and previous is not None and low >= previous:
            c.add(
                f"{path}.min_score",
                f"须低于{expected + 1}星的下限{fmt(previous)}分。",
                f"Must be below the lower bound of {expected + 1} stars ({fmt(previous)}).",
            )
        if low is not None and i == len(bands) - 1 and expected == 1 and low != 0:
            c.add(f"{path}.min_score", "1星的下限须为0分。", "The lower bound of 1 star must be 0.")
        previous = low


def _classes(c: _Checker, value: Any) -> None:
    owners: Counter[int] = Counter()
    classes = c.items(value, "classes", len(CLASS_IDS))
    for i, item in enumerate(classes):
        path = f"classes[{i}]"
        entry = c.entry(item, path)
        if entry is None:
            continue
        expected = CLASS_IDS[i] if i < len(CLASS_IDS) else None
        if entry.get("id") != expected:
            c.add(
                f"{path}.id", f"第{i + 1}类须为{expected}类。", f"Class {i + 1} must be {expected}."
            )
        c.text(entry.get("zh"), f"{path}.zh")
        c.text(entry.get("en"), f"{path}.en", required=False)
        c.text(entry.get("supervision"), f"{path}.supervision", required=False)
        c.text(entry.get("supervision_en"), f"{path}.supervision_en", required=False)
        c.text(entry.get("measures"), f"{path}.measures", required=False)
        c.text(entry.get("measures_en"), f"{path}.measures_en", required=False)
        stars = entry.get("stars")
        if (
            not isinstance(stars, list)
            or not stars
            or not all(
                isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 5 for s in stars
            )
        ):
            c.add(
                f"{path}.stars",
                "请填写1到5之间的星级，如“4,5”。",
                "List stars from 1 to 5, e.g. 4,5.",
            )
            continue
        for star in sorted(set(stars)):
            if owners[star]:
                c.add(
                    f"{path}.stars",
                    f"{star}星已归入其他类别。",
                    f"{star} stars already belong to another class.",
                )
            owners[star] += 1
    if classes:
        missing = [str(star) for star in range(1, 6) if not owners[star]]
        if missing:
            c.add(
                "classes",
                f"{'、'.join(missing)}星未归入任何类别：A、B、C类须覆盖1到5星且各星级只归入一类。",
                f"Stars {', '.join(missing)} are in no class: A, B and C must cover 1 to 5 once.",
            )


def _proposals(c: _Checker, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
        c.add("proposals", "须为数值分组名称的列表。", "Must be a list of value-group names.")
        return
    unknown = [g for g in value if g not in GROUPS]
    if unknown or len(set(value)) != len(value):
        c.add("proposals", "含有未知或重复的分组。", "Holds an unknown or repeated group.")
