"""Sandbox processes: model code runs in a child process the kernel bounds, never in the app's.

Each app process (a gunicorn worker, the timer worker, a CLI command) keeps a small pool of child
interpreters running ``jail_child.py``. A request — evaluate an expression or run a script over the
task's data — goes down a pipe as one JSON frame and the answer comes back as one. The child limits
its own address space (``memory_bytes`` over what it needs to start) and its CPU time per request
(``cpu_seconds``, enforced by the kernel with SIGXCPU); the app waits at most ``wall_seconds`` for
an answer and kills the child past it. A child that died or was killed is replaced by a new one on
the next request. So no model code can stop, hang or exhaust the process serving the site: the worst
it can do is end its own child, which the caller reports as an incident.
"""

from __future__ import annotations

import atexit
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.engine import wire

CHILD_SCRIPT = Path(__file__).with_name("jail_child.py")


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 2
    memory_bytes: int = 256 * 1024 * 1024
    #: Largest value (or set of variables) one evaluation may hand back, as JSON bytes.
    max_value_bytes: int = 4 * 1024 * 1024
    #: Grace over twice the CPU time before the app stops waiting: the kernel's CPU limit is the
    #: bound, this is the backstop (a loaded machine gives a child less than a core).
    wall_grace_seconds: float = 3.0
    zone: str = "Asia/Shanghai"
    #: The working-day calendar file's text (``workdays.py``); empty: Monday to Friday.
    calendar_toml: str = ""


class SandboxLimitExceeded(Exception):
    """The model code went past a limit the operating system enforces; the child was replaced."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(f"{message_zh}（{message_en}）")
        self.message_en, self.message_zh = message_en, message_zh


class SandboxCodeFailed(Exception):
    """The model code raised an exception of its own (a NameError, a ValueError …)."""

    def __init__(self, error: str, message: str, line: int | None) -> None:
        where = f" (line {line})" if line else ""
        super().__init__(f"{error}: {message}{where}")
        self.error, self.line = error, line


def _cpu_exceeded(limits: Limits) -> SandboxLimitExceeded:
    return SandboxLimitExceeded(
        f"the model code used more than {limits.cpu_seconds} s of CPU time and was stopped",
        f"模型代码运行超过 {limits.cpu_seconds} 秒 CPU 时间，已被终止",
    )


class _Child:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script, no shell
            [sys.executable, "-E", "-s", "-P", "-B", str(CHILD_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,  # a Ctrl-C at the terminal is the app's, not the child's
        )
        self._send(
            {
                "zone": limits.zone,
                "calendar_toml": limits.calendar_toml,
                "memory_bytes": limits.memory_bytes,
                "max_value_bytes": limits.max_value_bytes,
            }
        )

    def _send(self, message: dict[str, Any]) -> None:
        self._write(wire.encode(message))

    def _write(self, payload: bytes) -> None:
        requests = self.process.stdin
        if requests is None:  # closed by kill()
            raise BrokenPipeError("the sandbox process is gone")
        requests.write(wire.frame(payload))
        requests.flush()

    def ask(self, payload: bytes, wall_seconds: float) -> dict[str, Any]:
        """Send one encoded request; the decoded answer, or SandboxLimitExceeded."""
        try:
            self._write(payload)
        except (BrokenPipeError, OSError):
            raise self._died() from None
        deadline = time.monotonic() + wall_seconds
        header = self._read(wire.HEADER_SIZE, deadline)
        return wire.decode(self._read(wire.frame_length(header), deadline))

    def _read(self, size: int, deadline: float) -> bytes:
        if self.process.stdout is None:
            raise self._died()
        fd, chunks, missing = self.process.stdout.fileno(), [], size
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                self.kill()
                raise SandboxLimitExceeded(
                    "the model code did not finish in time and was stopped",
                    "模型代码未能按时结束，已被终止",
                )
            chunk = os.read(fd, min(missing, 1 << 20))
            if not chunk:
                raise self._died()
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _died(self) -> SandboxLimitExceeded:
        code = self.process.wait()
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            return _cpu_exceeded(self.limits)
        return SandboxLimitExceeded(
            f"the sandbox process stopped (exit status {code})",
            f"沙箱进程意外终止（退出状态 {code}）",
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


class Pool:
    """The idle children of one app process for one set of limits (one caller per child)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self._owner = os.getpid()

    def run(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send ``request`` to a child; the child's answer, or SandboxLimitExceeded.

        The request is encoded first: task data that cannot be sent (wire.NotData) is the
        caller's problem and costs no child."""
        payload = wire.encode(request)
        wall = 2 * request["cpu_seconds"] + self.limits.wall_grace_seconds
        child = self._take()
        try:
            answer = child.ask(payload, wall)
        except BaseException:
            child.kill()  # dead, killed, or interrupted mid-frame: never reused
            raise
        self._give_back(child)
        return answer

    def _take(self) -> _Child:
        with self._lock:
            self._forget_if_forked()
            while self._idle:
                child = self._idle.pop()
                if child.alive():
                    return child
                child.kill()
        return _Child(self.limits)

    def _give_back(self, child: _Child) -> None:
        with self._lock:
            if os.getpid() == self._owner and len(self._idle) < 4:
                self._idle.append(child)
                return
        child.kill()

    def _forget_if_forked(self) -> None:
        # After a fork (gunicorn with --preload) the children belong to the parent process.
        if os.getpid() != self._owner:
            self._idle, self._owner = [], os.getpid()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        if os.getpid() == self._owner:
            for child in idle:
                child.kill()


_pools: dict[Limits, Pool] = {}
_pools_lock = threading.Lock()


def pool_for(limits: Limits) -> Pool:
    with _pools_lock:
        if limits not in _pools:
            _pools[limits] = Pool(limits)
        return _pools[limits]


@atexit.register
def _close_pools() -> None:
    for pool in list(_pools.values()):
        pool.close()
