"""Procedural defects in one person's member development (rubric C10: "25 steps compliant, −2 per
procedural defect found"), found from the days each of the 25 steps was recorded.

Pure: the input is the dossier's reading of the step logs — step number → the days it was
recorded, in the order they were recorded — so the rules can be tested with hand-made sequences.
A defect is one of:

* ``out_of_order``: a step recorded on a day before an earlier step of the regulation's order;
* ``skipped``: a later step recorded while an earlier one never was (only among the steps the
  system records: a step nobody can record yet is not the branch's defect);
* ``late``: a deadline of the regulation missed (the talk within a month of the application ...);
* ``too_early``: a minimum duration not respected (a development target decided before a year of
  cultivation, the half-yearly reviews less than half a year apart ...).

Each defect names its rule and article (Chinese and English), the step and the day it concerns.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.members.waiting_periods import add_months

#: The step the half-yearly assessments belong to (cultivation and assessment).
CULTIVATION = 6


@dataclass(frozen=True)
class Gap:
    """Between the first record of ``after`` and ``step``: at most (deadline) or at least
    (minimum) ``months`` months."""

    after: int
    step: int
    months: int
    zh: str
    en: str
    article: str
    article_en: str


ARTICLE = "《中国共产党发展党员工作细则》"
ARTICLE_EN = "Detailed Rules on Recruiting Party Members"

DEADLINES = (
    Gap(1, 2, 1, "党组织应当在收到入党申请书后一个月内派人同入党申请人谈话",
        "The party organisation talks with an applicant within one month of the application",
        f"{ARTICLE}第八条", f"{ARTICLE_EN}, Article 8"),
    Gap(3, 5, 1, "确定入党积极分子后应及时指定一至两名正式党员作培养联系人",
        "Cultivation contacts are assigned within a month of the activist decision",
        f"{ARTICLE}第三章", f"{ARTICLE_EN}, Chapter 3"),
    Gap(15, 17, 3, "上级党委应当在支部大会通过后三个月内审批",
        "The upper committee approves within three months of the branch assembly's resolution",
        f"{ARTICLE}第五章", f"{ARTICLE_EN}, Chapter 5"),
)  # fmt: skip

MINIMUMS = (
    Gap(3, 7, 12, "入党积极分子经过一年以上培养教育和考察，方可列为发展对象",
        "An activist becomes a development target only after at least one year of cultivation",
        f"{ARTICLE}第十三条", f"{ARTICLE_EN}, Article 13"),
    Gap(15, 23, 12, "预备期为一年，自支部大会通过之日起计算，期满方可讨论转正",
        "Conversion is discussed only when the year of probation from the assembly has run",
        f"{ARTICLE}第六章", f"{ARTICLE_EN}, Chapter 6"),
)  # fmt: skip

HALF_YEARLY = Gap(
    CULTIVATION, CULTIVATION, 6,
    "每半年对入党积极分子进行一次考察，两次考察间隔不少于半年",
    "An activist is assessed every half-year: two assessments at least half a year apart",
    f"{ARTICLE}第十二条", f"{ARTICLE_EN}, Article 12",
)  # fmt: skip

ORDER_ZH = "发展党员应当按照二十五个步骤的顺序进行"
ORDER_EN = "Member development follows the order of the 25 steps"
ORDER_ARTICLE = (f"{ARTICLE}第二至第六章", f"{ARTICLE_EN}, Chapters 2 to 6")


@dataclass(frozen=True)
class Defect:
    kind: str  # out_of_order, skipped, late, too_early
    step: int
    day: date | None
    zh: str
    en: str
    article: str
    article_en: str


def find_defects(
    recorded: Mapping[int, Sequence[date]],
    reviews: Sequence[date] = (),
    recordable: Iterable[int] = range(1, 26),
) -> list[Defect]:
    """The defects of one person's development; ``recorded`` maps a step number to the days it
    was recorded (in order), ``reviews`` are the days of the activist's half-yearly assessments
    (part of step 6, in order) and ``recordable`` the steps the system can record at all."""
    first = {n: days[0] for n, days in recorded.items() if days}
    defects = _order(first) + _skipped(first, set(recordable))
    for gap in DEADLINES:
        if _both(first, gap) and first[gap.step] > add_months(first[gap.after], gap.months):
            defects.append(_defect("late", gap, first[gap.step]))
    for gap in MINIMUMS:
        if _both(first, gap) and first[gap.step] < add_months(first[gap.after], gap.months):
            defects.append(_defect("too_early", gap, first[gap.step]))
    for earlier, later in itertools.pairwise(reviews):
        if later < add_months(earlier, HALF_YEARLY.months):
            defects.append(_defect("too_early", HALF_YEARLY, later))
    return sorted(defects, key=lambda d: (d.step, d.day or date.min, d.kind))


def _both(first: Mapping[int, date], gap: Gap) -> bool:
    return gap.after in first and gap.step in first


def _defect(kind: str, gap: Gap, day: date) -> Defect:
    return Defect(kind, gap.step, day, gap.zh, gap.en, gap.article, gap.article_en)


def _order(first: Mapping[int, date]) -> list[Defect]:
    """A step recorded before a step that precedes it in the regulation (once per step)."""
    defects = []
    for step, day in first.items():
        earlier = [n for n, d in first.items() if n < step and d > day]
        if earlier:
            zh = f"{ORDER_ZH}：第{step}步早于第{min(earlier)}步记录"
            en = f"{ORDER_EN}: step {step} was recorded before step {min(earlier)}"
            defects.append(Defect("out_of_order", step, day, zh, en, *ORDER_ARTICLE))
    return defects


def _skipped(first: Mapping[int, date], recordable: set[int]) -> list[Defect]:
    """Each recordable step never recorded although a later step was."""
    if not first:
        return []
    last = max(first)
    defects = []
    for step in sorted(recordable):
        if step < last and step not in first:
            zh = f"{ORDER_ZH}：第{step}步未记录即进行了第{last}步"
            en = f"{ORDER_EN}: step {step} was never recorded before step {last}"
            defects.append(Defect("skipped", step, None, zh, en, *ORDER_ARTICLE))
    return defects
