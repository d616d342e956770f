"""The sandbox process: runs model code for the app, one request at a time, under kernel limits.

Started by ``jail.py`` as ``python -E -s -P -B jail_child.py``; it imports nothing of the app but
``restricted.py`` and ``wire.py`` beside it. Before the first request it limits its own address
space (RLIMIT_AS) and forbids core and other files; before each request it sets its CPU limit
(RLIMIT_CPU) to the CPU time it has used plus the request's allowance, so the kernel ends it with
SIGXCPU when model code runs too long, even inside one C-level operation. Memory past the limit
fails as MemoryError inside the model code and is answered as such. Whatever happens, the app only
ever sees a frame from this process or the end of its pipe. ``workdays.py`` (beside it, standard
library only) gives model code the working-day helpers.
"""

from __future__ import annotations

import math
import resource
import sys
import traceback
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.append(str(Path(__file__).parent))  # restricted.py and wire.py, never the app package

import restricted
import wire
import workdays

MAX_MESSAGE = 1000


def _read_exactly(stream: Any, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def _read_request(stream: Any) -> Any:
    header = _read_exactly(stream, wire.HEADER_SIZE)
    if header is None:
        return None
    body = _read_exactly(stream, wire.frame_length(header))
    return None if body is None else wire.decode(body)


def _limit_self(memory_bytes: int) -> None:
    pages_now = int(Path("/proc/self/statm").read_text().split()[0])
    address_space = pages_now * resource.getpagesize() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def _allow_cpu(seconds: int) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))


def _line_of(failure: BaseException) -> int | None:
    line = None
    for frame in traceback.extract_tb(failure.__traceback__):
        if frame.filename == restricted.SANDBOX_FILENAME:
            line = frame.lineno
    return line


def _failure(failure: BaseException, limit: str | None = None) -> dict[str, Any]:
    return {
        "ok": False,
        "error": type(failure).__name__,
        "message": str(failure)[:MAX_MESSAGE],
        "line": _line_of(failure),
        "limit": limit,
    }


class Child:
    def __init__(self, zone: str, max_value_bytes: int, calendar_toml: str = "") -> None:
        self.max_value_bytes = max_value_bytes
        self.now = datetime.min.replace(tzinfo=UTC)  # every request brings its clock reading
        calendar = workdays.parse_calendar(calendar_toml)
        self.helpers = restricted.standard_helpers(self._now, ZoneInfo(zone), calendar)

    def _now(self) -> datetime:
        return self.now

    def answer(self, request: dict[str, Any]) -> bytes:
        self.now = request["now"]
        try:
            reply = self._run(request)
        except MemoryError as failure:
            reply = _failure(failure, "memory")
        except BaseException as failure:  # noqa: BLE001 - model code may raise anything; we report it
            reply = _failure(failure)
        try:
            return wire.encode(reply, self.max_value_bytes)
        except wire.NotData as refused:
            return wire.encode(_failure(refused, "value"))

    def _run(self, request: dict[str, Any]) -> dict[str, Any]:
        context, external = request["context"], request.get("external")
        if request["op"] == "evaluate":
            value = restricted.evaluate(self.helpers, request["source"], context, external)
            return {"ok": True, "value": value}
        data = restricted.execute(self.helpers, request["source"], context, external)
        return {"ok": True, "data": data}


def main() -> None:
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames may reach the app's end of the pipe
    settings = _read_request(requests)
    if settings is None:
        return
    child = Child(settings["zone"], settings["max_value_bytes"], settings["calendar_toml"])
    _limit_self(settings["memory_bytes"])
    while (request := _read_request(requests)) is not None:
        _allow_cpu(request["cpu_seconds"])
        replies.write(wire.frame(child.answer(request)))
        replies.flush()


if __name__ == "__main__":
    main()
