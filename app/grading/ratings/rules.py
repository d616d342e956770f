"""The rating rules, pure: the rubric's star bands and classes (domain.md §10)."""

from __future__ import annotations

from decimal import Decimal

from app.grading.rubric.document import Rubric

SOURCES = ("acceptance", "half_year", "manual")
CLASSES = ("A", "B", "C")
STARS_HIGH_FIRST = (5, 4, 3, 2, 1)
#: A drop of this many stars (or more) against the previous rating asks for an early re-inspection.
EARLY_REINSPECTION_DROP = 2
REVIEWER_ROLE = "unit_org_reviewer"
SCORE_LIMIT = Decimal(200)
CHINESE_NUMBERS = {2: "两", 3: "三", 4: "四"}


def stars_for(score: float | Decimal | None, has_veto: bool, rubric: Rubric) -> int:
    """The stars a final score reaches by the rubric's bands; any veto (or no score) gives 1★."""
    if has_veto or score is None:
        return 1
    return rubric.stars_for(float(score))


def class_for(stars: int, has_veto: bool, rubric: Rubric) -> str:
    """The rubric's class of these stars (A/B/C); any veto gives C."""
    return rubric.class_for(stars, vetoed=has_veto)
