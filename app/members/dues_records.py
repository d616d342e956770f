"""Party dues as the procedures recorded them: the newest disclosed base sheet of a branch
(``party_dues_base_and_disclosure``, its committee's ``sheet``) and the monthly rounds
(``party_dues_collection``, each with ``month`` and ``lines``, the shared contract). Nothing is
stored twice: these read the answers of the completed instances, as the ledgers do."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.identity.kinds import PartyStatus
from app.identity.queries.members import roster_on
from app.members.dues import months_unpaid_in_a_row
from app.workflow.models import InstanceStatus
from app.workflow.models import ProcessInstance
from app.workflow.queries import answers_of

BASE_PROCESS = "party_dues_base_and_disclosure"
COLLECTION_PROCESS = "party_dues_collection"
#: 《党员教育管理工作条例》第三十一条: 6 months in a row without dues, no good reason → 自行脱党.
LAPSE_MONTHS = 6
#: domain.md §6 C09: −0.5 per member in arrears 3 months or more.
C09_ARREARS_MONTHS = 3
PAYING_STATUSES = (PartyStatus.FULL, PartyStatus.PROBATIONARY)


def round_of_month(session: Session, branch_id: int, month: str, exclude: int) -> int | None:
    """Another round of the branch for ``month``, completed or under way (its id), if any."""
    rows = session.scalars(
        select(ProcessInstance.id).where(
            ProcessInstance.process_key == COLLECTION_PROCESS,
            ProcessInstance.org_unit_id == branch_id,
            ProcessInstance.id != exclude,
            ProcessInstance.status.in_(
                (InstanceStatus.COMPLETED, InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)
            ),
        )
    ).all()
    answers = answers_of(session, list(rows))
    return next((i for i in rows if answers[i].get("month") == month), None)


def _completed_answers(
    session: Session, process_key: str, branch_ids: list[int], exclude: int | None = None
) -> list[tuple[int, dict[str, Any]]]:
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.org_unit_id).where(
            ProcessInstance.process_key == process_key,
            ProcessInstance.org_unit_id.in_(branch_ids),
            ProcessInstance.status == InstanceStatus.COMPLETED,
            ProcessInstance.id != (exclude or 0),
        )
    ).all()
    answers = answers_of(session, [r.id for r in rows])
    return [(r.org_unit_id, answers[r.id]) for r in rows]


def newest_sheet(session: Session, branch_id: int, day: date) -> dict[int, dict[str, Any]]:
    """Person id → their line of the newest sheet the branch disclosed on or before ``day``."""
    disclosed = [
        data
        for _branch, data in _completed_answers(session, BASE_PROCESS, [branch_id])
        if isinstance(data.get("disclosed_on"), str) and data["disclosed_on"] <= day.isoformat()
    ]
    if not disclosed:
        return {}
    newest = max(disclosed, key=lambda d: d["disclosed_on"])
    sheet = {line["person"]: line for line in newest.get("sheet") or [] if isinstance(line, dict)}
    for reduced in newest.get("reductions_approved") or []:  # 少交免交 the upper level approved
        if not isinstance(reduced, dict) or reduced.get("person") not in sheet:
            continue
        if reduced.get("decision") == "approved":
            line = sheet[reduced["person"]]
            sheet[reduced["person"]] = line | {"amount_due": reduced["approved_amount"]}
    return sheet


def paying_members(session: Session, branch_id: int, day: date) -> list[int]:
    """Who owes dues at the branch on ``day``: full and probationary members on its rolls."""
    return [p.id for p, status in roster_on(session, branch_id, day) if status in PAYING_STATUSES]


def bills_for(session: Session, branch_id: int, month: str, today: date) -> list[dict[str, Any]]:
    """The month's lines as a round starts them (the ``lines`` contract, nothing paid yet): a
    line per member owing dues on the month's last day (or today, within the month), with the
    base, rate and amount of the newest sheet disclosed by today (zero where it has no line)."""
    day = min(_month_end(month), today)
    sheet = newest_sheet(session, branch_id, today)
    bills = []
    for person in paying_members(session, branch_id, day):
        line = sheet.get(person, {})
        bills.append(
            {
                "person": person,
                "base": line.get("base", 0.0),
                "rate": line.get("rate", 0.0),
                "amount_due": line.get("amount_due", 0.0),
                "paid_amount": 0.0,
                "paid_on": None,
                "status": "unpaid",
            }
        )
    return bills


def _month_end(month: str) -> date:
    year, number = (int(part) for part in month.split("-"))
    return date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)


def month_statuses(
    session: Session, branch_ids: list[int], until: str, exclude: int | None = None
) -> dict[int, dict[int, list[str]]]:
    """Branch id → person id → "paid"/"unpaid" per recorded month up to ``until`` ("YYYY-MM"),
    oldest first (a month recorded twice: the later round's line counts)."""
    by_month: dict[int, dict[str, dict[int, str]]] = defaultdict(dict)
    rounds = _completed_answers(session, COLLECTION_PROCESS, branch_ids, exclude)
    for branch_id, data in rounds:
        month = data.get("month")
        if not isinstance(month, str) or month > until:
            continue
        lines = by_month[branch_id].setdefault(month, {})
        for line in data.get("lines") or []:
            if isinstance(line, dict) and isinstance(line.get("person"), int):
                lines[line["person"]] = line.get("status", "unpaid")
    result: dict[int, dict[int, list[str]]] = {}
    for branch_id, months in by_month.items():
        people: dict[int, list[str]] = defaultdict(list)
        for month in sorted(months):
            for person, status in months[month].items():
                people[person].append(status)
        result[branch_id] = dict(people)
    return result


def paid_until(session: Session, branch_id: int, person_id: int) -> str | None:
    """The newest month ("YYYY-MM") whose round recorded the person's line paid at the branch,
    None when no round did: a back-payment is recorded in the month it is made, so the newest
    paid month is how far the dues are paid."""
    months = [
        data["month"]
        for _branch, data in _completed_answers(session, COLLECTION_PROCESS, [branch_id])
        if isinstance(data.get("month"), str)
        for line in data.get("lines") or []
        if isinstance(line, dict)
        and line.get("person") == person_id
        and line.get("status") == "paid"
    ]
    return max(months, default=None)


def lapsing(
    session: Session, branch_id: int, month: str, lines: list[dict[str, Any]], exclude: int
) -> list[dict[str, Any]]:
    """The members whose dues are now ``LAPSE_MONTHS`` or more months unpaid in a row, counting
    this round's ``lines``: ``[{person, months}]``, for the branch committee to decide."""
    earlier = month_statuses(session, [branch_id], month, exclude).get(branch_id, {})
    found = []
    for line in lines:
        person = line.get("person")
        history = [*earlier.get(person, []), line.get("status", "unpaid")]
        months = months_unpaid_in_a_row(history)
        if months >= LAPSE_MONTHS:
            found.append({"person": person, "months": months})
    return found


def members_in_arrears(
    session: Session, branch_ids: list[int], year: int
) -> dict[int, dict[int, int] | None]:
    """Branch id → person id → months unpaid in a row at the branch's last round of ``year``,
    for the members ``C09_ARREARS_MONTHS`` or more behind (criterion C09's dues part); None for a
    branch that recorded no round in ``year`` (nothing to measure)."""
    statuses = month_statuses(session, branch_ids, f"{year}-12")
    recorded = _branches_with_rounds(session, branch_ids, year)
    behind: dict[int, dict[int, int] | None] = {
        b: ({} if b in recorded else None) for b in branch_ids
    }
    for branch_id in recorded:
        for person, history in statuses.get(branch_id, {}).items():
            months = months_unpaid_in_a_row(history)
            if months >= C09_ARREARS_MONTHS:
                behind[branch_id][person] = months  # type: ignore[index]
    return behind


def _branches_with_rounds(session: Session, branch_ids: list[int], year: int) -> set[int]:
    rounds = _completed_answers(session, COLLECTION_PROCESS, branch_ids)
    return {b for b, data in rounds if str(data.get("month", "")).startswith(f"{year}-")}
