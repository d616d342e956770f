"""The one source of "now".

Code never calls ``datetime.now()``: it asks the app's clock, so that tests (and later replays)
can move time instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from flask import Flask
from flask import current_app


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant as an aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, replays)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, at: datetime) -> None:
        self._now = at.astimezone(UTC)


_KEY = "branchflow.clock"


def init_app(app: Flask, clock: Clock | None = None) -> None:
    app.extensions[_KEY] = clock or SystemClock()


def current_clock() -> Clock:
    return current_app.extensions[_KEY]


def now() -> datetime:
    return current_clock().now()


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_today() -> date:
    """Today's date where the enterprise works (China Standard Time by default)."""
    return now().astimezone(local_zone()).date()
