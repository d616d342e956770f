"""The worker's development reminders at the demo branch, the clock moved: the secretary hears once,
within the month before it, that a probationary member's year ends (with the day), and once in the
last week of a half-year that the activists' and probationary members' assessment is due."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from app.core.commands import SYSTEM
from app.core.commands import run
from app.extensions import db
from app.identity.models import Person
from app.members.probation import probation_end
from app.members.probation_reminders import remind_development
from app.notify.models import Notification

TODAY = date(2026, 11, 23)


def at(clock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 2, tzinfo=UTC))


def reminders(user_id: int) -> list[str]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(Notification.title)
            .where(Notification.user_id == user_id, Notification.kind == "reminder")
            .order_by(Notification.id)
        )
    )


def test_the_secretary_hears_once_that_a_probation_ends(demo, clock):
    secretary = demo.holder("branch_secretary").user_id
    people = [db.session.get(Person, p) for p in demo.people("probationary", TODAY)]
    person = max(people, key=lambda p: p.admission_date)  # the last admitted: ends after today
    end = probation_end(person.admission_date)
    about = [t for t in reminders(secretary) if person.name in t]
    at(clock, end - timedelta(days=40))
    run(remind_development, actor=SYSTEM)
    assert [t for t in reminders(secretary) if person.name in t] == about  # not yet
    at(clock, end - timedelta(days=20))
    run(remind_development, actor=SYSTEM)
    told = [t for t in reminders(secretary) if person.name in t]
    assert len(told) == 1
    assert end.isoformat() in told[0]
    at(clock, end - timedelta(days=10))
    run(remind_development, actor=SYSTEM)  # told once
    assert [t for t in reminders(secretary) if person.name in t] == told


def test_the_half_yearly_assessment_is_recalled_in_the_last_week(demo, clock):
    secretary = demo.holder("branch_secretary").user_id
    recalled = "入党积极分子和预备党员考察"
    at(clock, date(2026, 12, 20))
    run(remind_development, actor=SYSTEM)
    assert not [t for t in reminders(secretary) if recalled in t]
    at(clock, date(2026, 12, 26))
    run(remind_development, actor=SYSTEM)
    at(clock, date(2026, 12, 28))
    run(remind_development, actor=SYSTEM)
    told = [t for t in reminders(secretary) if recalled in t]
    assert len(told) == 1
    assert "2026-12-31" in told[0]
    at(clock, date(2027, 6, 25))
    run(remind_development, actor=SYSTEM)
    assert len([t for t in reminders(secretary) if recalled in t]) == 2
